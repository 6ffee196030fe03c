package redact_test

import (
	"net/http"
	"testing"

	"github.com/mockd/mockd/redact"
)

// benchHeaders is what a real client sends: a bearer token, a cookie, a
// Referer with a token in its query, and plain headers.
var benchHeaders = http.Header{
	"Accept":          {"application/json"},
	"Accept-Encoding": {"gzip"},
	"Authorization":   {"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"},
	"Cookie":          {"session=abc123; theme=dark"},
	"Referer":         {"https://app.example.com/cb?access_token=t0k3n&state=x"},
	"User-Agent":      {"example-client/1.4 (go1.26; linux)"},
	"X-Request-Id":    {"8e0b0a1c-2f4d-4e55-9a1b-6c7d8e9f0a1b"},
}

// BenchmarkHeaders redacts a client's request headers (the journal and
// the recorder do it for every request).
func BenchmarkHeaders(b *testing.B) {
	r := redact.Default()
	b.ReportAllocs()
	for b.Loop() {
		if h := r.Headers(benchHeaders); h.Get("Authorization") != "Bearer REDACTED" {
			b.Fatalf("Authorization %q", h.Get("Authorization"))
		}
	}
}

// BenchmarkQuery redacts a raw query with a secret among plain parameters.
func BenchmarkQuery(b *testing.B) {
	r := redact.Default()
	b.ReportAllocs()
	for b.Loop() {
		if q := r.Query("page=2&per_page=50&api_key=s3cr3t&sort=created"); q != "page=2&per_page=50&api_key=REDACTED&sort=created" {
			b.Fatalf("query %q", q)
		}
	}
}
