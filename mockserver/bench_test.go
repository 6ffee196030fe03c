package mockserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockd/mockd/mockserver"
)

// benchBook is a Book that POST /books accepts; benchBadBook misses the
// required isbn and price and has a title that is too short.
const (
	benchBook    = `{"isbn":"978-0-13-468599-1","title":"The Go Programming Language","genre":"technology","price":{"amount":34.99,"currency":"USD"},"published":"2015-10-26","format":{"kind":"paperback","pages":380}}`
	benchBadBook = `{"title":"","genre":"cooking"}`
)

// benchCase is one request replayed by a benchmark.
type benchCase struct {
	name    string
	method  string
	target  string
	body    string
	headers []string
	status  int
}

func newBenchServer(b *testing.B) *mockserver.Server {
	b.Helper()
	srv, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.Seed(7))
	if err != nil {
		b.Fatalf("load %s: %v", bookstore, err)
	}
	return srv
}

// serveOnce builds the request (a fresh body each time) and serves it
// through the handler into a recorder.
func serveOnce(h http.Handler, c benchCase) *httptest.ResponseRecorder {
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.target, body)
	for i := 0; i+1 < len(c.headers); i += 2 {
		req.Header.Set(c.headers[i], c.headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// runBench checks each case once (so a broken handler fails loudly instead
// of timing an error path) and then times it.
func runBench(b *testing.B, cases ...benchCase) {
	srv := newBenchServer(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if rec := serveOnce(srv, c); rec.Code != c.status {
				b.Fatalf("%s %s: status %d, want %d\n%s", c.method, c.target, rec.Code, c.status, rec.Body)
			}
			b.ReportAllocs()
			for b.Loop() {
				if rec := serveOnce(srv, c); rec.Code != c.status {
					b.Fatalf("%s %s: status %d, want %d", c.method, c.target, rec.Code, c.status)
				}
			}
		})
	}
}

// BenchmarkServeExample serves the media type's example (cached after the
// first request): the cost of routing, validation and writing.
func BenchmarkServeExample(b *testing.B) {
	runBench(b,
		benchCase{name: "featured", method: "GET", target: "/books/featured", status: 200},
		benchCase{name: "named-example", method: "GET", target: "/v1/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f",
			headers: []string{"Prefer", "example=tlcl"}, status: 200},
	)
}

// BenchmarkServeGenerated generates every body from the schema: a recursive
// tree (/categories) and an author with up to five books (/authors/1).
func BenchmarkServeGenerated(b *testing.B) {
	runBench(b,
		benchCase{name: "categories", method: "GET", target: "/categories",
			headers: []string{"Prefer", "dynamic=true"}, status: 200},
		benchCase{name: "author", method: "GET", target: "/authors/1",
			headers: []string{"X-Api-Key", "k", "Prefer", "dynamic=true"}, status: 200},
	)
}

// BenchmarkServeInvalidRequest answers invalid requests: a body that breaks
// the schema (422 with the spec's Problem response) and a query parameter
// out of range (400 problem+json).
func BenchmarkServeInvalidRequest(b *testing.B) {
	runBench(b,
		benchCase{name: "body-422", method: "POST", target: "/books", body: benchBadBook,
			headers: []string{"Content-Type", "application/json", "Authorization", "Bearer t"}, status: 422},
		benchCase{name: "query-400", method: "GET", target: "/books?limit=1000", status: 400},
	)
}

// BenchmarkServePost validates a JSON body and answers 201 with a body
// generated once from the Book schema.
func BenchmarkServePost(b *testing.B) {
	runBench(b,
		benchCase{name: "book", method: "POST", target: "/books", body: benchBook,
			headers: []string{"Content-Type", "application/json", "Authorization", "Bearer t"}, status: 201},
	)
}

// BenchmarkServeClientHeaders serves examples to a request with the headers
// a real client sends (Accept, User-Agent, Accept-Encoding, a bearer token,
// a request id): negotiation, and the journal's header redaction.
func BenchmarkServeClientHeaders(b *testing.B) {
	client := []string{"Accept", "application/json", "User-Agent", "example-client/1.4 (go1.26; linux)",
		"Accept-Encoding", "gzip", "Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "X-Request-Id", "8e0b0a1c-2f4d-4e55-9a1b-6c7d8e9f0a1b"}
	runBench(b,
		benchCase{name: "featured", method: "GET", target: "/books/featured", headers: client, status: 200},
		benchCase{name: "book", method: "GET", target: "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", headers: client, status: 200},
	)
}
