package fault_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
)

var _ = Describe("fixtures/faults", func() {
	load := func(name string) *fault.RuleSet {
		GinkgoHelper()
		rs, err := fault.LoadRules(filepath.Join("..", "fixtures", "faults", name))
		Expect(err).NotTo(HaveOccurred())
		return rs
	}
	It("parses every example file", func() {
		files, err := filepath.Glob(filepath.Join("..", "fixtures", "faults", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">=", 3))
		for _, f := range files {
			_, err := fault.LoadRules(f)
			Expect(err).NotTo(HaveOccurred(), f)
		}
	})
	It("retry-after-sequence: two 503s with Retry-After per key, then pass", func() {
		e := fault.NewEngine(load("retry-after-sequence.yaml"), fault.WithLogger(discardLogger()))
		Expect(e.Seed()).To(Equal(uint64(42)))
		var got []string
		for _, k := range []string{"a", "b", "a", "b", "a", "b"} {
			got = append(got, e.Decide(req("POST", "/orders", "Idempotency-Key", k)).Fault.Names())
		}
		Expect(got).To(Equal([]string{"status+retry_after", "status+retry_after", "status+retry_after", "status+retry_after", "pass", "pass"}))
	})
	It("breaker-outage: 5 good, 10 failing, then recovered", func() {
		e := fault.NewEngine(load("breaker-outage.yaml"), fault.WithLogger(discardLogger()))
		var failing int
		for i := range 20 {
			if e.Decide(req("GET", "/books/"+string(rune('a'+i)))).Applied() {
				failing++
				Expect(i).To(BeNumerically(">=", 5))
				Expect(i).To(BeNumerically("<", 15))
			}
		}
		Expect(failing).To(Equal(10))
		Expect(e.Decide(req("GET", "/authors/1")).Applied()).To(BeFalse())
		Expect(e.Arm("timed-outage")).To(Succeed())
		Expect(e.Decide(req("GET", "/authors/1")).Label).To(Equal("timed-outage/status+retry_after"))
	})
	It("slow-reads: serves through the middleware with the fault header", func() {
		e := fault.NewEngine(load("slow-reads.yaml"), fault.WithSeed(3), fault.WithLogger(discardLogger()))
		h := fault.Middleware(e, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("report")) }))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/reports", nil))
		Expect(rec.Body.String()).To(Equal("report"))
		Expect(rec.Header().Get("X-Mockd-Fault")).To(HaveSuffix("dribbled-reports/dribble"))
	})
})

var _ = Describe("Middleware and ConnContext", func() {
	It("counts requests per connection so ConnIndex > 0 means reused", func() {
		e := fault.NewEngine(mustRules("rules:\n  - {name: r, connection: reused, fault: 503}\n"), fault.WithLogger(discardLogger()))
		srv := httptest.NewUnstartedServer(fault.Middleware(e, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})))
		srv.Config.ConnContext = e.ConnContext
		srv.Start()
		DeferCleanup(srv.Close)
		client := srv.Client()
		codes := []int{}
		for range 3 {
			resp, err := client.Get(srv.URL)
			Expect(err).NotTo(HaveOccurred())
			_, _ = io.Copy(io.Discard, resp.Body) // an unread body would close the connection
			resp.Body.Close()
			codes = append(codes, resp.StatusCode)
		}
		Expect(codes).To(Equal([]int{200, 503, 503}))
	})
})
