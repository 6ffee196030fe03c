package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/webhook"
)

// receiver is what a client's webhook endpoint should do: verify the
// signature and the timestamp, answer 400 when they fail, and process each
// message id once (answering 200 to duplicates without processing them).
type receiver struct {
	scheme webhook.Scheme
	secret webhook.Secret
	fail   int           // answer 503 to this many requests first
	slow   time.Duration // sleep this long on the first request

	mu        sync.Mutex
	requests  int
	processed []string // event names, in processing order
	ids       map[string]bool
	dupes     int
	rejected  []error
}

func newReceiver(scheme string, secret webhook.Secret) *receiver {
	s, err := webhook.SchemeNamed(scheme)
	Expect(err).NotTo(HaveOccurred())
	return &receiver{scheme: s, secret: secret, ids: map[string]bool{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests++
	n := rc.requests
	rc.mu.Unlock()
	if n == 1 && rc.slow > 0 {
		time.Sleep(rc.slow)
	}
	if n <= rc.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if err := rc.scheme.Verify(r.Header, body, rc.secret, webhook.VerifyOptions{}); err != nil {
		rc.mu.Lock()
		rc.rejected = append(rc.rejected, err)
		rc.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.Header.Get(webhook.IDHeader)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.ids[id] {
		rc.dupes++
		return
	}
	rc.ids[id] = true
	rc.processed = append(rc.processed, r.Header.Get(webhook.NameHeader))
}

func (rc *receiver) snapshot() (processed []string, dupes int, rejected []error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.processed...), rc.dupes, append([]error(nil), rc.rejected...)
}

const standardSecret = webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")

func secretFor(scheme string) webhook.Secret {
	if scheme == webhook.SchemeStandard {
		return standardSecret
	}
	return "s3cr3t-for-" + webhook.Secret(scheme)
}

// start serves rc on 127.0.0.1 and builds a Deliverer for it.
func start(rc *receiver, cfg webhook.Config) (*webhook.Deliverer, string) {
	srv := httptest.NewServer(rc)
	DeferCleanup(srv.Close)
	cfg.Scheme, cfg.Secret = rc.scheme.Name(), rc.secret
	if cfg.Retry.Backoff == 0 {
		cfg.Retry = webhook.Retry{Attempts: 4, Backoff: 20 * time.Millisecond, Timeout: 2 * time.Second}
	}
	d, err := webhook.New(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(d.Close)
	return d, srv.URL + "/hooks"
}

func rate(f float64) *float64 { return &f }

var _ = Describe("Deliverer against a verifying receiver", func() {
	ctx := context.Background()
	body := []byte(`{"type":"invoice.paid","data":{"id":"in_1"}}`)

	DescribeTable("signs with each scheme so that the receiver verifies it",
		func(scheme string) {
			rc := newReceiver(scheme, secretFor(scheme))
			d, url := start(rc, webhook.Config{Seed: 1})
			for range 3 {
				res, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
				Expect(err).NotTo(HaveOccurred())
				Expect(res.Delivered).To(BeTrue())
			}
			processed, dupes, rejected := rc.snapshot()
			Expect(rejected).To(BeEmpty())
			Expect(processed).To(HaveLen(3))
			Expect(dupes).To(BeZero())
			at := d.Journal().Attempts("invoice.paid")
			Expect(at).To(HaveLen(3))
			for _, a := range at {
				Expect(a.Outcome).To(Equal(webhook.OutcomeDelivered))
				Expect(a.Signature).To(HavePrefix(d.Scheme().Header() + ": "))
			}
		},
		Entry("github", webhook.SchemeGitHub),
		Entry("stripe", webhook.SchemeStripe),
		Entry("standard", webhook.SchemeStandard),
	)

	DescribeTable("a bad_signature fault is rejected by the receiver and not retried",
		func(scheme string) {
			rc := newReceiver(scheme, secretFor(scheme))
			d, url := start(rc, webhook.Config{Rules: []webhook.Rule{{Name: "bad", Fault: webhook.Fault{BadSignature: true}}}})
			res, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
			Expect(err).To(MatchError(webhook.ErrUndelivered))
			Expect(res.Status).To(Equal(http.StatusBadRequest))
			_, _, rejected := rc.snapshot()
			Expect(rejected).To(HaveLen(1))
			Expect(rejected[0]).To(MatchError(webhook.ErrMismatch))
			at := d.Journal().Attempts("")
			Expect(at).To(HaveLen(1))
			Expect(at[0].Outcome).To(Equal(webhook.OutcomeRejected))
			Expect(at[0].Fault).To(Equal(webhook.FaultBadSignature))
		},
		Entry("github", webhook.SchemeGitHub),
		Entry("stripe", webhook.SchemeStripe),
		Entry("standard", webhook.SchemeStandard),
	)

	DescribeTable("a stale_timestamp fault (a replay) is rejected as stale",
		func(scheme string) {
			rc := newReceiver(scheme, secretFor(scheme))
			d, url := start(rc, webhook.Config{Rules: []webhook.Rule{{Name: "replay", Fault: webhook.Fault{Stale: time.Hour}}}})
			_, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
			Expect(err).To(MatchError(webhook.ErrUndelivered))
			_, _, rejected := rc.snapshot()
			Expect(rejected).To(HaveLen(1))
			Expect(rejected[0]).To(MatchError(webhook.ErrStale))
			Expect(d.Journal().Attempts("")[0].Timestamp).To(BeNumerically("~", time.Now().Add(-time.Hour).Unix(), 5))
		},
		Entry("stripe", webhook.SchemeStripe),
		Entry("standard", webhook.SchemeStandard),
	)

	It("sends duplicates with the same id, which the receiver de-duplicates", func() {
		rc := newReceiver(webhook.SchemeStandard, standardSecret)
		d, url := start(rc, webhook.Config{Rules: []webhook.Rule{{Name: "dup", Webhook: "invoice.*", Fault: webhook.Fault{Duplicate: 2}}}})
		_, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		processed, dupes, _ := rc.snapshot()
		Expect(processed).To(Equal([]string{"invoice.paid"}))
		Expect(dupes).To(Equal(2))
		at := d.Journal().Attempts("")
		Expect(at).To(HaveLen(3))
		Expect(at[1].ID).To(Equal(at[0].ID))
		Expect(at[1].Signature).To(Equal(at[0].Signature))
		Expect([]int{at[0].Copy, at[1].Copy, at[2].Copy}).To(Equal([]int{0, 1, 2}))
	})

	It("retries 5xx with exponential backoff and seeded jitter, and the journal shows the gaps", func() {
		rc := newReceiver(webhook.SchemeGitHub, secretFor(webhook.SchemeGitHub))
		rc.fail = 3
		retry := webhook.Retry{Attempts: 5, Backoff: 40 * time.Millisecond, Multiplier: 2, Jitter: 0.25, Timeout: 2 * time.Second}
		d, url := start(rc, webhook.Config{Seed: 7, Retry: retry})
		res, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Attempts).To(Equal(4))
		at := d.Journal().Attempts("")
		Expect(at).To(HaveLen(4))
		Expect([]string{at[0].Outcome, at[1].Outcome, at[2].Outcome, at[3].Outcome}).To(Equal(
			[]string{webhook.OutcomeRetry, webhook.OutcomeRetry, webhook.OutcomeRetry, webhook.OutcomeDelivered}))
		Expect(at[0].WaitMS).To(BeZero())
		for i := 1; i < 4; i++ {
			nominal := 40.0 * float64(int(1)<<(i-1)) // 40, 80, 160 ms
			Expect(at[i].WaitMS).To(BeNumerically(">=", nominal*0.75), "gap %d", i)
			Expect(at[i].WaitMS).To(BeNumerically("<=", nominal*1.25), "gap %d", i)
			// The receiver really saw the gap: sent times are at least the wait apart.
			gap := at[i].Sent.Sub(at[i-1].Sent)
			Expect(gap.Seconds() * 1000).To(BeNumerically(">=", at[i].WaitMS))
			Expect(at[i].ID).To(Equal(at[0].ID))
		}
		// The same seed gives the same gaps.
		rc2 := newReceiver(webhook.SchemeGitHub, secretFor(webhook.SchemeGitHub))
		rc2.fail = 3
		d2, url2 := start(rc2, webhook.Config{Seed: 7, Retry: retry})
		_, err = d2.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url2, Body: body})
		Expect(err).NotTo(HaveOccurred())
		at2 := d2.Journal().Attempts("")
		for i := range at {
			Expect(at2[i].WaitMS).To(Equal(at[i].WaitMS))
			Expect(at2[i].ID).To(Equal(at[i].ID))
		}
	})

	It("gives up after the last attempt with ErrUndelivered and a failed entry", func() {
		rc := newReceiver(webhook.SchemeGitHub, secretFor(webhook.SchemeGitHub))
		rc.fail = 100
		d, url := start(rc, webhook.Config{Retry: webhook.Retry{Attempts: 2, Backoff: 5 * time.Millisecond, Timeout: time.Second}})
		_, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
		Expect(err).To(MatchError(webhook.ErrUndelivered))
		Expect(err.Error()).To(ContainSubstring("after 2 attempts: last status 503"))
		at := d.Journal().Attempts("")
		Expect(at[len(at)-1].Outcome).To(Equal(webhook.OutcomeFailed))
	})

	It("a timeout fault gives up on a slow receiver, retries, and the receiver de-duplicates", func() {
		rc := newReceiver(webhook.SchemeStripe, secretFor(webhook.SchemeStripe))
		rc.slow = 300 * time.Millisecond
		d, url := start(rc, webhook.Config{Rules: []webhook.Rule{{Name: "slow", Fault: webhook.Fault{Timeout: 50 * time.Millisecond}}}})
		res, err := d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Attempts).To(Equal(2))
		at := d.Journal().Attempts("")
		Expect(at[0].Outcome).To(Equal(webhook.OutcomeRetry))
		Expect(at[0].Error).To(Equal("timeout after 50ms"))
		Eventually(func() int { _, dupes, _ := rc.snapshot(); return dupes }).Should(Equal(1))
		processed, _, _ := rc.snapshot()
		Expect(processed).To(HaveLen(1))
	})

	It("an out_of_order fault sends the held message after the next one", func() {
		rc := newReceiver(webhook.SchemeGitHub, secretFor(webhook.SchemeGitHub))
		d, url := start(rc, webhook.Config{Rules: []webhook.Rule{{Name: "ooo", Webhook: "invoice.created", Times: 1,
			Fault: webhook.Fault{OutOfOrder: true, Hold: 5 * time.Second}}}})
		res, err := d.Deliver(ctx, webhook.Event{Name: "invoice.created", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Held).To(BeTrue())
		_, err = d.Deliver(ctx, webhook.Event{Name: "invoice.paid", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		processed, _, _ := rc.snapshot()
		Expect(processed).To(Equal([]string{"invoice.paid", "invoice.created"}))
	})

	It("an out_of_order message with no next event goes out after its hold time", func() {
		rc := newReceiver(webhook.SchemeGitHub, secretFor(webhook.SchemeGitHub))
		d, url := start(rc, webhook.Config{Rules: []webhook.Rule{{Name: "ooo", Fault: webhook.Fault{OutOfOrder: true, Hold: 30 * time.Millisecond}}}})
		_, err := d.Deliver(ctx, webhook.Event{Name: "invoice.created", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() []string { p, _, _ := rc.snapshot(); return p }).Should(Equal([]string{"invoice.created"}))
	})

	It("chooses faults deterministically from the seed", func() {
		pattern := func(seed uint64) []string {
			rc := newReceiver(webhook.SchemeGitHub, secretFor(webhook.SchemeGitHub))
			d, url := start(rc, webhook.Config{Seed: seed, Rules: []webhook.Rule{{Name: "half", Rate: rate(0.5), Fault: webhook.Fault{Duplicate: 1}}}})
			var out []string
			for range 12 {
				res, err := d.Deliver(ctx, webhook.Event{Name: "e", URL: url, Body: body})
				Expect(err).NotTo(HaveOccurred())
				out = append(out, res.ID+":"+res.Fault)
			}
			return out
		}
		a := pattern(42)
		Expect(pattern(42)).To(Equal(a))
		Expect(pattern(43)).NotTo(Equal(a))
		faulted := 0
		for _, s := range a {
			if s[len(s)-9:] == "duplicate" {
				faulted++
			}
		}
		Expect(faulted).To(BeNumerically(">", 0))
		Expect(faulted).To(BeNumerically("<", 12))
	})

	It("never puts the secret in the journal, its JSON, the logs or errors", func() {
		secret := webhook.Secret("very-secret-signing-value")
		var logs bytes.Buffer
		rc := newReceiver(webhook.SchemeStripe, secret)
		rc.fail = 1
		d, url := start(rc, webhook.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
			Rules: []webhook.Rule{{Name: "bad", Times: 1, Fault: webhook.Fault{BadSignature: true}}}})
		_, err := d.Deliver(ctx, webhook.Event{Name: "a", URL: url, Body: body})
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).NotTo(ContainSubstring(string(secret)))
		_, err = d.Deliver(ctx, webhook.Event{Name: "b", URL: url, Body: body})
		Expect(err).NotTo(HaveOccurred())
		js, err := json.Marshal(d.Journal().Attempts(""))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(js)).NotTo(ContainSubstring(string(secret)))
		Expect(logs.String()).To(ContainSubstring("webhook attempt"))
		Expect(logs.String()).NotTo(ContainSubstring(string(secret)))
		// A Config printed or logged shows no secret (Secret's String and
		// MarshalJSON); the Config itself holds an http.Client, which JSON
		// cannot encode.
		cfg := webhook.Config{Secret: secret}
		Expect(fmt.Sprintf("%v %+v %s", cfg, cfg, cfg.Secret)).NotTo(ContainSubstring(string(secret)))
		js, err = json.Marshal(struct{ Secret webhook.Secret }{secret})
		Expect(err).NotTo(HaveOccurred())
		Expect(string(js)).To(ContainSubstring("REDACTED"))
		Expect(string(js)).NotTo(ContainSubstring(string(secret)))
	})

	It("refuses a missing secret, a bad standard secret and a missing URL with a fix", func() {
		_, err := webhook.New(webhook.Config{})
		Expect(err).To(MatchError(ContainSubstring("--webhook-secret")))
		_, err = webhook.New(webhook.Config{Scheme: "standard", Secret: "not base64!"})
		Expect(err).To(MatchError(ContainSubstring("whsec_")))
		d, err := webhook.New(webhook.Config{Secret: "x"})
		Expect(err).NotTo(HaveOccurred())
		defer d.Close()
		_, err = d.Deliver(ctx, webhook.Event{Name: "a"})
		Expect(err).To(MatchError(ContainSubstring("--webhook-url")))
		Expect(errors.Is(err, webhook.ErrUndelivered)).To(BeFalse())
	})
})
