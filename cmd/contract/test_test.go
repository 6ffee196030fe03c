package main

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

var _ = Describe("contract test", func() {
	const bookstore = "fixtures/bookstore.yaml"

	It("passes against mockd (exit 0), with progress on stderr and a cassette contract check accepts", func() {
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(bookstore))
		cassette := filepath.Join(GinkgoT().TempDir(), "run.yaml")
		ops := []string{"--operation", "listBooks", "--operation", "createBook", "--operation", "getBook"}
		code, out, errOut := runContract(append([]string{"test", "--spec", bookstore, "--base-url", srv.URL, "--max-examples", "2", "--color", "never"}, ops...)...)
		Expect(code).To(Equal(exitOK), out+errOut)
		Expect(errOut).To(ContainSubstring("contract test: 3/3 operations done"))
		Expect(out).To(ContainSubstring("PASS"))
		// The valid exchanges, recorded, pass contract check too (the
		// invalid ones would not: check cannot know they were on purpose).
		code, out, errOut = runContract(append([]string{"test", "--spec", bookstore, "--base-url", srv.URL, "--positive-only", "--record", cassette}, ops...)...)
		Expect(code).To(Equal(exitOK), out+errOut)
		code, out, _ = runContract("check", "--spec", bookstore, "--min-coverage", "37", cassette)
		Expect(code).To(Equal(exitOK), out)
	})

	It("lists the plan without sending (--list), filtered by --method and --path", func() {
		code, out, errOut := runContract("test", "--spec", bookstore, "--base-url", "http://127.0.0.1:1", "--list",
			"--method", "get", "--path", "/books/*", "--max-examples", "1", "--positive-only")
		Expect(code).To(Equal(exitOK), errOut)
		Expect(out).To(ContainSubstring("getBook example"))
		Expect(out).NotTo(ContainSubstring("listBooks"))
		Expect(out).NotTo(ContainSubstring("invalid"))
	})

	It("expands ${VAR} in --header and redacts it in every output", func() {
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(bookstore))
		GinkgoT().Setenv("PTEST_TOKEN", "s3cr3t-value-42")
		cassette := filepath.Join(GinkgoT().TempDir(), "run.yaml")
		code, out, errOut := runContract("test", "--spec", bookstore, "--base-url", srv.URL, "--operation", "adminStats",
			"--header", "X-Session: ${PTEST_TOKEN}", "--header", "Authorization: Basic ${PTEST_TOKEN}", "--record", cassette, "--format", "json", "--log-level", "debug")
		Expect(code).To(Or(Equal(exitOK), Equal(exitViolation)), errOut)
		data, err := os.ReadFile(cassette)
		Expect(err).NotTo(HaveOccurred())
		for _, text := range []string{out, errOut, string(data)} {
			Expect(text).NotTo(ContainSubstring("s3cr3t-value-42"))
		}
		Expect(out).To(ContainSubstring(`"reproduce": "curl`))
		Expect(string(data)).To(ContainSubstring("REDACTED"))
	})

	It("refuses DELETE, PUT and PATCH to a non-loopback host without --allow-destructive (exit 2)", func() {
		code, _, errOut := runContract("test", "--spec", bookstore, "--base-url", "http://api.example.invalid", "--operation", "deleteBook")
		Expect(code).To(Equal(exitBadInput))
		Expect(errOut).To(ContainSubstring("warning: the plan sends DELETE"))
		Expect(errOut).To(ContainSubstring("--allow-destructive"))
	})

	DescribeTable("exits 2 on bad flags, naming the flag",
		func(want string, args ...string) {
			code, _, errOut := runContract(append([]string{"test", "--spec", bookstore}, args...)...)
			Expect(code).To(Equal(exitBadInput))
			Expect(strings.ReplaceAll(errOut, "\n", " ")).To(ContainSubstring(want))
		},
		Entry("no base URL", "--base-url URL is required"),
		Entry("an unset variable", "PTEST_UNSET is not set", "--base-url", "http://127.0.0.1:1", "--header", "Authorization: Bearer ${PTEST_UNSET}"),
		Entry("a header without a colon", "write 'Name: value'", "--base-url", "http://127.0.0.1:1", "--header", "Authorization"),
		Entry("a bad rate", "--rate \"fast\"", "--base-url", "http://127.0.0.1:1", "--rate", "fast"),
		Entry("an unknown operation", "\"nope\" is not an operationId", "--base-url", "http://127.0.0.1:1", "--operation", "nope"),
		Entry("a relative base URL", "must be an absolute http(s) URL", "--base-url", "localhost:1"),
	)
})
