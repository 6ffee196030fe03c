package mockserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/sony/gobreaker"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/redact"
)

// startChaos serves the bookstore with the given fault rules on 127.0.0.1.
func startChaos(rules string, opts ...mockserver.Option) (*mockserver.Server, *mockserver.Instance) {
	rs, err := fault.ParseRules([]byte(rules), "rules.yaml")
	Expect(err).NotTo(HaveOccurred())
	srv, err := mockserver.New(append([]mockserver.Option{mockserver.SpecFile(bookstore), mockserver.Faults(rs), mockserver.Seed(11)}, opts...)...)
	Expect(err).NotTo(HaveOccurred())
	in, err := srv.Start("127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(in.Close)
	return srv, in
}

func quietRetryClient(max int) *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.Logger = nil
	c.RetryMax = max
	c.RetryWaitMin = 10 * time.Millisecond
	c.RetryWaitMax = 3 * time.Second
	c.HTTPClient.Timeout = 10 * time.Second
	return c
}

var _ = Describe("Chaos testing with real clients", func() {
	Describe("go-retryablehttp", func() {
		const retryRules = `
rules:
  - name: checkout-retries
    match: {method: GET, path: /books/featured}
    key: header:Idempotency-Key
    sequence: [{status: 503, retry_after: 1}, {status: 503, retry_after: 1}, pass]
  - name: not-implemented
    match: {path: /categories}
    fault: {status: 501}
  - name: dated
    match: {path: "/books/{bookId}"}
    sequence: [{status: 503, retry_after: {in: 2s}}, pass]
`
		It("retries a 503 sequence honouring Retry-After: exactly 3 attempts, gaps of at least 1 s", func() {
			srv, in := startChaos(retryRules)
			req, err := retryablehttp.NewRequest("GET", in.URL+"/books/featured", nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Idempotency-Key", "k1")
			resp, err := quietRetryClient(5).Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_ = resp.Body.Close()

			attempts := journalled(srv, mockserver.Filter{Key: "k1"}, 3)
			Expect([]int{attempts[0].Status, attempts[1].Status, attempts[2].Status}).To(Equal([]int{503, 503, 200}))
			Expect(attempts[0].Fault).To(Equal("checkout-retries/status+retry_after"))
			for i := 1; i < 3; i++ {
				Expect(attempts[i].Received.Sub(attempts[i-1].Received)).To(BeNumerically(">=", time.Second))
			}
		})
		It("does not retry a 501", func() {
			srv, in := startChaos(retryRules)
			resp, err := quietRetryClient(5).Get(in.URL + "/categories")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(501))
			_ = resp.Body.Close()
			journalled(srv, mockserver.Filter{Path: "/categories"}, 1)
			Consistently(func() int { return len(srv.Journal().Entries(mockserver.Filter{Path: "/categories"})) }).
				WithTimeout(200 * time.Millisecond).Should(Equal(1))
		})
		It("honours an HTTP-date Retry-After", func() {
			srv, in := startChaos(retryRules)
			resp, err := quietRetryClient(3).Get(in.URL + "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_ = resp.Body.Close()
			e := journalled(srv, mockserver.Filter{Rule: "dated"}, 2)
			// An IMF-fixdate has whole seconds: 2 s ahead is at least 1 s away.
			Expect(e[1].Received.Sub(e[0].Received)).To(BeNumerically(">=", time.Second))
		})
	})

	Describe("sony/gobreaker", func() {
		It("trips on an outage, sends nothing while open, and recovers after a failed and a passing probe", func() {
			srv, in := startChaos(`
rules:
  - name: outage
    match: {path: /books/featured}
    phase: {after_requests: 0, for_requests: 4}
    fault: {status: 503}
`)
			cb := gobreaker.NewCircuitBreaker(gobreaker.Settings{
				Name:        "books",
				MaxRequests: 1,
				Timeout:     300 * time.Millisecond,
				ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 3 },
			})
			get := func() error {
				_, err := cb.Execute(func() (any, error) {
					resp, err := http.Get(in.URL + "/books/featured")
					if err != nil {
						return nil, err
					}
					defer resp.Body.Close()
					_, _ = io.Copy(io.Discard, resp.Body)
					if resp.StatusCode >= 500 {
						return nil, fmt.Errorf("status %d", resp.StatusCode)
					}
					return nil, nil
				})
				return err
			}
			for i := 0; i < 3; i++ {
				Expect(get()).To(MatchError("status 503"))
			}
			Expect(cb.State()).To(Equal(gobreaker.StateOpen))
			openedAt := time.Now()
			for i := 0; i < 5; i++ {
				Expect(get()).To(MatchError(gobreaker.ErrOpenState))
			}
			Expect(srv.Journal().Entries(mockserver.Filter{Since: openedAt})).To(BeEmpty(), "no request may reach mockd while the breaker is open")

			time.Sleep(350 * time.Millisecond) // half-open: the 4th outage request fails the probe
			Expect(get()).To(MatchError("status 503"))
			Expect(cb.State()).To(Equal(gobreaker.StateOpen))
			time.Sleep(350 * time.Millisecond) // the outage is over: the probe passes and closes the breaker
			Expect(get()).To(Succeed())
			Expect(cb.State()).To(Equal(gobreaker.StateClosed))

			all := journalled(srv, mockserver.Filter{}, 5)
			Expect(all[3].Status).To(Equal(503))
			Expect(all[4].Status).To(Equal(200))
			Expect(all[3].Received.Sub(all[2].Received)).To(BeNumerically(">=", 300*time.Millisecond))
		})
	})

	Describe("wire faults through the mock server", func() {
		rawGet := func(addr, path, header string) (string, error) {
			conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
			_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n", path, header)
			Expect(err).NotTo(HaveOccurred())
			b, err := io.ReadAll(conn)
			return string(b), err
		}
		It("resets, closes and truncates exactly as FAULTS.md says, and journals how each ended", func() {
			srv, in := startChaos("rules: []\n", mockserver.FaultHeader(true))
			_, err := rawGet(in.Addr(), "/books/featured", "X-Mockd-Fault: reset\r\n")
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "got %v", err)

			got, err := rawGet(in.Addr(), "/books/featured", "X-Mockd-Fault: close\r\n")
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(BeEmpty())

			got, err = rawGet(in.Addr(), "/books/featured", "X-Mockd-Fault: truncate\r\n")
			Expect(err).NotTo(HaveOccurred())
			resp, rerr := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
			Expect(rerr).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_, rerr = io.ReadAll(resp.Body)
			Expect(rerr).To(MatchError(io.ErrUnexpectedEOF))

			// An entry is journalled when its handler returns (a FIN close
			// first waits briefly for the client's FIN).
			Eventually(func() []string {
				ends := []string{}
				for _, e := range srv.Journal().Entries(mockserver.Filter{}) {
					ends = append(ends, e.End)
				}
				return ends
			}).WithTimeout(3 * time.Second).Should(Equal([]string{"rst", "fin", "fin"}))
		})
		It("changes nothing with a probability-0 reset rule", func() {
			_, in := startChaos(`
rules:
  - name: never
    rate: 0
    fault: reset
`)
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; i < 20; i++ {
				resp, err := client.Get(in.URL + "/books/featured")
				Expect(err).NotTo(HaveOccurred())
				Expect(resp.StatusCode).To(Equal(200))
				Expect(resp.Header.Get(fault.HeaderName)).To(BeEmpty())
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		})
	})

	Describe("determinism", func() {
		const rateRules = `
rules:
  - name: flaky
    key: header:X-Client
    rate: 0.3
    fault: {status: 503}
`
		run := func(seed uint64) map[string]string {
			srv, in := startChaos(rateRules, mockserver.Seed(seed))
			client := &http.Client{Timeout: 5 * time.Second}
			var wg sync.WaitGroup
			for k := 0; k < 8; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					for i := 0; i < 125; i++ {
						req, _ := http.NewRequest("GET", in.URL+"/books/featured", nil)
						req.Header.Set("X-Client", fmt.Sprintf("client-%d", k))
						resp, err := client.Do(req)
						Expect(err).NotTo(HaveOccurred())
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
					}
				}()
			}
			wg.Wait()
			// Entries land when their handlers return, just after the
			// client has its response.
			Eventually(srv.Journal().Len).WithTimeout(3 * time.Second).Should(Equal(1000))
			decisions := map[string]string{}
			for _, e := range srv.Journal().Entries(mockserver.Filter{}) {
				decisions[fmt.Sprintf("%s/%d", e.Key, e.Ordinal)] = e.Fault + fmt.Sprint(e.Status)
			}
			Expect(decisions).To(HaveLen(1000))
			return decisions
		}
		It("gives identical decisions for the same seed on 1,000 requests across 8 concurrent keys, and others for another seed", func() {
			a, b, c := run(5), run(5), run(6)
			Expect(a).To(Equal(b))
			Expect(a).NotTo(Equal(c))
		})
	})

	Describe("Instance.Close", func() {
		It("closes promptly and without error while a client holds an unused connection", func() {
			srv, err := mockserver.New(mockserver.SpecFile(bookstore))
			Expect(err).NotTo(HaveOccurred())
			in, err := srv.Start("127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			idle, err := net.Dial("tcp", in.Addr()) // opened, never used (a client's spare dial)
			Expect(err).NotTo(HaveOccurred())
			defer idle.Close()
			start := time.Now()
			Expect(in.Close()).To(Succeed())
			Expect(time.Since(start)).To(BeNumerically("<", 4*time.Second))
			Eventually(in.Done()).Should(BeClosed())
			Expect(in.Err()).NotTo(HaveOccurred())
		})
	})

	Describe("admin API", func() {
		It("lists, filters and clears the journal, and never journals itself", func() {
			_, in := startChaos("rules: []\n")
			client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
			for _, p := range []string{"/books", "/books/featured", "/nope"} {
				resp, err := client.Get(in.URL + p)
				Expect(err).NotTo(HaveOccurred())
				_, _ = io.Copy(io.Discard, resp.Body) // drained: the connection is reused
				_ = resp.Body.Close()
			}
			var list struct {
				Count    int                `json:"count"`
				Requests []mockserver.Entry `json:"requests"`
			}
			getJSON(in.URL+"/__mockd/requests?path=/books*", &list)
			Expect(list.Count).To(Equal(2))
			Expect(list.Requests[1].Operation).To(Equal("featuredBook"))
			Expect(list.Requests[1].ConnIndex).To(Equal(1)) // keep-alive: the second request on the connection

			req, _ := http.NewRequest("DELETE", in.URL+"/__mockd/requests", nil)
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(204))
			getJSON(in.URL+"/__mockd/requests", &list)
			Expect(list.Count).To(BeZero())
		})
		It("adds, arms and removes rules at run time, validating them like the file", func() {
			_, in := startChaos("rules: []\n")
			resp, err := http.Post(in.URL+"/__mockd/faults", "application/yaml", strings.NewReader("rules:\n  - name: teapot\n    match: {path: /categories}\n    fault: {status: 418}\n"))
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_ = resp.Body.Close()
			resp, err = http.Get(in.URL + "/categories")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(418))
			_ = resp.Body.Close()

			resp, err = http.Post(in.URL+"/__mockd/faults", "application/yaml", strings.NewReader("rules:\n  - name: bad\n    rate: 2\n    fault: reset\n"))
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(422))
			var p map[string]any
			Expect(json.NewDecoder(resp.Body).Decode(&p)).To(Succeed())
			Expect(p["detail"]).To(ContainSubstring(":3:"))

			resp, err = http.Post(in.URL+"/__mockd/faults/nope/arm", "", nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(404))
			resp, err = http.Post(in.URL+"/__mockd/faults/teapot/arm", "", nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(204))

			req, _ := http.NewRequest("DELETE", in.URL+"/__mockd/faults/teapot", nil)
			resp, err = http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(204))
			resp, err = http.Get(in.URL + "/categories")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_ = resp.Body.Close()

			var health map[string]any
			getJSON(in.URL+"/__mockd/health", &health)
			Expect(health).To(HaveKeyWithValue("status", "ok"))
			Expect(health).To(HaveKeyWithValue("rules", BeNumerically("==", 0)))
		})
		It("redacts ten kinds of secrets in the journal, the admin API and the logs", func() {
			var logs strings.Builder
			red, err := redact.New(redact.Config{Headers: []string{"X-Custom-Credential"}})
			Expect(err).NotTo(HaveOccurred())
			srv, in := startChaos("rules: []\n", mockserver.Redactor(red),
				mockserver.Logger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			secrets := map[string]string{
				"bearer": "tok3n-1", "basic": "dXNlcjpwYXNzMQ==", "cookie": "c00kie-3", "apikey": "s3cr3t-key-4",
				"query-key": "hunter2-5", "access-token": "at-6", "custom": "custom-7", "proxy": "proxy-8",
				"x-auth-token": "xat-9", "client-secret": "cs-10",
			}
			req, _ := http.NewRequest("GET", in.URL+"/authors/1?api_key="+secrets["query-key"]+
				"&access_token="+secrets["access-token"]+"&client_secret="+secrets["client-secret"], nil)
			req.Header.Set("Authorization", "Bearer "+secrets["bearer"])
			req.Header.Set("Proxy-Authorization", "Basic "+secrets["basic"])
			req.Header.Set("Cookie", "session="+secrets["cookie"])
			req.Header.Set("X-Api-Key", secrets["apikey"])
			req.Header.Set("X-Custom-Credential", secrets["custom"])
			req.Header.Set("X-Proxy-Password", secrets["proxy"])
			req.Header.Set("X-Auth-Token", secrets["x-auth-token"])
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_ = resp.Body.Close()
			journalled(srv, mockserver.Filter{}, 1)
			b, err := json.Marshal(srv.Journal().Entries(mockserver.Filter{}))
			Expect(err).NotTo(HaveOccurred())
			resp, err = http.Get(in.URL + "/__mockd/requests")
			Expect(err).NotTo(HaveOccurred())
			admin, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			for kind, secret := range secrets {
				Expect(string(b)).NotTo(ContainSubstring(secret), kind)
				Expect(string(admin)).NotTo(ContainSubstring(secret), kind)
				Expect(logs.String()).NotTo(ContainSubstring(secret), kind)
			}
			Expect(string(b)).To(ContainSubstring("REDACTED"))
		})
	})
})

func getJSON(url string, v any) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(200))
	Expect(json.NewDecoder(resp.Body).Decode(v)).To(Succeed())
}

// journalled waits until the journal holds n entries matching f (an entry
// lands when its handler returns, just after the client got the response)
// and returns them.
func journalled(srv *mockserver.Server, f mockserver.Filter, n int) []mockserver.Entry {
	GinkgoHelper()
	Eventually(func() []mockserver.Entry { return srv.Journal().Entries(f) }).
		WithTimeout(3 * time.Second).Should(HaveLen(n))
	return srv.Journal().Entries(f)
}
