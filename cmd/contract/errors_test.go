package main

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/internal/cli"
)

// writeTemp writes content to name in a fresh directory.
func writeTemp(name, content string) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
	return path
}

var _ = Describe("errors about files the user wrote", func() {
	DescribeTable("a bad contract config names the file, the place and the key, in no Go terms",
		func(content, want string) {
			cfg := writeTemp("contract.yaml", content)
			code, stdout, stderr := runContract("check", "--spec", spec, "--config", cfg, "fixtures/contract/clean")
			Expect(code).To(Equal(exitBadInput))
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(ContainSubstring("contract config " + cfg))
			Expect(stderr).To(ContainSubstring(want))
			Expect(cli.GoNames.FindAllString(stderr, -1)).To(BeEmpty(), stderr)
		},
		Entry("a list instead of a mapping", "- severities\n", ":1:1: the file must be a mapping with the keys severities, ignore, ignoreHeaders, rejectedRequests"),
		Entry("a number instead of a mapping", "42\n", ":1:1: the file must be a mapping"),
		Entry("an unknown key", "severity:\n  request.security: off\n", `:1:1: unknown key "severity" (keys: severities, ignore`),
		Entry("severities as a list", "severities: [a, b]\n", ":1:13: severities must map check ids to severities"),
		Entry("a severity as a list", "severities:\n  request.security: [off]\n", ":2:21: severities.request.security: want one of error, warning, info or off"),
		Entry("an unknown severity", "severities:\n  request.security: loud\n", `:2:21: severities.request.security: unknown severity "loud"`),
		Entry("an unknown check id", "severities:\n  request.nope: off\n", `:2:3: severities: unknown check id "request.nope"`),
		Entry("ignore as a mapping", "ignore: {a: 1}\n", ":1:9: ignore must be a list of strings"),
		Entry("ignore as one string", "ignore: /internal/**\n", ":1:9: ignore must be a list of strings"),
		Entry("ignoreHeaders with a list inside", "ignoreHeaders: [[X-Debug]]\n", ":1:16: ignoreHeaders must be a list of strings"),
		Entry("rejectedRequests as a list", "rejectedRequests: [info]\n", ":1:19: rejectedRequests: want one of error, warning, info or off"),
		Entry("broken YAML", "severities: [\n", "invalid YAML"),
	)

	DescribeTable("a bad traffic file names the file, the entry and the field, in no Go terms",
		func(name, content, want string) {
			path := writeTemp(name, content)
			code, stdout, stderr := runContract("check", "--spec", spec, path)
			Expect(code).To(Equal(exitBadInput))
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(ContainSubstring(path))
			Expect(stderr).To(ContainSubstring(want))
			Expect(cli.GoNames.FindAllString(stderr, -1)).To(BeEmpty(), stderr)
		},
		Entry("NDJSON: a number for the method", "t.ndjson", `{"request":{"method":5,"url":"http://x/v1/books"},"response":{"code":200}}`+"\n",
			"interaction 0: request.method: invalid field value: expected a string, found a number"),
		Entry("NDJSON: a string for the request", "t.ndjson", `{"request":"GET /"}`+"\n",
			"interaction 0: request: invalid field value: expected an object, found a string"),
		Entry("NDJSON: a number for the headers", "t.ndjson", `{"request":{"method":"GET","url":"http://x/v1/books","headers":5},"response":{"code":200}}`+"\n",
			"request.headers: invalid field value: expected an object, found a number"),
		Entry("NDJSON: a string for the status", "t.ndjson", `{"request":{"method":"GET","url":"http://x/v1/books"},"response":{"code":"OK"}}`+"\n",
			"response.code: invalid field value: expected an integer, found a string"),
		Entry("HAR: a number for the method", "t.har", `{"log":{"entries":[{"request":{"method":1}}]}}`,
			"interaction 0: request.method: invalid field value: expected a string, found a number"),
		Entry("HAR: headers as an object", "t.har", `{"log":{"entries":[{"request":{"method":"GET","url":"http://x/v1/books","headers":{"a":"b"}},"response":{"status":200}}]}}`,
			"request.headers: invalid field value: expected a list, found an object"),
		Entry("cassette: a list for the method", "t.yaml", "version: 2\ninteractions:\n- request: {method: [GET], url: \"http://x/\"}\n  response: {code: 200}\n",
			"request.method: invalid field value (expected a string, found a list)"),
	)
})
