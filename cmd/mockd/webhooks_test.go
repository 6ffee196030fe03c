package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/webhook"
)

const billing = "../../fixtures/billing-webhooks-3.1.yaml"

var _ = Describe("mockd serve: webhook flags", func() {
	// receiver verifies with scheme and secret and counts what verified.
	receiver := func(scheme string, secret webhook.Secret) (*httptest.Server, func() int) {
		sch, err := webhook.SchemeNamed(scheme)
		Expect(err).NotTo(HaveOccurred())
		var mu sync.Mutex
		ok := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := sch.Verify(r.Header, body, secret, webhook.VerifyOptions{}); err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			mu.Lock()
			ok++
			mu.Unlock()
		}))
		DeferCleanup(srv.Close)
		return srv, func() int { mu.Lock(); defer mu.Unlock(); return ok }
	}
	fire := func(base, name, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, base+"/__mockd/webhooks/"+name+"/fire", strings.NewReader(body))
		Expect(err).NotTo(HaveOccurred())
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		code, _, out := do(req)
		return code, out
	}

	It("--webhook-url and --webhook-secret sign and send; the secret never reaches stdout or stderr", func() {
		const secret = "cli-webhook-secret-9f2"
		rc, verified := receiver("github", secret)
		inst := startRun("--spec", billing, "--port", "0", "--webhook-url", rc.URL+"/hooks", "--webhook-secret", secret)
		code, out := fire(inst.base, "invoice.paid", "")
		Expect(code).To(Equal(http.StatusOK), out)
		Expect(verified()).To(Equal(1))
		Expect(inst.stop()).To(Equal(0))
		Expect(string(inst.out.Contents()) + string(inst.errOut.Contents())).NotTo(ContainSubstring(secret))
		Expect(string(inst.errOut.Contents())).To(ContainSubstring("webhook attempt"))
	})

	It("takes the secret from $MOCKD_WEBHOOK_SECRET, the scheme from --webhook-scheme and faults from --webhooks", func() {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		GinkgoT().Setenv("MOCKD_WEBHOOK_SECRET", secret)
		rc, verified := receiver("standard", secret)
		file := writeSpec("hooks.yaml", "faults:\n  - {name: dup, fault: duplicate}\n")
		inst := startRun("--spec", billing, "--port", "0", "--webhook-scheme", "standard", "--webhooks", file)
		code, out := fire(inst.base, "invoice.paid", `{"url": "`+rc.URL+`"}`)
		Expect(code).To(Equal(http.StatusOK), out)
		Expect(verified()).To(Equal(2), "the message and its duplicate")
		_, _, deliveries := get(inst.base + "/__mockd/webhooks/deliveries")
		Expect(deliveries).To(ContainSubstring(`"fault": "duplicate"`))
		Expect(deliveries).To(ContainSubstring(`"signature": "Webhook-Signature: v1,`))
	})

	DescribeTable("rejects bad webhook flags",
		func(want string, args ...string) {
			code, _, stderr := runOnce(append([]string{"serve", "--spec", billing, "--port", "0"}, args...)...)
			Expect(code).NotTo(BeZero())
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("an unknown scheme", `--webhook-scheme "hmac": use github, stripe or standard`, "--webhook-scheme", "hmac"),
		Entry("a relative URL", `--webhook-url "hooks": want an absolute URL`, "--webhook-url", "hooks"),
		Entry("a short secret", "--webhook-secret is shorter than 6 bytes", "--webhook-secret", "abc"),
		Entry("a standard secret that is not whsec_ base64", "whsec_ followed by base64", "--webhook-scheme", "standard", "--webhook-secret", "not-base64!!"),
		Entry("a webhooks file without a secret", "a webhooks file needs a signing secret", "--webhooks", "../../fixtures/webhooks/billing.yaml"),
		Entry("a missing webhooks file", "check the path given to --webhooks", "--webhook-secret", "long-enough", "--webhooks", "no/such/hooks.yaml"),
	)
})
