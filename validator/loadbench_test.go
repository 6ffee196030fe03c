package validator

import (
	"net/http/httptest"
	"testing"
	"time"
)

// firstRequests are the requests bench-real times the first answer of.
var firstRequests = map[string]string{
	"github": "/repos/octocat/hello-world",
	"stripe": "/v1/customers",
}

// BenchmarkLoadPhases loads each real spec of the test cache (GitHub's,
// Stripe's: make bench-real fetches them; skipped when absent) and reports
// how long each load phase takes (read, parse, model, ... in ms) and the
// first validation of the request bench-real sends, which compiles its
// operation's schemas (first-request-ms).
func BenchmarkLoadPhases(b *testing.B) {
	for name, path := range cachedRealSpecs(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			totals := map[string]time.Duration{}
			var order []string
			var first time.Duration
			for b.Loop() {
				spec, err := Load(path, WithFormatAssertions())
				if err != nil {
					b.Fatal(err)
				}
				for _, ph := range spec.phases {
					if _, seen := totals[ph.Phase]; !seen {
						order = append(order, ph.Phase)
					}
					totals[ph.Phase] += ph.Took
				}
				r := httptest.NewRequest("GET", firstRequests[name], nil)
				op, err := spec.Router().Find(r)
				if err != nil {
					b.Fatalf("%s: %v", firstRequests[name], err)
				}
				start := time.Now()
				spec.ValidateRequest(r, op)
				first += time.Since(start)
			}
			for _, phase := range order {
				b.ReportMetric(float64(totals[phase].Microseconds())/1000/float64(b.N), phase+"-ms")
			}
			b.ReportMetric(float64(first.Microseconds())/1000/float64(b.N), "first-request-ms")
		})
	}
}
