package reqlog

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockd/mockd/redact"
)

func textLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(redact.NewHandler(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level}), nil))
}

func TestLogWritesTheFieldsItHas(t *testing.T) {
	for _, tc := range []struct {
		name string
		line Line
		want string
	}{
		{"spec answer", Line{Method: "GET", Path: "/books", Query: "limit=1", Status: 200, Source: "example", Duration: 1500 * time.Microsecond},
			`msg=request method=GET path="/books?limit=1" status=200 source=example duration=1.5ms`},
		{"fault", Line{Method: "POST", Path: "/orders", Status: 503, Source: "fault", Rule: "flaky", Fault: "status=503", Duration: time.Millisecond},
			`msg=request method=POST path=/orders status=503 source=fault rule=flaky fault="status=503" duration=1ms`},
		{"reset, no status", Line{Method: "GET", Path: "/x", Source: "fault", Rule: "r", Fault: "reset", End: "rst"},
			`msg=request method=GET path=/x source=fault rule=r fault=reset end=rst duration=0s`},
		{"extra fields last", Line{Method: "GET", Path: "/x", Status: 200, Source: "proxy", Attrs: []slog.Attr{slog.Int("violations", 2)}},
			`msg=request method=GET path=/x status=200 source=proxy duration=0s violations=2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			Log(context.Background(), textLogger(&buf, slog.LevelInfo), &tc.line)
			if !strings.Contains(buf.String(), tc.want) {
				t.Errorf("got %q, want it to contain %q", buf.String(), tc.want)
			}
		})
	}
}

func TestLogIsFreeAboveInfo(t *testing.T) {
	var buf bytes.Buffer
	logger := textLogger(&buf, slog.LevelWarn)
	l := &Line{Method: "GET", Path: "/books", Query: "a=b", Status: 200, Source: "example", Duration: time.Millisecond}
	allocs := testing.AllocsPerRun(100, func() { Log(context.Background(), logger, l) })
	if allocs != 0 || buf.Len() != 0 {
		t.Errorf("at warn level Log allocated %.0f times and wrote %q; want nothing", allocs, buf.String())
	}
}

func TestHandlerLogsStatusSourceAndRedactedQuery(t *testing.T) {
	var buf bytes.Buffer
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rejected" {
			Current(r.Context()).Source = "problem"
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		_, _ = w.Write([]byte("ok")) // implicit 200
	}), textLogger(&buf, slog.LevelInfo), nil, "proxy")
	for _, target := range []string{"/things?token=t0psecret&page=2", "/rejected"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer h3ader-secret")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	out := buf.String()
	for _, want := range []string{
		`method=GET path="/things?token=REDACTED&page=2" status=200 source=proxy duration=`,
		`method=GET path=/rejected status=422 source=problem duration=`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if strings.Contains(out, "t0psecret") || strings.Contains(out, "h3ader-secret") {
		t.Errorf("a secret reached the log: %s", out)
	}
}

func TestHandlerStepsAsideAboveInfo(t *testing.T) {
	var buf bytes.Buffer
	var got http.ResponseWriter
	var line *Line
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, line = w, Current(r.Context())
	}), textLogger(&buf, slog.LevelWarn), nil, "proxy")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if got != rec || line != nil || buf.Len() != 0 {
		t.Errorf("at warn level the handler must get the writer as is and no line (got %T, line %v, log %q)", got, line, buf.String())
	}
}

func TestHandlerKeepsFlushing(t *testing.T) {
	var buf bytes.Buffer
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the logging writer: %v", err)
		}
	}), textLogger(&buf, slog.LevelInfo), nil, "proxy")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if !rec.Flushed || !strings.Contains(buf.String(), "status=200") {
		t.Errorf("flushed %v, log %q: want a flush and status=200", rec.Flushed, buf.String())
	}
}
