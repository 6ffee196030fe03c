package mockserver_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
)

// fakeTB records what NewTest does with its TB.
type fakeTB struct {
	mu       sync.Mutex
	fatals   []string
	logs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

const retrySequence = `
rules:
  - name: retries
    match: {method: GET, path: /books/featured}
    key: header:Idempotency-Key
    sequence: [{status: 503, retry_after: 1}, pass]
`

func get(ts *mockserver.TestServer, path string, header ...string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	Expect(err).NotTo(HaveOccurred())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.Client().Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(b)
}

var _ = Describe("NewTest", func() {
	It("starts a server on 127.0.0.1 with a client, a journal and faults, all from values", func() {
		specText, err := os.ReadFile(bookstore)
		Expect(err).NotTo(HaveOccurred())
		ts := mockserver.NewTest(GinkgoT(), mockserver.Spec(string(specText)), mockserver.FaultsYAML(retrySequence), mockserver.Seed(7))
		Expect(ts.URL).To(HavePrefix("http://127.0.0.1:"))
		Expect(ts.URL).To(Equal("http://" + ts.Addr()))
		Expect(ts.Seed()).To(Equal(uint64(7)))
		Expect(ts.Spec().File).To(Equal("<bytes>"))

		code, _ := get(ts, "/books/featured", "Idempotency-Key", "k1")
		Expect(code).To(Equal(503))
		code, _ = get(ts, "/books/featured", "Idempotency-Key", "k1")
		Expect(code).To(Equal(200))
		Eventually(ts.Journal().Len).Should(Equal(2))

		ts.Reset()
		Expect(ts.Journal().Len()).To(Equal(0))
		code, _ = get(ts, "/books/featured", "Idempotency-Key", "k1")
		Expect(code).To(Equal(503), "Reset restarts the sequence")
	})

	It("reads Spec as a path when the string is one line", func() {
		ts := mockserver.NewTest(GinkgoT(), mockserver.Spec(bookstore))
		Expect(ts.Spec().File).To(Equal(bookstore))
	})

	It("replaces the rules with SetFaults and SetFaultsYAML", func() {
		ts := mockserver.NewTest(GinkgoT(), mockserver.SpecFile(bookstore), mockserver.FaultsYAML(retrySequence))
		Expect(ts.SetFaults(fault.Rule{Name: "teapot", Fault: &fault.Fault{Status: &fault.Status{Code: 418}}})).To(Succeed())
		Expect(ts.Faults().Rules()).To(HaveLen(1))
		code, _ := get(ts, "/books/featured")
		Expect(code).To(Equal(418))

		Expect(ts.SetFaults()).To(Succeed())
		code, _ = get(ts, "/books/featured")
		Expect(code).To(Equal(200))

		Expect(ts.SetFaultsYAML(retrySequence)).To(Succeed())
		code, _ = get(ts, "/books/featured", "Idempotency-Key", "x")
		Expect(code).To(Equal(503))

		Expect(ts.SetFaultsYAML("rules: [{name: a}]")).To(MatchError(ContainSubstring("FaultsYAML:1:")))
		Expect(ts.SetFaults(fault.Rule{Name: "a"}, fault.Rule{Name: "a"})).To(MatchError("mockserver: SetFaults: rule a: 0 of Fault, Sequence and RateLimit are set (fix: set exactly one)"))
		Expect(ts.Faults().Rules()).To(HaveLen(1), "a rejected change keeps the rules")
	})

	It("adds Rules after FaultsYAML and Faults, and rejects a name given twice", func() {
		rs, err := fault.ParseRules([]byte("rules: [{name: first, match: {path: /categories}, fault: {status: 500}}]"), "x.yaml")
		Expect(err).NotTo(HaveOccurred())
		ts := mockserver.NewTest(GinkgoT(), mockserver.SpecFile(bookstore), mockserver.Faults(rs),
			mockserver.FaultsYAML(retrySequence),
			mockserver.Rules(fault.Rule{Name: "third", Match: fault.Match{Path: "/books/{bookId}"}, Fault: &fault.Fault{Status: &fault.Status{Code: 429}}}))
		names := []string{}
		for _, r := range ts.Faults().Rules() {
			names = append(names, r.Name)
		}
		Expect(names).To(Equal([]string{"first", "retries", "third"}))
		Expect(rs.Rules).To(HaveLen(1), "the caller's rule set is not modified")
		code, _ := get(ts, "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f")
		Expect(code).To(Equal(429))

		_, err = mockserver.New(mockserver.SpecFile(bookstore), mockserver.FaultsYAML(retrySequence), mockserver.FaultsYAML(retrySequence))
		Expect(err).To(MatchError(`mockserver: FaultsYAML: rule "retries" is given twice (fix: give every rule a unique name)`))
	})

	It("fails the test, not the process, on a bad option, and closes on cleanup", func() {
		tb := &fakeTB{}
		Expect(mockserver.NewTest(tb, mockserver.FaultsYAML("rules: [{name: x, fault: {status: 99}}]"))).To(BeNil())
		Expect(tb.fatals).To(HaveLen(1))
		Expect(tb.fatals[0]).To(HavePrefix("mockserver.NewTest: mockserver: FaultsYAML:1:"))

		tb = &fakeTB{}
		Expect(mockserver.NewTest(tb)).To(BeNil())
		Expect(tb.fatals).To(HaveExactElements(HavePrefix("mockserver.NewTest: mockserver: no spec")))

		tb = &fakeTB{}
		ts := mockserver.NewTest(tb, mockserver.SpecFile(bookstore))
		Expect(tb.fatals).To(BeEmpty())
		code, _ := get(ts, "/books/featured")
		Expect(code).To(Equal(200))
		Expect(tb.cleanups).To(HaveLen(1))
		tb.runCleanups()
		Eventually(ts.Instance().Done()).Should(BeClosed())
		_, err := http.Get(ts.URL + "/books/featured")
		Expect(err).To(HaveOccurred(), "the server is closed after cleanup")
		Expect(tb.logs).To(BeEmpty())
	})

	It("gives each server its own client transport", func() {
		a := mockserver.NewTest(GinkgoT(), mockserver.SpecFile(bookstore))
		b := mockserver.NewTest(GinkgoT(), mockserver.SpecFile(bookstore))
		Expect(a.Client()).NotTo(BeIdenticalTo(b.Client()))
		Expect(a.Client().Transport).NotTo(BeIdenticalTo(http.DefaultTransport))
		Expect(a.Client().Timeout).To(Equal(mockserver.TestClientTimeout))
		Expect(a.Close()).To(Succeed())
	})
})

var _ = DescribeTable("Rules checks rules built in Go like the rule file parser",
	func(r fault.Rule, want string) {
		_, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.Rules(r))
		if want == "" {
			Expect(err).NotTo(HaveOccurred())
			return
		}
		Expect(err).To(MatchError(want))
	},
	Entry("a minimal rule", fault.Rule{Name: "ok", Fault: &fault.Fault{Reset: true}}, ""),
	Entry("no name", fault.Rule{Fault: &fault.Fault{Reset: true}},
		`mockserver: Rules: rule #1: the rule has no name (fix: set Name, e.g. "checkout-retries")`),
	Entry("a bad name", fault.Rule{Name: "a/b", Fault: &fault.Fault{Reset: true}},
		`mockserver: Rules: rule a/b: name "a/b" contains '/', ',', ';' or a line break (fix: use letters, digits, '-' and '_')`),
	Entry("no fault", fault.Rule{Name: "x"},
		"mockserver: Rules: rule x: 0 of Fault, Sequence and RateLimit are set (fix: set exactly one)"),
	Entry("two kinds", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Sequence: []*fault.Fault{nil}},
		"mockserver: Rules: rule x: 2 of Fault, Sequence and RateLimit are set (fix: set exactly one)"),
	Entry("a fault that cannot compose", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true, Close: true}},
		"mockserver: Rules: rule x: fault: faults close and reset cannot compose: each ends the connection (fix: keep one)"),
	Entry("an empty fault", fault.Rule{Name: "x", Fault: &fault.Fault{}},
		"mockserver: Rules: rule x: fault: no fault given (fix: name one of latency, status, retry_after, hang, close, reset, refuse, garbage, stall_body, dribble, throttle, truncate, malformed_chunk, corrupt, or write `pass`)"),
	Entry("an empty sequence", fault.Rule{Name: "x", Sequence: []*fault.Fault{}},
		"mockserver: Rules: rule x: the sequence is empty (fix: list at least one step; a nil step passes)"),
	Entry("a bad step", fault.Rule{Name: "x", Sequence: []*fault.Fault{nil, {}}},
		"mockserver: Rules: rule x: sequence step 2: no fault given (fix: name one of latency, status, retry_after, hang, close, reset, refuse, garbage, stall_body, dribble, throttle, truncate, malformed_chunk, corrupt, or write `pass`)"),
	Entry("then without a sequence", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Then: fault.ThenCycle},
		`mockserver: Rules: rule x: then "cycle" applies only to a sequence (fix: set Sequence or clear Then)`),
	Entry("an unknown then", fault.Rule{Name: "x", Sequence: []*fault.Fault{nil}, Then: "again"},
		`mockserver: Rules: rule x: unknown then "again" (fix: use "repeat-last", "cycle" or "pass")`),
	Entry("an empty bucket", fault.Rule{Name: "x", RateLimit: &fault.RateLimit{}},
		"mockserver: Rules: rule x: rate limit needs Capacity >= 1 and RefillEvery > 0, got 0 and 0s (fix: e.g. Capacity 5, RefillEvery time.Second)"),
	Entry("rate and every", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Rate: ptr(0.5), Every: "1/2"},
		"mockserver: Rules: rule x: fields Rate and Every are both set (fix: keep one)"),
	Entry("rate with a sequence", fault.Rule{Name: "x", Sequence: []*fault.Fault{nil}, Rate: ptr(0.5)},
		"mockserver: Rules: rule x: fields Rate and Every apply only to Fault (fix: a Sequence already says which requests fail)"),
	Entry("a rate above 1", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Rate: ptr(1.5)},
		"mockserver: Rules: rule x: rate 1.5 is outside [0,1] (fix: use a probability such as 0.2)"),
	Entry("a bad every", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Every: "3/2"},
		`mockserver: Rules: rule x: every "3/2" is not k/n with 0<k<=n (fix: e.g. "1/5")`),
	Entry("a bad key kind", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Key: "cookie:a"},
		`mockserver: Rules: rule x: unknown key kind "cookie" (fix: use global, header:NAME, query:NAME or connection)`),
	Entry("a header key without a name", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Key: "header:"},
		`mockserver: Rules: rule x: key "header:" needs a name after the colon (fix: e.g. header:Idempotency-Key)`),
	Entry("a global key with a name", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Key: "global:a"},
		`mockserver: Rules: rule x: key "global:a" takes no name (fix: write just "global")`),
	Entry("a bad connection scope", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Connection: "old"},
		`mockserver: Rules: rule x: unknown connection scope "old" (fix: use "any", "fresh" or "reused")`),
	Entry("a mixed phase", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Phase: &fault.Phase{After: time.Second, ForRequests: 2}},
		"mockserver: Rules: rule x: the phase mixes time and request counts (fix: use After/For or AfterRequests/ForRequests)"),
	Entry("a bad phase start", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, Phase: &fault.Phase{From: "boot"}},
		`mockserver: Rules: rule x: unknown phase start "boot" (fix: use "engine" or "arm")`),
	Entry("a status code that is not final", fault.Rule{Name: "x", Fault: &fault.Fault{Status: &fault.Status{Code: 0}}},
		"mockserver: Rules: rule x: fault: status code 0 is not a valid final HTTP status (fix: use 200 to 599)"),
	Entry("a bad status header", fault.Rule{Name: "x", Sequence: []*fault.Fault{{Status: &fault.Status{Code: 503, Headers: map[string]string{"X-A": "a\r\nb"}}}}},
		"mockserver: Rules: rule x: sequence step 1: status header X-A value contains a line break (fix: keep it on one line)"),
	Entry("an unknown latency", fault.Rule{Name: "x", Fault: &fault.Fault{Latency: &fault.Latency{Dist: "pareto"}}},
		`mockserver: Rules: rule x: fault: unknown latency dist "pareto" (fix: use fixed, uniform, normal or lognormal)`),
	Entry("an empty dribble", fault.Rule{Name: "x", Fault: &fault.Fault{Dribble: &fault.Dribble{}}},
		"mockserver: Rules: rule x: fault: dribble needs 1 to 1048576 chunks and a positive duration (fix: e.g. Dribble{Chunks: 5, Duration: 2 * time.Second})"),
	Entry("a retry-after status", fault.Rule{Name: "x", Fault: &fault.Fault{Status: &fault.Status{Code: 503}, RetryAfter: &fault.RetryAfter{Kind: fault.RetryAfterSeconds, Seconds: 1}}}, ""),
	Entry("a negative MaxKeys", fault.Rule{Name: "x", Fault: &fault.Fault{Reset: true}, MaxKeys: -1},
		"mockserver: Rules: rule x: MaxKeys -1 is negative (fix: 0 for the default 65536)"),
)

