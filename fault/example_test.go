package fault_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mockd/mockd/fault"
)

// A rule file: rules scope faults to requests; a sequence per key gives each
// logical operation its own retries.
func ExampleParseRules() {
	rs, err := fault.ParseRules([]byte(`seed: 42
rules:
  - name: checkout-retries
    match: {method: POST, path: /orders}
    key: header:Idempotency-Key
    sequence: [{status: 503, retry_after: 1}, pass]
`), "faults.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rs.Rules[0]
	fmt.Println(rs.Seed, r.Name, r.Key, r.Then)
	fmt.Println(r.Sequence[0].Names(), r.Sequence[1].Names())
	// Output:
	// 42 checkout-retries header:Idempotency-Key pass
	// status+retry_after pass
}

// Every problem names its place and its fix.
func ExampleParseRules_errors() {
	_, err := fault.ParseRules([]byte(`rules:
  - name: a
    fault: {status: 999}
  - name: b
    fault: {reset: true, status: 503}
`), "faults.yaml")
	fmt.Println(err)
	// Output:
	// faults.yaml:3:21: status code 999 is not a valid final HTTP status (fix: use a final status between 200 and 599)
	// faults.yaml:5:12: fault: reset sends no response, so status cannot apply (fix: drop one of them)
}

// The engine decides per request from (seed, rule, key, ordinal): the same
// seed and the same requests give the same faults, run after run.
func ExampleEngine_Decide() {
	rs, err := fault.ParseRules([]byte(`rules:
  - {name: flaky, match: {path: /books}, rate: 0.5, fault: {status: 503}}
  - {name: every-third, match: {path: /authors}, every: "1/3", fault: reset}
`), "faults.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	e := fault.NewEngine(rs, fault.WithSeed(42))
	for range 4 {
		d := e.Decide(&fault.Request{Method: "GET", Path: "/books"})
		fmt.Printf("%s #%d %-22s %s\n", d.Rule, d.Ordinal, d.Fault.Names(), d.Reason)
	}
	for range 3 {
		d := e.Decide(&fault.Request{Method: "GET", Path: "/authors"})
		fmt.Printf("%s #%d %-16s %s\n", d.Rule, d.Ordinal, d.Fault.Names(), d.Reason)
	}
	fmt.Println(e.Decide(&fault.Request{Method: "GET", Path: "/other"}).Reason)
	// Output:
	// flaky #0 status                 rate 0.5: drew 0.2444
	// flaky #1 status                 rate 0.5: drew 0.1482
	// flaky #2 pass                   rate 0.5: drew 0.7774
	// flaky #3 status                 rate 0.5: drew 0.4068
	// every-third #0 reset            every 1/3: slot 0
	// every-third #1 pass             every 1/3: slot 1
	// every-third #2 pass             every 1/3: slot 2
	// no rule matched
}

// A request can pick its own fault with the X-Mockd-Fault header when the
// engine allows it (WithHeaderFaults): the rule-file vocabulary, `;`-separated.
func ExampleParseHeader() {
	f, err := fault.ParseHeader("status=503; retry_after=2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Names(), f.Status.Code, f.RetryAfter.Render(time.Time{}))

	f, _ = fault.ParseHeader("dribble.chunks=4; dribble.duration=1s")
	fmt.Println(f.Names(), f.Dribble.Chunks, f.Dribble.Duration)

	_, err = fault.ParseHeader("latency=5")
	fmt.Println(err)
	// Output:
	// status+retry_after 503 2
	// dribble 4 1s
	// X-Mockd-Fault:1:9: latency "5" has no unit (fix: add a unit, e.g. 5s or 5ms)
}

// Middleware decides and serves around a handler; a status fault replaces
// its response and names itself in the X-Mockd-Fault response header.
func ExampleMiddleware() {
	e := fault.NewEngine(nil, fault.WithSeed(1), fault.WithHeaderFaults(true))
	h := fault.Middleware(e, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	for _, header := range []string{"", "status=429; retry_after=3"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			req.Header.Set(fault.HeaderName, header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d Retry-After=%q %s=%q\n", rec.Code, rec.Header().Get("Retry-After"), fault.HeaderName, rec.Header().Get(fault.HeaderName))
	}
	// Output:
	// 200 Retry-After="" X-Mockd-Fault=""
	// 429 Retry-After="3" X-Mockd-Fault="header/status+retry_after"
}

// The catalogue: every fault kind, how it composes, and old names.
func ExampleCatalogue() {
	for _, k := range fault.Catalogue() {
		fmt.Println(k.Name, k.Class, k.Bare, k.Aliases)
	}
	// Output:
	// latency delay false []
	// status response false []
	// retry_after response false []
	// hang terminal true []
	// close terminal true []
	// reset terminal true []
	// refuse terminal false []
	// garbage terminal true []
	// stall_body body true []
	// dribble body false []
	// throttle body false []
	// truncate body true []
	// malformed_chunk body true []
	// corrupt response false [contract]
}
