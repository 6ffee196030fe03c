package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/mockserver/matchers"
	"github.com/mockd/mockd/webhook"
)

// hookReceiver verifies every delivery with the scheme and secret mockd
// uses, and keeps what it accepted.
type hookReceiver struct {
	scheme webhook.Scheme
	secret webhook.Secret
	srv    *httptest.Server

	mu       sync.Mutex
	bodies   []string
	urls     []string
	rejected []error
}

func newHookReceiver(scheme string, secret webhook.Secret) *hookReceiver {
	sch, err := webhook.SchemeNamed(scheme)
	Expect(err).NotTo(HaveOccurred())
	rc := &hookReceiver{scheme: sch, secret: secret}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err := rc.scheme.Verify(r.Header, body, rc.secret, webhook.VerifyOptions{}); err != nil {
			rc.rejected = append(rc.rejected, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		rc.bodies = append(rc.bodies, string(body))
		rc.urls = append(rc.urls, r.URL.RequestURI())
	}))
	DeferCleanup(rc.srv.Close)
	return rc
}

func (rc *hookReceiver) got() (bodies, urls []string, rejected []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.bodies...), append([]string(nil), rc.urls...), append([]error(nil), rc.rejected...)
}

const (
	billingSpec  = "../fixtures/billing-webhooks-3.1.yaml"
	subsSpec     = "../fixtures/subscriptions-callbacks-3.0.yaml"
	hookSecret   = webhook.Secret("test-hook-secret-123")
	adminTokenWH = "admin-token-for-webhooks"
)

