package main

import (
	"io"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/auth"
	"github.com/mockd/mockd/mockserver"
)

var _ = Describe("serve's auth flags", func() {
	It("binds --auth and the token flags into mockserver.Config, over the --auth-config file", func() {
		file := writeSpec("auth.yaml", "issuer: from-file\nlifetime: 5m\nclients: [{id: a, secret: file-secret}]\n")
		c := &serveCommand{stdout: io.Discard, stderr: io.Discard}
		Expect(c.parse([]string{"--spec", bookstore, "--auth", "strict", "--auth-config", file,
			"--oauth-client", "b:flag-secret", "--api-key", "k1", "--token-issuer", "from-flag",
			"--token-audience", "api", "--token-alg", "HS256", "--token-lifetime", "30s"})).To(Succeed())
		Expect(c.cfg.Auth).To(Equal(mockserver.AuthStrict))
		ac := c.cfg.AuthConfig
		Expect(ac).NotTo(BeNil())
		Expect(ac.Issuer).To(Equal("from-flag"))
		Expect(ac.Lifetime).To(Equal(30 * time.Second))
		Expect(ac.Alg).To(Equal(auth.HS256))
		Expect(ac.Audience).To(Equal([]string{"api"}))
		Expect(ac.APIKeys).To(Equal([]string{"k1"}))
		Expect(ac.Clients).To(Equal([]auth.Client{{ID: "a", Secret: "file-secret"}, {ID: "b", Secret: "flag-secret"}}))
	})

	It("leaves the presence check and no auth config by default", func() {
		c := &serveCommand{stdout: io.Discard, stderr: io.Discard}
		Expect(c.parse([]string{"--spec", bookstore})).To(Succeed())
		Expect(c.cfg.Auth).To(Equal(mockserver.AuthPresence))
		Expect(c.cfg.AuthConfig).To(BeNil())
	})

	DescribeTable("refuses bad auth flags as usage errors naming the flag",
		func(want string, args ...string) {
			code, _, stderr := runOnce(append([]string{"serve", "--spec", bookstore, "--port", "0"}, args...)...)
			Expect(code).To(Equal(2))
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("bad mode", `--auth "lax": use presence`, "--auth", "lax"),
		Entry("client without id", "--oauth-client: auth: client has no id", "--oauth-client", ":x"),
		Entry("bad alg", `alg "none": use RS256 or HS256`, "--token-alg", "none"),
		Entry("missing file", "--auth-config: auth config", "--auth-config", "/nonexistent/auth.yaml"),
	)
})
