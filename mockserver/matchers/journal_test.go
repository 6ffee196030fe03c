package matchers_test

import (
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
	. "github.com/mockd/mockd/mockserver/matchers"
)

// t0 is a fixed instant so that messages are exact.
var t0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func entry(seq uint64, at time.Duration, status int, key string) mockserver.Entry {
	e := mockserver.Entry{Seq: seq, Received: t0.Add(at), Method: "POST", Path: "/books", Status: status, End: "normal"}
	if key != "" {
		e.Headers = map[string]string{"Idempotency-Key": key, "Authorization": "Bearer REDACTED"}
	}
	if status == 503 {
		e.Fault, e.Key = "retries/status+retry_after", key
	}
	return e
}

// retried is a client that retried k1 twice, 1 s apart, with another
// client's request in between.
func retried() []mockserver.Entry {
	return []mockserver.Entry{
		entry(1, 0, 503, "k1"),
		entry(2, 500*time.Millisecond, 201, "k2"),
		entry(3, time.Second, 503, "k1"),
		entry(4, 2*time.Second, 201, "k1"),
	}
}

// hasty retried k1 without waiting.
func hasty() []mockserver.Entry {
	return []mockserver.Entry{
		entry(1, 0, 503, "k1"),
		entry(2, 3*time.Millisecond, 503, "k1"),
		entry(3, 1003*time.Millisecond, 201, "k1"),
	}
}

var _ = Describe("HaveAttempts", func() {
	It("counts the requests with the header value", func() {
		Expect(retried()).To(HaveAttempts("Idempotency-Key", "k1", 3))
		Expect(retried()).To(HaveAttempts("idempotency-key", "k2", 1))
		Expect(retried()).NotTo(HaveAttempts("Idempotency-Key", "k1", 2))
	})

	It("fails with the attempts it found", func() {
		m := HaveAttempts("Idempotency-Key", "k1", 2)
		Expect(m.Match(retried())).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(Equal("Expected 2 attempts with Idempotency-Key: k1, but the journal has 3:\n" +
			"    #1 POST /books → 503 at +0s (fault retries/status+retry_after, key k1)\n" +
			"    #3 POST /books → 503 at +1s (fault retries/status+retry_after, key k1)\n" +
			"    #4 POST /books → 201 at +2s"))
		Expect(m.NegatedFailureMessage(nil)).To(HavePrefix("Expected the journal not to have 2 attempts with Idempotency-Key: k1, but it has:\n    #1 POST"))
	})

	It("shows the end of the journal when no request has the value", func() {
		m := HaveAttempts("Idempotency-Key", "k9", 1)
		Expect(m.Match(retried())).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(Equal("Expected 1 attempt with Idempotency-Key: k9, but the journal has none. The journal holds 4; the last 4 requests:\n" +
			"    #1 POST /books → 503 at +0s (fault retries/status+retry_after, key k1)\n" +
			"    #2 POST /books → 201 at +500ms\n" +
			"    #3 POST /books → 503 at +1s (fault retries/status+retry_after, key k1)\n" +
			"    #4 POST /books → 201 at +2s"))
		Expect(m.Match([]mockserver.Entry{})).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(Equal("Expected 1 attempt with Idempotency-Key: k9, but the journal has none. The journal is empty."))
	})

	It("says when the header is redacted", func() {
		m := HaveAttempts("Authorization", "Bearer t", 1)
		Expect(m.Match(retried()[:1])).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(HavePrefix("Expected 1 attempt with Authorization: Bearer t, but the journal has none. Authorization is redacted in the journal (it looks like a secret); match on a header that is not. The journal holds 1;"))
	})

	It("rejects what is not a journal, and a negative count", func() {
		_, err := HaveAttempts("X", "y", 1).Match(42)
		Expect(err).To(MatchError("HaveAttempts expects a *mockserver.Journal, []mockserver.Entry or a server with Journal(), got int (fix: pass srv.Journal())"))
		_, err = HaveAttempts("X", "y", -1).Match(retried())
		Expect(err).To(MatchError(ContainSubstring("must not be negative")))
	})
})