var _ = Describe("Webhooks and callbacks", func() {
	ctx := context.Background()

	It("fires a 3.1 webhook with its example body, signed so that the receiver verifies it", func() {
		rc := newHookReceiver("github", hookSecret)
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec), mockserver.WebhookSecret(hookSecret),
			mockserver.WebhookURL(rc.srv.URL+"/hooks"))
		Expect(srv.Webhooks()).To(Equal([]string{"invoice.created", "invoice.paid"}))
		res, err := srv.FireWebhook(ctx, "invoice.paid", mockserver.FireOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Delivered).To(BeTrue())
		bodies, urls, rejected := rc.got()
		Expect(rejected).To(BeEmpty())
		Expect(urls).To(Equal([]string{"/hooks"}))
		Expect(bodies[0]).To(MatchJSON(`{"id":"evt_1001","type":"invoice.paid","data":{"id":"in_1001","status":"paid","amount_due":2500,"currency":"eur"}}`))
		Expect(srv).To(matchers.HaveDelivered("invoice.paid").Times(1).InAttempts(1))
		Expect(srv).NotTo(matchers.HaveDelivered("invoice.created"))
	})

	It("generates a body from the schema (seeded) when the webhook has no example", func() {
		rc := newHookReceiver("standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		body := func() string {
			srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec), mockserver.Seed(3),
				mockserver.WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), mockserver.WebhookScheme("standard"))
			_, err := srv.FireWebhook(ctx, "invoice.created", mockserver.FireOptions{URL: rc.srv.URL})
			Expect(err).NotTo(HaveOccurred())
			bodies, _, _ := rc.got()
			return bodies[len(bodies)-1]
		}
		first := body()
		var ev struct {
			ID   string `json:"id"`
			Type string `json:"type"`
			Data struct {
				Currency string `json:"currency"`
			} `json:"data"`
		}
		Expect(json.Unmarshal([]byte(first), &ev)).To(Succeed())
		Expect(ev.ID).To(MatchRegexp(`^evt_[0-9]+$`))
		Expect(ev.Type).To(BeElementOf("invoice.created", "invoice.paid"))
		Expect(ev.Data.Currency).To(BeElementOf("eur", "usd"))
		Expect(body()).To(Equal(first), "the same seed gives the same body")
	})

	It("calls a 3.0 callback back at the URL its runtime expression takes from the request", func() {
		rc := newHookReceiver("stripe", hookSecret)
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(subsSpec), mockserver.WebhookSecret(hookSecret), mockserver.WebhookScheme("stripe"))
		req := `{"callbackUrl": "` + rc.srv.URL + `/cb/42", "plan": "pro"}`
		resp, err := srv.Client().Post(srv.URL+"/subscriptions", "application/json", strings.NewReader(req))
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusCreated))
		_ = resp.Body.Close()
		Eventually(srv).Should(matchers.HaveDelivered("subscriptionActivated"))
		bodies, urls, rejected := rc.got()
		Expect(rejected).To(BeEmpty())
		Expect(urls).To(Equal([]string{"/cb/42?plan=pro"}))
		Expect(bodies[0]).To(MatchJSON(`{"subscription":"sub_1","event":"activated"}`))
	})

	It("sends no callback when the triggering request is rejected", func() {
		rc := newHookReceiver("github", hookSecret)
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(subsSpec), mockserver.WebhookSecret(hookSecret))
		resp, err := srv.Client().Post(srv.URL+"/subscriptions", "application/json", strings.NewReader(`{"callbackUrl": "`+rc.srv.URL+`"}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(BeNumerically(">=", 400))
		_ = resp.Body.Close()
		srv.WaitWebhooks()
		Expect(srv.WebhookDeliveries().Attempts("")).To(BeEmpty())
	})

	It("serves the admin API: list, fire (URL from the body), deliveries, errors, behind the admin token", func() {
		rc := newHookReceiver("github", hookSecret)
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec), mockserver.WebhookSecret(hookSecret),
			mockserver.AdminToken(adminTokenWH))
		call := func(method, path, body string) (int, string) {
			req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+adminTokenWH)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := srv.Client().Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		code, out := call("GET", "/__mockd/webhooks", "")
		Expect(code).To(Equal(200))
		Expect(out).To(ContainSubstring(`"name": "invoice.paid"`))
		Expect(out).To(ContainSubstring(`"scheme": "github"`))

		code, out = call("POST", "/__mockd/webhooks/invoice.paid/fire", `{"url": "`+rc.srv.URL+`/admin"}`)
		Expect(code).To(Equal(200), out)
		Expect(out).To(ContainSubstring(`"delivered": true`))
		code, out = call("POST", "/__mockd/webhooks/invoice.paid/fire", "")
		Expect(code).To(Equal(400), out)
		Expect(out).To(ContainSubstring("--webhook-url"))
		code, out = call("POST", "/__mockd/webhooks/nope/fire", "")
		Expect(code).To(Equal(404))
		Expect(out).To(ContainSubstring("invoice.created, invoice.paid"))
		code, _ = call("POST", "/__mockd/webhooks/invoice.paid/fire", `{"url": 1}`)
		Expect(code).To(Equal(400))

		code, out = call("GET", "/__mockd/webhooks/deliveries?webhook=invoice.paid", "")
		Expect(code).To(Equal(200))
		Expect(out).To(ContainSubstring(`"count": 1`))
		Expect(out).To(ContainSubstring(`"signature": "X-Hub-Signature-256: sha256=`))
		Expect(out).NotTo(ContainSubstring(string(hookSecret)))
		code, _ = call("DELETE", "/__mockd/webhooks/deliveries", "")
		Expect(code).To(Equal(204))
		Expect(srv.WebhookDeliveries().Attempts("")).To(BeEmpty())

		resp, err := srv.Client().Post(srv.URL+"/__mockd/webhooks/invoice.paid/fire", "application/json", nil)
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized), "the admin guard applies")
	})

	It("answers 409 with the fix when no secret is set, and 502 when the receiver fails", func() {
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec))
		_, err := srv.FireWebhook(ctx, "invoice.paid", mockserver.FireOptions{URL: "http://127.0.0.1:1/"})
		Expect(err).To(MatchError(mockserver.ErrWebhooksOff))
		resp, err := srv.Client().Post(srv.URL+"/__mockd/webhooks/invoice.paid/fire", "application/json", nil)
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusConflict))

		failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
		DeferCleanup(failing.Close)
		file := filepath.Join(GinkgoT().TempDir(), "hooks.yaml")
		Expect(os.WriteFile(file, []byte("retry: {attempts: 2, backoff: 10ms}\n"), 0o600)).To(Succeed())
		srv2 := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec), mockserver.WebhookSecret(hookSecret), mockserver.WebhookFile(file))
		resp, err = srv2.Client().Post(srv2.URL+"/__mockd/webhooks/invoice.paid/fire", "application/json",
			strings.NewReader(`{"url": "`+failing.URL+`"}`))
		Expect(err).NotTo(HaveOccurred())
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusBadGateway))
		Expect(string(b)).To(ContainSubstring("after 2 attempts: last status 500"))
		Expect(srv2).NotTo(matchers.HaveDelivered("invoice.paid"))
	})

	It("applies the webhooks file: faults from its rules and a schedule", func() {
		rc := newHookReceiver("stripe", hookSecret)
		file := filepath.Join(GinkgoT().TempDir(), "hooks.yaml")
		Expect(os.WriteFile(file, []byte(`scheme: stripe
url: `+rc.srv.URL+`/sched
retry: {attempts: 1}
schedule:
  - {webhook: invoice.paid, every: 20ms, count: 3}
faults:
  - {name: replay, webhook: invoice.paid, times: 1, fault: {stale_timestamp: 1h}}
`), 0o600)).To(Succeed())
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec), mockserver.WebhookSecret(hookSecret), mockserver.WebhookFile(file))
		Eventually(srv).Should(matchers.HaveDelivered("invoice.paid").Times(2))
		_, urls, rejected := rc.got()
		Expect(urls).To(HaveEach("/sched"))
		Expect(rejected).To(HaveLen(1))
		Expect(rejected[0]).To(MatchError(webhook.ErrStale))
	})

	It("refuses a schedule for an undeclared webhook, naming the place", func() {
		file := filepath.Join(GinkgoT().TempDir(), "hooks.yaml")
		Expect(os.WriteFile(file, []byte("schedule:\n  - {webhook: invoice.lost, every: 1s}\n"), 0o600)).To(Succeed())
		_, err := mockserver.New(mockserver.SpecFile(billingSpec), mockserver.WebhookSecret(hookSecret), mockserver.WebhookFile(file))
		Expect(err).To(MatchError(ContainSubstring(file + ":2:5: schedule names webhook \"invoice.lost\"")))
	})

	It("redacts the secret from the request journal and the logs", func() {
		var logs bytes.Buffer
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(billingSpec), mockserver.WebhookSecret(hookSecret),
			mockserver.Logger(slog.New(slog.NewJSONHandler(&logs, nil))))
		req, err := http.NewRequest("GET", srv.URL+"/invoices/in_1?echo="+string(hookSecret), nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("X-Debug", "key="+string(hookSecret))
		resp, err := srv.Client().Do(req)
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		Eventually(srv.Journal().Len).Should(Equal(1))
		e := srv.Journal().Entries(mockserver.Filter{})[0]
		Expect(e.Query).NotTo(ContainSubstring(string(hookSecret)))
		Expect(e.Headers["X-Debug"]).NotTo(ContainSubstring(string(hookSecret)))
		_, err = srv.FireWebhook(ctx, "invoice.paid", mockserver.FireOptions{URL: "http://127.0.0.1:1/?k=" + string(hookSecret)})
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).NotTo(ContainSubstring(string(hookSecret)))
		time.Sleep(10 * time.Millisecond)
		Expect(logs.String()).NotTo(ContainSubstring(string(hookSecret)))
	})
})
