package recorder

import (
	"log/slog"
	"net/textproto"
	"strings"

	"github.com/mockd/mockd/redact"
)

// Option configures a Player or NewRoundTripper.
type Option func(*options)

type options struct {
	matchBody    bool
	matchHeaders []string // canonical names, sorted as given
	ignoreQuery  map[string]bool
	redactor     *redact.Redactor
	logger       *slog.Logger
}

func buildOptions(opts []Option) options {
	o := options{ignoreQuery: map[string]bool{}}
	for _, fn := range opts {
		if fn != nil {
			fn(&o)
		}
	}
	if o.redactor == nil {
		o.redactor = redact.Default()
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// WithBodyMatch also matches the request body: JSON bodies are compared
// ignoring key order and whitespace, other bodies byte for byte.
func WithBodyMatch() Option {
	return func(o *options) { o.matchBody = true }
}

// WithHeaderMatch also matches the values of the named request headers.
// Secret headers are compared in redacted form ("Bearer REDACTED"), so any
// bearer token matches a recorded bearer token.
func WithHeaderMatch(names ...string) Option {
	return func(o *options) {
		for _, n := range names {
			if n = strings.TrimSpace(n); n != "" {
				o.matchHeaders = append(o.matchHeaders, textproto.CanonicalMIMEHeaderKey(n))
			}
		}
	}
}

// WithIgnoredQuery leaves the named query parameters (case-sensitive) out of
// matching, e.g. cache busters or timestamps.
func WithIgnoredQuery(names ...string) Option {
	return func(o *options) {
		for _, n := range names {
			o.ignoreQuery[n] = true
		}
	}
}

// WithRedactor sets the redaction rules (default: DefaultRedactor). The
// Player applies them to both sides before comparing, so a live secret
// matches its recorded REDACTED placeholder.
func WithRedactor(r *redact.Redactor) Option {
	return func(o *options) { o.redactor = r }
}

// WithLogger sets the logger (default: discard). Only redacted data is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}