var _ = Describe("HaveGapsAtLeast", func() {
	It("passes when the attempts of the key are far enough apart", func() {
		Expect(retried()).To(HaveGapsAtLeast(time.Second).ForKey("Idempotency-Key", "k1"))
		Expect(hasty()).To(HaveGapsAtLeast(time.Millisecond))
	})

	It("fails on the shortest gap, listing the attempts", func() {
		m := HaveGapsAtLeast(time.Second).ForKey("Idempotency-Key", "k1")
		Expect(m.Match(hasty())).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(Equal("Expected at least 1s between consecutive attempts with Idempotency-Key: k1, but #2 came 3ms after #1:\n" +
			"    #1 POST /books → 503 at +0s (fault retries/status+retry_after, key k1)\n" +
			"    #2 POST /books → 503 at +3ms (fault retries/status+retry_after, key k1)\n" +
			"    #3 POST /books → 201 at +1.003s"))
	})

	It("measures every request of the journal without ForKey", func() {
		m := HaveGapsAtLeast(time.Second)
		Expect(m.Match(retried())).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(HavePrefix("Expected at least 1s between consecutive requests in the journal, but #2 came 500ms after #1 (2 gaps are too short):\n"))
	})

	It("fails when there is nothing to measure", func() {
		m := HaveGapsAtLeast(time.Second).ForKey("Idempotency-Key", "k2")
		Expect(m.Match(retried())).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(Equal("Expected at least 1s between consecutive attempts with Idempotency-Key: k2, but there is only 1, so there is no gap to measure (did the client retry at all?):\n" +
			"    #2 POST /books → 201 at +0s"))
		Expect(m.Match(nil)).Error().To(HaveOccurred())
		Expect(HaveGapsAtLeast(time.Second).Match([]mockserver.Entry{})).To(BeFalse())
	})

	It("narrows with a journal Filter", func() {
		m := HaveGapsAtLeast(time.Second).Where(mockserver.Filter{Method: "POST", Rule: ""}).ForKey("Idempotency-Key", "k1")
		Expect(m.Match(retried())).To(BeTrue())
		Expect(m.NegatedFailureMessage(nil)).To(HavePrefix("Expected some gap between consecutive attempts with Idempotency-Key: k1 among the requests selected by method=POST to be shorter than 1s, but every gap is at least that long:\n    #1"))
		w := HaveGapsAtLeast(time.Second).Where(mockserver.Filter{AfterSeq: 1})
		Expect(w.Match(retried())).To(BeFalse())
		Expect(w.FailureMessage(nil)).To(HavePrefix("Expected at least 1s between consecutive requests selected by after=#1, but #3 came 500ms after #2:"))
	})
})

var _ = Describe("HaveNoRequestsBetween", func() {
	It("passes when the window is empty", func() {
		Expect(retried()).To(HaveNoRequestsBetween(t0.Add(2100*time.Millisecond), t0.Add(time.Hour)))
		Expect(retried()).To(HaveNoRequestsBetween(t0.Add(1100*time.Millisecond), t0.Add(1900*time.Millisecond)))
	})

	It("fails with the requests that arrived, both ends included", func() {
		m := HaveNoRequestsBetween(t0.Add(time.Second), t0.Add(2*time.Second))
		Expect(m.Match(retried())).To(BeFalse())
		Expect(m.FailureMessage(nil)).To(Equal("Expected no requests between 10:00:01.000 and 10:00:02.000 (a 1s window), but 2 arrived (times from the window's start):\n" +
			"    #3 POST /books → 503 at +0s (fault retries/status+retry_after, key k1)\n" +
			"    #4 POST /books → 201 at +1s"))
	})

	It("has a negated message and refuses a backwards window", func() {
		m := HaveNoRequestsBetween(t0.Add(3*time.Second), t0.Add(4*time.Second))
		Expect(m.Match(retried())).To(BeTrue())
		Expect(m.NegatedFailureMessage(nil)).To(Equal("Expected some request between 10:00:03.000 and 10:00:04.000 (a 1s window), but none arrived."))
		_, err := HaveNoRequestsBetween(t0.Add(time.Second), t0).Match(retried())
		Expect(err).To(MatchError("HaveNoRequestsBetween(10:00:01.000, 10:00:00.000): the window ends before it starts (fix: pass the earlier time first)"))
	})
})

var _ = Describe("journal matchers on a live server", func() {
	It("see the attempts of a client with Eventually, through the server or its journal", func() {
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(shelfYAML), mockserver.Rules(fault.Rule{
			Name:     "flaky",
			Match:    fault.Match{Methods: []string{"post"}},
			Key:      "header:Idempotency-Key",
			Sequence: []*fault.Fault{{Status: &fault.Status{Code: 503}}, nil},
		}))
		before := time.Now()
		for range 2 {
			req, err := http.NewRequest("POST", srv.URL+"/books", strings.NewReader(`{"title":"Dune"}`))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "k1")
			resp, err := srv.Client().Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
		}
		Eventually(srv.Journal()).Should(HaveAttempts("Idempotency-Key", "k1", 2))
		Expect(srv).To(HaveAttempts("Idempotency-Key", "k1", 2))
		entries := srv.Journal().Entries(mockserver.Filter{})
		Expect(entries[0].Status).To(Equal(503))
		Expect(entries[1].Status).To(Equal(201))
		Expect(srv.Journal()).To(HaveGapsAtLeast(0).ForKey("Idempotency-Key", "k1"))
		Expect(srv.Journal()).NotTo(HaveNoRequestsBetween(before, time.Now()))
		Expect(srv.Journal()).To(HaveNoRequestsBetween(time.Now(), time.Now().Add(time.Hour)))
	})
})
