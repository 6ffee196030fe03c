package main

import (
	"net/http"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("mockd serve: admin and CORS flags", func() {
	It("--admin-token protects the admin API, not the mock", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--admin-token", "t0k")
		status, _, _ := get(inst.base + "/__mockd/health")
		Expect(status).To(Equal(http.StatusUnauthorized))
		status, _, _ = get(inst.base+"/__mockd/health", "Authorization", "Bearer t0k")
		Expect(status).To(Equal(http.StatusOK))
		status, _, _ = get(inst.base + "/books")
		Expect(status).To(Equal(http.StatusOK))
	})

	It("takes the admin token from $MOCKD_ADMIN_TOKEN when the flag is not given", func() {
		GinkgoT().Setenv("MOCKD_ADMIN_TOKEN", "from-env")
		inst := startRun("--spec", bookstore, "--port", "0")
		status, _, _ := get(inst.base + "/__mockd/health")
		Expect(status).To(Equal(http.StatusUnauthorized))
		status, _, _ = get(inst.base+"/__mockd/health", "Authorization", "Bearer from-env")
		Expect(status).To(Equal(http.StatusOK))
	})

	It("--admin-addr serves the admin API on its own address and prints it", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--admin-addr", "127.0.0.1:0")
		m := regexp.MustCompile(`admin: (http://127\.0\.0\.1:\d+)/__mockd/health`).FindStringSubmatch(string(inst.out.Contents()))
		Expect(m).NotTo(BeNil())
		Expect(m[1]).NotTo(Equal(inst.base))
		status, _, _ := get(m[1] + "/__mockd/health")
		Expect(status).To(Equal(http.StatusOK))
		status, _, _ = get(inst.base + "/__mockd/health")
		Expect(status).To(Equal(http.StatusNotFound))
	})

	It("--cors-origins allows credentials for the listed origins only", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--cors-origins", "http://localhost:3000, https://app.example")
		_, h, _ := get(inst.base+"/books", "Origin", "https://app.example")
		Expect(h.Get("Access-Control-Allow-Origin")).To(Equal("https://app.example"))
		Expect(h.Get("Access-Control-Allow-Credentials")).To(Equal("true"))
		_, h, _ = get(inst.base+"/books", "Origin", "https://evil.example")
		Expect(h.Get("Access-Control-Allow-Origin")).To(BeEmpty())
	})

	DescribeTable("rejects bad values",
		func(want string, args ...string) {
			code, _, stderr := runOnce(append([]string{"serve", "--spec", bookstore, "--port", "0"}, args...)...)
			Expect(code).NotTo(BeZero())
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("negative --journal-bytes", "--journal-bytes -1 must not be negative", "--journal-bytes", "-1"),
		Entry("zero --refuse-max", "--refuse-max 0s must be positive", "--refuse-max", "0"),
		Entry("a --cors-origins that is not an origin", `CORS origin "*" is not an origin`, "--cors-origins", "*"),
	)
})
