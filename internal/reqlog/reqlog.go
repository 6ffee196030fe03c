package reqlog

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/mockd/mockd/redact"
)

// Message is the message of every request line.
const Message = "request"

// Line is what one request line says. Empty strings and a zero Status are
// left out.
type Line struct {
	Method string
	Path   string
	Query  string // the raw query, already redacted
	Status int    // status sent (0: none, e.g. a reset or a hang)
	// Source is where the answer came from, spelled as a
	// mockserver.Source (example, example:NAME, generated, cassette,
	// upstream, recorded, proxy, fault, problem, ...); this package sits
	// below mockserver, so it takes the string.
	Source   string
	Rule     string // the fault rule that fired
	Fault    string // the fault applied (X-Mockd-Fault syntax)
	End      string // how the exchange ended when not normally: rst, fin, hung, client_aborted
	Duration time.Duration
	Attrs    []slog.Attr // more fields, after the others
}

// Log writes l at info level. It does no formatting work when logger does
// not log info lines.
func Log(ctx context.Context, logger *slog.Logger, l *Line) {
	if logger == nil || !logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	path := l.Path
	if l.Query != "" {
		path += "?" + l.Query
	}
	attrs := make([]slog.Attr, 0, 8+len(l.Attrs))
	attrs = append(attrs, slog.String("method", l.Method), slog.String("path", path))
	if l.Status != 0 {
		attrs = append(attrs, slog.Int("status", l.Status))
	}
	if l.Source != "" {
		attrs = append(attrs, slog.String("source", l.Source))
	}
	if l.Rule != "" {
		attrs = append(attrs, slog.String("rule", l.Rule))
	}
	if l.Fault != "" {
		attrs = append(attrs, slog.String("fault", l.Fault))
	}
	if l.End != "" {
		attrs = append(attrs, slog.String("end", l.End))
	}
	attrs = append(attrs, slog.Duration("duration", l.Duration))
	attrs = append(attrs, l.Attrs...)
	logger.LogAttrs(ctx, slog.LevelInfo, Message, attrs...)
}

// lineKey is the context key of the Line a Handler is filling in.
type lineKey struct{}

// Current returns the Line that Handler will log for the request ctx
// belongs to, so the wrapped handler can set its Source or add Attrs; nil
// when the request is not logged.
func Current(ctx context.Context) *Line {
	l, _ := ctx.Value(lineKey{}).(*Line)
	return l
}

// Handler logs one line per request that next serves, with source as the
// line's Source unless next sets another (Current). The query is redacted
// with r (nil: the default rules). When logger does not log info lines,
// requests go straight to next.
func Handler(next http.Handler, logger *slog.Logger, r *redact.Redactor, source string) http.Handler {
	if r == nil {
		r = redact.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := req.Context()
		if !logger.Enabled(ctx, slog.LevelInfo) {
			next.ServeHTTP(w, req)
			return
		}
		start := time.Now()
		l := &Line{Method: req.Method, Path: req.URL.Path, Source: source}
		if req.URL.RawQuery != "" {
			l.Query = r.Query(req.URL.RawQuery)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			l.Status, l.Duration = sw.status, time.Since(start)
			Log(ctx, logger, l)
		}()
		next.ServeHTTP(sw, req.WithContext(context.WithValue(ctx, lineKey{}, l)))
	})
}

// statusWriter remembers the status sent; Unwrap lets http.ResponseController
// reach the connection's Flush, Hijack and deadlines.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends buffered data (httputil.ReverseProxy flushes through it).
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
