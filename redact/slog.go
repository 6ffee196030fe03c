package redact

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
)

// Handler is a slog.Handler that redacts every record before passing it on:
// the message and string attributes go through Redactor.Text (URLs and
// secret-looking name=value pairs), http.Header values through Headers,
// url.Values through Values, *url.URL through URL and errors through Text.
type Handler struct {
	inner slog.Handler
	r     *Redactor
}

// NewHandler wraps inner so nothing it writes holds a secret r knows how to
// find. A nil r uses Default().
func NewHandler(inner slog.Handler, r *Redactor) *Handler {
	if r == nil {
		r = Default()
	}
	return &Handler{inner: inner, r: r}
}

// Enabled reports whether the inner handler handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle redacts the record and passes it to the inner handler.
func (h *Handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Text(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// WithAttrs redacts attrs and returns a Handler over the inner one's.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &Handler{inner: h.inner.WithAttrs(red), r: h.r}
}

// WithGroup returns a Handler over the inner one's group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), r: h.r}
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Text(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = h.attr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case http.Header:
			return slog.Any(a.Key, h.r.Headers(x))
		case url.Values:
			return slog.Any(a.Key, h.r.Values(x))
		case *url.URL:
			if x == nil {
				return a
			}
			return slog.String(a.Key, h.r.URL(x.String()))
		case error:
			return slog.String(a.Key, h.r.Text(x.Error()))
		case []byte:
			return slog.String(a.Key, h.r.Text(string(x)))
		case []string:
			red := make([]string, len(x))
			for i, s := range x {
				red[i] = h.r.Text(s)
			}
			return slog.Any(a.Key, red)
		}
	default:
	}
	return slog.Attr{Key: a.Key, Value: v}
}
