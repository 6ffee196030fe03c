package mockserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
)

// fuzzSecret is the secret FuzzServeHTTPRaw plants in the Authorization
// header; it must never reach the journal or the response headers.
const fuzzSecret = "PLANTEDSECRET9"

// fuzzRules are the fault rules of the fuzzed server: a status fault, a
// sequence keyed on a header, and a latency fault (bounded by the request
// context's deadline).
const fuzzRules = `rules:
  - name: categories-down
    match: {path: /categories}
    fault: {status: 503, retry_after: 1}
  - name: flaky-featured
    match: {method: GET, path: /books/featured}
    key: header:Idempotency-Key
    sequence: [{status: 500}, pass]
  - name: slow-books
    match: {method: POST, path: /books}
    rate: 0.5
    fault: {latency: 5s}
`

// FuzzServeHTTPRaw feeds raw HTTP/1.1 requests (any method, path, headers,
// body, chunked encoding, Content-Encoding, X-Mockd-Fault) to one Server
// built from the bookstore with header faults and fault rules. Properties:
// no panic (nor a recovered one: no "panic" source, no 500 internal
// problem), a valid status, and a secret planted in Authorization never in
// the journal JSON nor the response headers.
func FuzzServeHTTPRaw(f *testing.F) {
	seeds := []string{
		"GET /books HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"title\":\"t\",\"author\":\"a\"}\n",
		"POST /books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"tit\r\n0\r\n\r\n",
		"POST /books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x00",
		"GET /books/featured HTTP/1.1\r\nHost: x\r\nIdempotency-Key: k1\r\nX-Mockd-Fault: status=503; retry_after=2\r\n\r\n",
		"GET /books/1 HTTP/1.1\r\nHost: x\r\nX-Mockd-Fault: reset\r\n\r\n",
		"GET /books HTTP/1.1\r\nHost: x\r\nX-Mockd-Fault: dribble.chunks=4; dribble.duration=2s\r\n\r\n",
		"GET /categories?api_key=zz HTTP/1.1\r\nHost: x\r\nAccept: application/xml\r\n\r\n",
		"OPTIONS /books HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nAccess-Control-Request-Method: POST\r\n\r\n",
		"DELETE /__mockd/journal HTTP/1.1\r\nHost: x\r\n\r\n",
		"BREW /books/%C3%28?x=%ff HTTP/1.1\r\nHost: x\r\nCookie: session=abc\r\n\r\n",
		"GET http://x/books?token=q HTTP/1.1\r\nHost: x\r\nX-Mockd-Fault: hang\r\n\r\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	rs, err := fault.ParseRules([]byte(fuzzRules), "fuzz-rules.yaml")
	if err != nil {
		f.Fatal(err)
	}
	srv, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.Faults(rs),
		mockserver.FaultHeader(true), mockserver.Seed(9), mockserver.JournalSize(8))
	if err != nil {
		f.Fatal(err)
	}
	// authForms are the ways the secret is sent in Authorization.
	authForms := []string{"Bearer %s", "Basic %s", "%s", "Token token=%s", "bearer   %s", "Digest username=\"u\", response=\"%s\""}
	f.Fuzz(func(t *testing.T, data []byte, form uint8) {
		if bytes.Contains(bytes.ToUpper(data), []byte(fuzzSecret)) {
			t.Skip("the input itself carries the secret")
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Skip()
		}
		// The same input gives the same answer: start from the same state.
		srv.Journal().Clear()
		if err := srv.Faults().SetRules(rs); err != nil {
			t.Fatal(err)
		}
		auth := strings.ReplaceAll(authForms[int(form)%len(authForms)], "%s", fuzzSecret)
		req.Header.Add("Authorization", auth)
		req.RemoteAddr = "127.0.0.1:40000"
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		req = req.WithContext(ctx)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkFuzzResponse(t, srv, rec)
	})
}

// checkFuzzResponse asserts FuzzServeHTTPRaw's properties.
func checkFuzzResponse(t *testing.T, srv *mockserver.Server, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code < 100 || rec.Code > 599 {
		t.Fatalf("invalid status %d", rec.Code)
	}
	if rec.Code == http.StatusInternalServerError && strings.Contains(rec.Body.String(), mockserver.ProblemInternal) {
		t.Fatalf("internal error (recovered panic?): %s", rec.Body.String())
	}
	for k, vs := range rec.Header() {
		for _, v := range vs {
			if strings.Contains(strings.ToUpper(k+v), fuzzSecret) {
				t.Fatalf("secret in response header %s: %q", k, v)
			}
		}
	}
	entries := srv.Journal().Entries(mockserver.Filter{})
	for _, e := range entries {
		if e.Source == "panic" {
			t.Fatalf("recovered panic journalled: %+v", e)
		}
		if e.Status != 0 && (e.Status < 100 || e.Status > 599) {
			t.Fatalf("journalled invalid status %d", e.Status)
		}
	}
	js, err := json.Marshal(entries)
	if err != nil {
		t.Fatalf("journal does not marshal: %v", err)
	}
	if bytes.Contains(bytes.ToUpper(js), []byte(fuzzSecret)) {
		t.Fatalf("secret in the journal: %s", js)
	}
}
