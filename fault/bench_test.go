package fault_test

import (
	"net/http"
	"testing"

	"github.com/mockd/mockd/fault"
)

const benchRules = `seed: 1
rules:
  - {name: a, match: {method: POST, path: /orders}, key: "header:Idempotency-Key", sequence: [503, 502], then: cycle}
  - {name: b, match: {path: "/books/{bookId}/reviews"}, fault: {latency: 10ms}}
  - {name: c, match: {method: GET, headers: {X-Tenant: acme}}, rate: 0.5, fault: reset}
  - {name: d, match: {operation: deleteBook}, fault: 500}
  - {name: e, match: {method: PUT, path: "/authors/{id}"}, phase: {after_requests: 3}, fault: close}
`

func benchEngine(b *testing.B) *fault.Engine {
	rs, err := fault.ParseRules([]byte(benchRules), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return fault.NewEngine(rs, fault.WithLogger(discardLogger()), fault.WithHeaderFaults(true))
}

// BenchmarkDecideMiss: 5 rules, none match; must be < 1 µs and 0 allocs/op.
func BenchmarkDecideMiss(b *testing.B) {
	e := benchEngine(b)
	r := &fault.Request{Method: "GET", Path: "/books/42", PathTemplate: "/books/{bookId}", Operation: "getBook",
		Header: http.Header{"Accept": {"application/json"}, "X-Tenant": {"other"}}}
	b.ReportAllocs()
	for b.Loop() {
		if e.Decide(r).Applied() {
			b.Fatal("unexpected hit")
		}
	}
}

// BenchmarkDecideHit: the first rule matches and a sequence step applies.
func BenchmarkDecideHit(b *testing.B) {
	e := benchEngine(b)
	r := &fault.Request{Method: "POST", Path: "/orders", Header: http.Header{"Idempotency-Key": {"k1"}}}
	b.ReportAllocs()
	for b.Loop() {
		if !e.Decide(r).Applied() {
			b.Fatal("unexpected miss")
		}
	}
}

func TestDecideMissDoesNotAllocate(t *testing.T) {
	rs, err := fault.ParseRules([]byte(benchRules), "bench.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := fault.NewEngine(rs, fault.WithLogger(discardLogger()), fault.WithHeaderFaults(true))
	r := &fault.Request{Method: "GET", Path: "/books/42", Header: http.Header{"X-Tenant": {"other"}}}
	if n := testing.AllocsPerRun(1000, func() { e.Decide(r) }); n != 0 {
		t.Fatalf("Decide allocates %v times per miss", n)
	}
}
