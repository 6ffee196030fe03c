package main

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
)

var _ = Describe("mockd serve --problem-bodies", func() {
	It("answers rejected requests with mockd's problem+json when set to mockd", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--seed", "42", "--problem-bodies", "mockd")
		Eventually(inst.out).Should(gbytes.Say(`(?s)try: .*try: .*try: [^\n]*\n`))
		defer inst.stop()
		status, h, body := get(inst.base + "/books?limit=1000")
		Expect(status).To(Equal(http.StatusBadRequest))
		Expect(h.Get("Content-Type")).To(Equal("application/problem+json"))
		Expect(body).To(ContainSubstring(`"location":["request","query","limit"]`))
		Expect(h.Get("X-Mockd-Problem")).To(BeEmpty())
	})

	It("refuses an unknown mode", func() {
		code, _, stderr := runOnce("serve", "--spec", bookstore, "--port", "0", "--problem-bodies", "prism")
		Expect(code).To(Equal(2))
		Expect(stderr).To(ContainSubstring(`--problem-bodies "prism": use spec`))
	})
})