var _ = Describe("Rules defaults", func() {
	It("fills in what the rule file parser would, without touching the caller's rule", func() {
		r := fault.Rule{Name: "x", Match: fault.Match{Methods: []string{"get"}}, Sequence: []*fault.Fault{nil}, Phase: &fault.Phase{ForRequests: 1}}
		srv, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.Rules(r))
		Expect(err).NotTo(HaveOccurred())
		got := srv.Faults().Rules()[0]
		Expect(got.Key).To(Equal(string(fault.KeyGlobal)))
		Expect(got.Connection).To(Equal(fault.ConnAny))
		Expect(got.Then).To(Equal(fault.ThenPass))
		Expect(got.MaxKeys).To(Equal(fault.DefaultMaxKeys))
		Expect(got.Phase.From).To(Equal(fault.PhaseFromEngine))
		Expect(got.Match.Methods).To(Equal([]string{"GET"}))
		Expect(r.Match.Methods).To(Equal([]string{"get"}))
		Expect(r.Phase.From).To(BeEmpty())
		Expect(r.Key).To(BeEmpty())

		_, err = mockserver.New(mockserver.SpecFile(bookstore), mockserver.Rules(r, r))
		Expect(err).To(MatchError(`mockserver: Rules: rules #1 and #2 are both named "x" (fix: give every rule a unique name)`))
	})
})

