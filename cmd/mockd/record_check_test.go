package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mockd/mockd/validator"
)

// TestLogViolations: mockd record warns once per violation of a recorded
// exchange, and about an undocumented path, and stays quiet on a
// conforming exchange.
func TestLogViolations(t *testing.T) {
	spec, err := validator.Load(bookstore)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     []string // substrings of the log, empty: no line
	}{
		{"conforming", http.MethodGet, "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", "", 404, nil},
		{"invalid body and undeclared status", http.MethodPost, "/books", "{}", 418,
			[]string{"check=request.body", "check=response.status", "operation=createBook"}},
		{"undocumented path", http.MethodGet, "/nowhere", "", 200, []string{"check=path.undocumented", "path=/nowhere"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			check := logViolations(spec, slog.New(slog.NewTextHandler(&logs, nil)))
			req := httptest.NewRequest(c.method, "http://api.test"+c.path, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp := &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"application/problem+json"}},
				Body: io.NopCloser(strings.NewReader(`{"type":"about:blank","title":"Not found","status":404}`)), Request: req}
			check(context.Background(), req, resp)
			out := logs.String()
			if len(c.want) == 0 && out != "" {
				t.Fatalf("want no warning, got:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("want %q in the log, got:\n%s", w, out)
				}
			}
		})
	}
}
