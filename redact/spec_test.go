package redact_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/mockd/mockd/redact"
)

func TestNewForSpecAddsTheSpecNames(t *testing.T) {
	cfg := redact.Config{Headers: []string{"X-Extra"}}
	r, err := redact.NewForSpec(cfg, []string{"X-Acme-Key"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := r.Headers(http.Header{"X-Acme-Key": {"k1"}, "X-Extra": {"e"}, "Accept": {"*/*"}})
	if h.Get("X-Acme-Key") != "REDACTED" || h.Get("X-Extra") != "REDACTED" || h.Get("Accept") != "*/*" {
		t.Errorf("headers = %v; want the spec's and the extra name redacted, Accept kept", h)
	}
	if got := r.Query("api_sig=1&X-Acme-Key=k2"); !strings.Contains(got, "X-Acme-Key=REDACTED") {
		t.Errorf("query = %q; want the spec name redacted as a query parameter too", got)
	}
	if len(cfg.SpecNames) != 0 {
		t.Errorf("the caller's Config was changed: %v", cfg.SpecNames)
	}
}

func TestNewForSpecWarnsWhenDefaultsAreOff(t *testing.T) {
	for _, off := range []bool{false, true} {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, nil))
		r, err := redact.NewForSpec(redact.Config{DisableDefaults: off}, nil, logger)
		if err != nil {
			t.Fatal(err)
		}
		warned := strings.Contains(buf.String(), "default redaction is OFF")
		if warned != off {
			t.Errorf("DisableDefaults %v: warned %v (log %q)", off, warned, buf.String())
		}
		if clear := r.Headers(http.Header{"Authorization": {"Bearer t"}}).Get("Authorization") == "Bearer t"; clear != off {
			t.Errorf("DisableDefaults %v: Authorization in clear %v", off, clear)
		}
	}
	if _, err := redact.NewForSpec(redact.Config{JSONPaths: []string{"$["}}, nil, nil); err == nil {
		t.Error("a bad JSON path must fail")
	}
}
