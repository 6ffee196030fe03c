package fault_test

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
)

func mustRules(yaml string) *fault.RuleSet {
	GinkgoHelper()
	rs, err := fault.ParseRules([]byte(yaml), "test.yaml")
	Expect(err).NotTo(HaveOccurred())
	return rs
}

func newEngine(yaml string, opts ...fault.Option) *fault.Engine {
	GinkgoHelper()
	return fault.NewEngine(mustRules(yaml), append([]fault.Option{fault.WithSeed(7), fault.WithLogger(discardLogger())}, opts...)...)
}

func req(method, path string, hdr ...string) *fault.Request {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &fault.Request{Method: method, Path: path, Header: h}
}

// fakeClock is a settable clock for phases and buckets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func names(e *fault.Engine, r func(i int) *fault.Request, n int) []string {
	out := make([]string, n)
	for i := range out {
		d := e.Decide(r(i))
		out[i] = d.Fault.Names()
		if d.Fault != nil && d.Fault.Status != nil {
			out[i] = fmt.Sprint(d.Fault.Status.Code)
		}
	}
	return out
}

var _ = Describe("Engine", func() {
	Describe("matching", func() {
		It("matches methods, literal paths, templates, operation templates, headers and query", func() {
			e := newEngine(`rules:
  - {name: tmpl, match: {method: [GET, HEAD], path: "/books/{bookId}"}, fault: 500}
  - {name: ext, match: {path: "/files/{name}.json"}, fault: 501}
  - {name: op, match: {operation: createOrder, headers: {X-Tenant: acme}}, fault: 502}
  - {name: q, match: {query: {debug: "*"}}, fault: 503}
`)
			Expect(e.Decide(req("GET", "/books/42")).Rule).To(Equal("tmpl"))
			Expect(e.Decide(req("HEAD", "/books/42")).Rule).To(Equal("tmpl"))
			Expect(e.Decide(req("POST", "/books/42")).Applied()).To(BeFalse())
			Expect(e.Decide(req("GET", "/books/42/x")).Applied()).To(BeFalse())
			Expect(e.Decide(req("GET", "/books/")).Applied()).To(BeFalse())
			r := req("GET", "/v1/books/42")
			r.PathTemplate = "/books/{id}"
			Expect(e.Decide(r).Rule).To(Equal("tmpl"))
			Expect(e.Decide(req("GET", "/files/a.json")).Rule).To(Equal("ext"))
			Expect(e.Decide(req("GET", "/files/.json")).Applied()).To(BeFalse())
			r = req("POST", "/orders", "X-Tenant", "acme")
			r.Operation = "createOrder"
			Expect(e.Decide(r).Rule).To(Equal("op"))
			r.Header.Set("X-Tenant", "other")
			Expect(e.Decide(r).Applied()).To(BeFalse())
			r = req("GET", "/x")
			r.Query = map[string][]string{"debug": {"1"}}
			Expect(e.Decide(r).Rule).To(Equal("q"))
			d := e.Decide(req("PUT", "/none"))
			Expect(d.Applied()).To(BeFalse())
			Expect(d.Reason).To(Equal("no rule matched"))
			Expect(d.Seed).To(Equal(uint64(7)))
		})

		It("lets the first matching rule win unless it says continue", func() {
			e := newEngine(`rules:
  - {name: slow, match: {method: GET}, continue: true, fault: {latency: 10ms}}
  - {name: outage, match: {path: /a}, fault: {status: 503}}
  - {name: never, match: {path: /a}, fault: reset}
`)
			d := e.Decide(req("GET", "/a"))
			Expect(d.Fault.Names()).To(Equal("latency+status"))
			Expect(d.Label).To(Equal("slow/latency,outage/status"))
			Expect(d.Delay).To(Equal(10 * time.Millisecond))
			Expect(e.Decide(req("POST", "/a")).Label).To(Equal("outage/status"))
		})
	})

	Describe("sequences per key", func() {
		const seqRules = `rules:
  - name: retries
    key: header:Idempotency-Key
    sequence: [{status: 503, retry_after: 1}, 502, pass]
    then: %s
`
		byKey := func(e *fault.Engine, key string) string {
			return e.Decide(req("POST", "/orders", "Idempotency-Key", key)).Fault.Names()
		}
		status := func(e *fault.Engine, key string) any {
			d := e.Decide(req("POST", "/orders", "Idempotency-Key", key))
			if d.Fault == nil {
				return "pass"
			}
			return d.Fault.Status.Code
		}
		It("keeps one counter per key when keys interleave", func() {
			e := newEngine(fmt.Sprintf(seqRules, "pass"))
			var got []any
			for range 4 {
				got = append(got, status(e, "A"), status(e, "B"))
			}
			Expect(got).To(Equal([]any{503, 503, 502, 502, "pass", "pass", "pass", "pass"}))
			Expect(byKey(e, "C")).To(Equal("status+retry_after"))
		})
		DescribeTable("then policies",
			func(then string, want []any) {
				e := newEngine(fmt.Sprintf(seqRules, then))
				var got []any
				for range 7 {
					got = append(got, status(e, "k"))
				}
				Expect(got).To(Equal(want))
			},
			Entry("pass", "pass", []any{503, 502, "pass", "pass", "pass", "pass", "pass"}),
			Entry("cycle", "cycle", []any{503, 502, "pass", 503, 502, "pass", 503}),
			Entry("repeat-last", "repeat-last", []any{503, 502, "pass", "pass", "pass", "pass", "pass"}),
		)
		It("repeats the last fault with repeat-last", func() {
			e := newEngine("rules:\n  - {name: s, sequence: [502, 504], then: repeat-last}\n")
			Expect(names(e, func(int) *fault.Request { return req("GET", "/") }, 4)).To(Equal([]string{"502", "504", "504", "504"}))
		})
		It("records key and ordinal", func() {
			e := newEngine(fmt.Sprintf(seqRules, "pass"))
			e.Decide(req("POST", "/", "Idempotency-Key", "A"))
			d := e.Decide(req("POST", "/", "Idempotency-Key", "A"))
			Expect(d.Key).To(Equal("A"))
			Expect(d.Ordinal).To(Equal(uint64(1)))
			Expect(d.Reason).To(Equal("sequence step 2/3"))
			Expect(d.Label).To(Equal("retries/status"))
		})
	})

	Describe("rates", func() {
		It("faults exactly 20 of 100 with every 1/5, evenly spread", func() {
			e := newEngine("rules:\n  - {name: e, every: \"1/5\", fault: 503}\n")
			hits := 0
			for i := range 100 {
				d := e.Decide(req("GET", "/"))
				if d.Applied() {
					hits++
					Expect(i % 5).To(Equal(0))
				}
			}
			Expect(hits).To(Equal(20))
		})
		It("faults exactly k of every n for 3/7", func() {
			e := newEngine("rules:\n  - {name: e, every: \"3/7\", fault: 503}\n")
			for w := range 5 {
				hits := 0
				for range 7 {
					if e.Decide(req("GET", "/")).Applied() {
						hits++
					}
				}
				Expect(hits).To(Equal(3), "window %d", w)
			}
		})
		It("keeps rate 0.2 over 1,000 requests within a binomial band", func() {
			e := newEngine("rules:\n  - {name: r, rate: 0.2, fault: 503}\n")
			hits := 0
			for range 1000 {
				if e.Decide(req("GET", "/")).Applied() {
					hits++
				}
			}
			// mean 200, sd ~12.6: ±5 sd
			Expect(hits).To(BeNumerically(">=", 137))
			Expect(hits).To(BeNumerically("<=", 263))
		})
		It("answers 429 from a token bucket per key with Retry-After from the bucket", func() {
			clk := &fakeClock{t: time.Unix(1_000_000, 0)}
			e := newEngine("rules:\n  - {name: rl, key: \"header:K\", rate_limit: {capacity: 2, refill_every: 3s}}\n", fault.WithClock(clk.Now))
			get := func(k string) *fault.Fault { return e.Decide(req("GET", "/", "K", k)).Fault }
			Expect(get("a")).To(BeNil())
			Expect(get("a")).To(BeNil())
			f := get("a")
			Expect(f.Status.Code).To(Equal(429))
			Expect(f.RetryAfter.Seconds).To(Equal(int64(3)))
			Expect(get("b")).To(BeNil(), "another key has its own bucket")
			clk.Add(2 * time.Second)
			Expect(get("a").RetryAfter.Seconds).To(Equal(int64(1)))
			clk.Add(time.Second)
			Expect(get("a")).To(BeNil())
		})
	})

	Describe("phases", func() {
		It("faults requests 5..14 with after_requests 5, for_requests 10", func() {
			e := newEngine("rules:\n  - {name: p, phase: {after_requests: 5, for_requests: 10}, fault: 503}\n")
			for i := range 20 {
				Expect(e.Decide(req("GET", "/")).Applied()).To(Equal(i >= 5 && i < 15), "request %d", i)
			}
		})
		It("follows a fake clock for after/for and restarts on Arm and Reset", func() {
			clk := &fakeClock{t: time.Unix(1_000_000, 0)}
			e := newEngine("rules:\n  - {name: p, phase: {after: 5s, for: 10s}, fault: 503}\n", fault.WithClock(clk.Now))
			hit := func() bool { return e.Decide(req("GET", "/")).Applied() }
			Expect(hit()).To(BeFalse())
			clk.Add(5 * time.Second)
			Expect(hit()).To(BeTrue())
			clk.Add(9 * time.Second)
			Expect(hit()).To(BeTrue())
			clk.Add(time.Second)
			Expect(hit()).To(BeFalse())
			Expect(e.Arm("p")).To(Succeed())
			Expect(hit()).To(BeFalse())
			clk.Add(5 * time.Second)
			Expect(hit()).To(BeTrue())
			clk.Add(20 * time.Second)
			e.Reset()
			clk.Add(6 * time.Second)
			Expect(hit()).To(BeTrue())
		})
		It("keeps a from: arm phase dormant until armed", func() {
			clk := &fakeClock{t: time.Unix(1_000_000, 0)}
			e := newEngine("rules:\n  - {name: p, phase: {for: 2s, from: arm}, fault: 503}\n", fault.WithClock(clk.Now))
			Expect(e.Decide(req("GET", "/")).Applied()).To(BeFalse())
			Expect(e.Arm("p")).To(Succeed())
			Expect(e.Decide(req("GET", "/")).Applied()).To(BeTrue())
			clk.Add(2 * time.Second)
			Expect(e.Decide(req("GET", "/")).Applied()).To(BeFalse())
			Expect(e.Arm("nope")).To(MatchError(fault.ErrNoRule))
		})
		It("restarts sequences on Arm", func() {
			e := newEngine("rules:\n  - {name: s, sequence: [503, pass]}\n")
			Expect(e.Decide(req("GET", "/")).Applied()).To(BeTrue())
			Expect(e.Decide(req("GET", "/")).Applied()).To(BeFalse())
			Expect(e.Arm("s")).To(Succeed())
			Expect(e.Decide(req("GET", "/")).Applied()).To(BeTrue())
		})
	})

	Describe("connection scope", func() {
		It("uses ConnIndex for fresh and reused, and ConnID for connection keys", func() {
			e := newEngine(`rules:
  - {name: fresh, connection: fresh, fault: 500}
  - {name: reused, connection: reused, key: connection, sequence: [502, pass]}
`)
			r := req("GET", "/")
			r.ConnID, r.ConnIndex = 1, 0
			Expect(e.Decide(r).Rule).To(Equal("fresh"))
			r.ConnIndex = 1
			d := e.Decide(r)
			Expect(d.Rule).To(Equal("reused"))
			Expect(d.Key).To(Equal("1"))
			Expect(d.Applied()).To(BeTrue())
			r.ConnIndex = 2
			Expect(e.Decide(r).Applied()).To(BeFalse())
			r.ConnID = 2
			Expect(e.Decide(r).Applied()).To(BeTrue(), "a new connection has its own key")
		})
	})

	Describe("determinism", func() {
		const rules = `rules:
  - {name: slow, key: "header:K", continue: true, rate: 0.3, fault: {latency: {dist: lognormal, median: 5ms, sigma: 1, max: 1s}}}
  - {name: flaky, key: "header:K", rate: 0.5, fault: 503}
`
		run := func(seed uint64) map[string][]string {
			e := fault.NewEngine(mustRules(rules), fault.WithSeed(seed), fault.WithLogger(discardLogger()))
			out := map[string][]string{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for k := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					key := fmt.Sprintf("key-%d", k)
					var seq []string
					for range 125 {
						d := e.Decide(req("GET", "/", "K", key))
						seq = append(seq, fmt.Sprintf("%s|%d|%s|%s", d.Label, d.Ordinal, d.Delay, d.Reason))
					}
					mu.Lock()
					out[key] = seq
					mu.Unlock()
				}()
			}
			wg.Wait()
			return out
		}
		It("gives identical decisions for the same seed across 8 concurrent keys and different ones otherwise", func() {
			a, b, c := run(42), run(42), run(43)
			Expect(a).To(HaveLen(8))
			Expect(a).To(Equal(b))
			Expect(a).NotTo(Equal(c))
			faulted := 0
			for _, seq := range a {
				for _, s := range seq {
					if s[0] != '|' {
						faulted++
					}
				}
			}
			Expect(faulted).To(BeNumerically(">", 300))
		})
		It("uses the file's seed unless WithSeed overrides it", func() {
			rs := mustRules("seed: 99\nrules: []\n")
			Expect(fault.NewEngine(rs, fault.WithLogger(discardLogger())).Seed()).To(Equal(uint64(99)))
			Expect(fault.NewEngine(rs, fault.WithSeed(5), fault.WithLogger(discardLogger())).Seed()).To(Equal(uint64(5)))
		})
	})

	Describe("rule management", func() {
		It("adds, removes, replaces and lists rules", func() {
			e := newEngine("rules:\n  - {name: a, fault: 500}\n")
			Expect(e.AddRules(mustRules("rules:\n  - {name: b, fault: 501}\n"))).To(Succeed())
			Expect(e.AddRules(mustRules("rules:\n  - {name: a, fault: 502}\n"))).To(MatchError(ContainSubstring(`duplicate rule name "a"`)))
			Expect(e.Rules()).To(HaveLen(2))
			Expect(e.RemoveRule("a")).To(Succeed())
			Expect(e.RemoveRule("a")).To(MatchError(fault.ErrNoRule))
			Expect(e.Decide(req("GET", "/")).Rule).To(Equal("b"))
			Expect(e.SetRules(mustRules("rules: []\n"))).To(Succeed())
			Expect(e.Rules()).To(BeEmpty())
			Expect(e.SetRules(nil)).To(HaveOccurred())
		})
	})

	Describe("header faults", func() {
		It("honours X-Mockd-Fault only when enabled", func() {
			off := newEngine("rules: []\n")
			Expect(off.Decide(req("GET", "/", "X-Mockd-Fault", "reset")).Applied()).To(BeFalse())
			on := newEngine("rules: []\n", fault.WithHeaderFaults(true))
			d := on.Decide(req("GET", "/", "X-Mockd-Fault", "status=503; retry_after=2"))
			Expect(d.Label).To(Equal("header/status+retry_after"))
			bad := on.Decide(req("GET", "/", "X-Mockd-Fault", "explode"))
			Expect(bad.Fault.Status.Code).To(Equal(400))
			Expect(bad.Label).To(Equal("header/invalid"))
		})
	})
})
