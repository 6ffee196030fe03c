package redact_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mockd/mockd/redact"
)

// TestWithValues: a known secret value is scrubbed wherever the redactor
// looks, under names it would otherwise keep, and in its encoded forms.
func TestWithValues(t *testing.T) {
	const secret = "whsec_k+y/v4lue"
	r, err := redact.Default().WithValues(secret)
	if err != nil {
		t.Fatal(err)
	}
	leaks := func(what, s string) {
		t.Helper()
		if strings.Contains(s, secret) || strings.Contains(s, url.QueryEscape(secret)) {
			t.Errorf("%s leaks the secret: %s", what, s)
		}
	}
	leaks("Text", r.Text("signing with "+secret+" now"))
	leaks("URL", r.URL("http://h/cb?sig="+url.QueryEscape(secret)))
	leaks("Query", r.Query("k="+url.QueryEscape(secret)))
	leaks("HeaderValue", r.HeaderValue("X-Plain", "v="+secret))
	leaks("Headers", strings.Join(r.Headers(http.Header{"X-Plain": {secret}})["X-Plain"], ""))
	q, h, vals := r.RequestParts("a="+url.QueryEscape(secret), http.Header{"X-Plain": {secret}})
	leaks("RequestParts query", q)
	leaks("RequestParts header", h.Get("X-Plain"))
	if !strings.Contains(strings.Join(vals, " "), secret) {
		t.Errorf("RequestParts does not return the known value for the caller's kept text: %v", vals)
	}
	body, _ := r.Body(http.Header{"Content-Type": {"application/json"}}, []byte(`{"note":"`+secret+`"}`))
	leaks("Body", string(body))
	x := redact.Exchange{Request: redact.Message{URL: "http://h/", Header: http.Header{"X-Plain": {secret}}, Body: []byte("plain " + secret)}}
	r.Exchange(&x)
	leaks("Exchange header", x.Request.Header.Get("X-Plain"))
	leaks("Exchange body", string(x.Request.Body))
	var logs bytes.Buffer
	slog.New(redact.NewHandler(slog.NewTextHandler(&logs, nil), r)).Info("firing", "detail", "key "+secret)
	leaks("slog", logs.String())

	// The original redactor is unchanged; other text is untouched.
	if got := redact.Default().Text("k " + secret); !strings.Contains(got, secret) {
		t.Errorf("WithValues changed the receiver's redactor: %s", got)
	}
	if got := r.Text("nothing secret here"); got != "nothing secret here" {
		t.Errorf("plain text changed: %s", got)
	}
	if _, err := redact.Default().WithValues("short"); err == nil || !strings.Contains(err.Error(), "longer secret") {
		t.Errorf("a 5-byte value: %v", err)
	}
}
