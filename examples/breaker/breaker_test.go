package breaker_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/sony/gobreaker"

	"github.com/mockd/mockd/mockserver"
	. "github.com/mockd/mockd/mockserver/matchers"
)

// outage fails the first four requests for the featured book with 503
// (phase by request count, so the test does not depend on timing).
const outage = `
rules:
  - name: featured-outage
    match: {method: GET, path: /books/featured}
    phase: {after_requests: 0, for_requests: 4}
    fault: {status: 503}
`

// breakerTimeout is how long the breaker stays open before a half-open
// probe (gobreaker's default is 60 s: keep it short in tests).
const breakerTimeout = 300 * time.Millisecond

// fetchFeatured is the code under test: a call that fails on 5xx.
func fetchFeatured(client *http.Client, baseURL string) error {
	resp, err := client.Get(baseURL + "/books/featured")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 500 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// guarded wraps a call in a circuit breaker that opens after three
// consecutive failures.
func guarded(call func() error) func() error {
	cb := gobreaker.NewCircuitBreaker(gobreaker.Settings{
		Name:        "featured",
		MaxRequests: 1,
		Timeout:     breakerTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 3 },
	})
	return func() error {
		_, err := cb.Execute(func() (any, error) { return nil, call() })
		return err
	}
}

// callsWhileOpen makes three calls that trip the breaker, then five more
// while it is open, and returns the window in which the breaker was open.
func callsWhileOpen(call func() error) (opened, closed time.Time) {
	for range 3 {
		_ = call()
	}
	opened = time.Now()
	for range 5 {
		_ = call()
	}
	return opened, time.Now()
}

// expectNothingWhileOpen is what the example asserts. Consistently keeps
// checking for a moment, so that a request still in flight is seen too.
func expectNothingWhileOpen(srv *mockserver.TestServer, opened, closed time.Time) {
	GinkgoHelper()
	Consistently(srv.Journal()).WithTimeout(100 * time.Millisecond).Should(HaveNoRequestsBetween(opened, closed))
}

var _ = Describe("A circuit breaker against an outage", func() {
	var srv *mockserver.TestServer
	BeforeEach(func() {
		srv = mockserver.NewTest(GinkgoT(), mockserver.Spec("../../fixtures/bookstore.yaml"), mockserver.FaultsYAML(outage))
	})

	It("trips, sends nothing while open, and recovers after the outage", func() {
		call := guarded(func() error { return fetchFeatured(srv.Client(), srv.URL) })
		opened, closed := callsWhileOpen(call)
		Expect(call()).To(MatchError(gobreaker.ErrOpenState))
		expectNothingWhileOpen(srv, opened, closed)

		time.Sleep(breakerTimeout + 50*time.Millisecond) // half-open: the 4th outage request fails the probe
		Expect(call()).To(MatchError("status 503"))
		time.Sleep(breakerTimeout + 50*time.Millisecond) // the outage is over: the probe passes
		Expect(call()).To(Succeed())

		Eventually(srv.Journal().Len).Should(Equal(5))
		statuses := []int{}
		for _, e := range srv.Journal().Entries(mockserver.Filter{}) {
			statuses = append(statuses, e.Status)
		}
		Expect(statuses).To(Equal([]int{503, 503, 503, 503, 200}))
		Expect(srv.Journal()).To(HaveGapsAtLeast(breakerTimeout).Where(mockserver.Filter{AfterSeq: 2}))
	})

	// The example fails when the behaviour it shows regresses: without the
	// breaker, requests keep reaching the failing server and the assertion
	// says which.
	It("fails the open-window assertion for a client without a breaker", func() {
		opened, closed := callsWhileOpen(func() error { return fetchFeatured(srv.Client(), srv.URL) })
		failure := InterceptGomegaFailure(func() { expectNothingWhileOpen(srv, opened, closed) })
		Expect(failure).To(MatchError(ContainSubstring("but 5 arrived (times from the window's start):\n    #4 GET /books/featured → 503 at +")))
	})
})