func ptr[T any](v T) *T { return &v }

func TestIsSpecDocument(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"fixtures/bookstore.yaml", false},
		{"/abs/path/spec.json", false},
		{`C:\specs\a b.yaml`, false},
		{"openapi: 3.0.3\ninfo: {}", true},
		{"openapi: 3.0.3\r\n", true},
		{`{"openapi":"3.1.0"}`, true},
		{`  {"openapi":"3.1.0"}`, true},
		{"", false},
	} {
		if got := mockserver.IsSpecDocument(tc.in); got != tc.want {
			t.Errorf("IsSpecDocument(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestNewTestParallel runs 16 servers at once: each has its own port,
// journal, seed and fault counters, and the same seed gives the same bodies.
func TestNewTestParallel(t *testing.T) {
	const servers = 16
	var (
		mu     sync.Mutex
		bodies = map[uint64][]string{}
		urls   = map[string]bool{}
	)
	t.Run("group", func(t *testing.T) {
		for i := range servers {
			t.Run(fmt.Sprintf("server-%d", i), func(t *testing.T) {
				t.Parallel()
				seed := uint64(i % 8) // two servers per seed
				ts := mockserver.NewTest(t, mockserver.SpecFile(bookstore), mockserver.Seed(seed), mockserver.Dynamic(true),
					mockserver.Rules(fault.Rule{Name: "first-fails", Match: fault.Match{Path: "/categories"},
						Sequence: []*fault.Fault{{Status: &fault.Status{Code: 503}}}}))
				requests := 2 + i%3
				var got []string
				for n := range requests {
					resp, err := ts.Client().Get(ts.URL + "/categories")
					if err != nil {
						t.Fatalf("request %d: %v", n, err)
					}
					b, err := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if err != nil {
						t.Fatalf("reading response %d: %v", n, err)
					}
					want := 200
					if n == 0 {
						want = 503
					}
					if resp.StatusCode != want {
						t.Fatalf("request %d: status %d, want %d (body %s)", n, resp.StatusCode, want, b)
					}
					if n > 0 {
						got = append(got, string(b))
					}
				}
				deadline := time.Now().Add(3 * time.Second)
				for ts.Journal().Len() < requests && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				entries := ts.Journal().Entries(mockserver.Filter{})
				if len(entries) != requests {
					t.Fatalf("journal has %d entries, want exactly this server's %d", len(entries), requests)
				}
				for n, e := range entries {
					if e.Seq != uint64(n+1) || e.Seed != seed {
						t.Errorf("entry %d: seq %d seed %d, want seq %d seed %d", n, e.Seq, e.Seed, n+1, seed)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if urls[ts.URL] {
					t.Errorf("two servers share %s", ts.URL)
				}
				urls[ts.URL] = true
				if prev, ok := bodies[seed]; ok {
					n := min(len(prev), len(got))
					for k := range n {
						if prev[k] != got[k] {
							t.Errorf("seed %d, body %d differs between two servers:\n%s\n%s", seed, k, prev[k], got[k])
						}
					}
				} else {
					bodies[seed] = got
				}
			})
		}
	})
	if len(urls) != servers {
		t.Fatalf("%d distinct servers, want %d", len(urls), servers)
	}
	if bodies[1][0] == bodies[2][0] {
		t.Errorf("seeds 1 and 2 generated the same body %s", bodies[1][0])
	}
}

func TestNewTestCloseTwice(t *testing.T) {
	ts := mockserver.NewTest(t, mockserver.SpecFile(bookstore))
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}
	// t.Cleanup closes it again: that must be harmless.
	if err := ts.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if !strings.HasPrefix(ts.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %s", ts.URL)
	}
}

// FuzzRules feeds odd rules built in Go to the Rules option: it must return
// an error or a server, never panic, and an accepted rule must serve.
func FuzzRules(f *testing.F) {
	spec, err := os.ReadFile(bookstore)
	if err != nil {
		f.Fatal(err)
	}
	srvSpec, err := mockserver.New(mockserver.SpecBytes(spec))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("r", "header:Idempotency-Key", "1/3", "", "any", 0.5, "engine", uint16(503), true)
	f.Add("", "global:", "0/0", "cycle", "fresh", 2.0, "arm", uint16(0), false)
	f.Add("a/b", "query:", "5/2", "repeat-last", "reused", -1.0, "x", uint16(999), true)
	f.Add("ok", "connection", "", "pass", "", 0.0, "", uint16(200), false)
	f.Add("zero", "", "", "", "", 0.0, "", uint16(0), false)
	f.Add("big", "", "", "", "", 0.0, "", uint16(1000), true)
	f.Fuzz(func(t *testing.T, name, key, every, then, conn string, rate float64, from string, code uint16, seq bool) {
		r := fault.Rule{Name: name, Key: key, Every: every, Then: fault.Then(then), Connection: fault.ConnScope(conn), Phase: &fault.Phase{From: fault.PhaseStart(from)}}
		step := &fault.Fault{Status: &fault.Status{Code: int(code)}}
		if seq {
			r.Sequence = []*fault.Fault{step, nil}
		} else {
			r.Fault = step
			if rate != 0 {
				r.Rate = &rate
			}
		}
		srv, err := mockserver.New(mockserver.WithSpec(srvSpec.Spec()), mockserver.Rules(r))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mockserver: Rules: rule ") {
				t.Fatalf("error without the rule's name: %v", err)
			}
			return
		}
		if err := srv.SetFaults(r); err != nil {
			t.Fatalf("Rules accepted the rule but SetFaults did not: %v", err)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/books/featured", nil)
		req.Header.Set("Idempotency-Key", "k")
		srv.ServeHTTP(rec, req)
		if rec.Code == 0 {
			t.Fatalf("no status written")
		}
	})
}
