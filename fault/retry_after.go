package fault

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// RetryAfterKind says how a Retry-After value is rendered.
type RetryAfterKind string

// Retry-After kinds.
const (
	RetryAfterSeconds RetryAfterKind = "seconds" // delay-seconds, e.g. "1"
	RetryAfterDate    RetryAfterKind = "date"    // a fixed IMF-fixdate given in the rule
	RetryAfterIn      RetryAfterKind = "in"      // IMF-fixdate of (engine clock + In)
	RetryAfterPast    RetryAfterKind = "past"    // an IMF-fixdate in the past
	RetryAfterHuge    RetryAfterKind = "huge"    // an absurdly large number of seconds
	RetryAfterInvalid RetryAfterKind = "invalid" // a value no client can parse
	RetryAfterRaw     RetryAfterKind = "raw"     // Raw, sent verbatim
)

// Valid reports whether k is one of the RetryAfter* constants.
func (k RetryAfterKind) Valid() bool {
	switch k {
	case RetryAfterSeconds, RetryAfterDate, RetryAfterIn, RetryAfterPast, RetryAfterHuge, RetryAfterInvalid, RetryAfterRaw:
		return true
	}
	return false
}

// Values used for the special Retry-After kinds.
const (
	retryAfterPastValue    = "Sun, 06 Nov 1994 08:49:37 GMT"
	retryAfterHugeValue    = "31536000000"
	retryAfterInvalidValue = "soon"
)

// RetryAfter is a Retry-After header value; alone (without Status) it implies
// status 503.
//
// YAML: `retry_after: 1` (seconds), an HTTP-date, `past`, `huge`, `invalid`,
// `{in: 30s}` or `{raw: "text"}`; header: `retry_after=2`,
// `retry_after=past`, `retry_after.in=30s`.
type RetryAfter struct {
	Kind    RetryAfterKind `json:"kind"`
	Seconds int64          `json:"seconds,omitempty"`
	In      time.Duration  `json:"in,omitempty"`
	Raw     string         `json:"raw,omitempty"`
}

func retryAfterKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "retry_after", Class: ClassResponse,
			Summary: "a Retry-After header (seconds, a date, past, huge or invalid); alone it implies 503"},
		replaces: true,
		has:      func(f *Fault) bool { return f.RetryAfter != nil },
		take:     func(dst, src *Fault) { dst.RetryAfter = src.RetryAfter },
		parse:    func(p *parser, v *yaml.Node, f *Fault) { f.RetryAfter = p.retryAfter(v) },
		check:    func(f *Fault) error { return f.RetryAfter.check() },
		alter: func(x *exchange, resp *response) string {
			resp.header.Set("Retry-After", x.d.Fault.RetryAfter.Render(x.env.clock()))
			return ""
		},
	}
}

// Render returns the header value, using now for the "in" kind.
func (ra *RetryAfter) Render(now time.Time) string {
	switch ra.Kind {
	case RetryAfterSeconds:
		return strconv.FormatInt(ra.Seconds, 10)
	case RetryAfterIn:
		return now.Add(ra.In).UTC().Format(http.TimeFormat)
	case RetryAfterPast:
		return retryAfterPastValue
	case RetryAfterHuge:
		return retryAfterHugeValue
	case RetryAfterInvalid:
		return retryAfterInvalidValue
	case RetryAfterDate, RetryAfterRaw:
		return ra.Raw
	}
	return ra.Raw
}

// check checks a RetryAfter built in Go.
func (ra *RetryAfter) check() error {
	switch ra.Kind {
	case RetryAfterSeconds, RetryAfterPast, RetryAfterHuge, RetryAfterInvalid:
	case RetryAfterIn:
		if ra.In <= 0 {
			return fmt.Errorf("retry_after in %s is not positive (fix: e.g. In: 30 * time.Second)", ra.In)
		}
	case RetryAfterDate, RetryAfterRaw:
		if strings.ContainsAny(ra.Raw, "\r\n") {
			return fmt.Errorf("retry_after raw value contains a line break (fix: keep it on one line)")
		}
	default:
		return fmt.Errorf("unknown retry_after kind %q (fix: use one of the RetryAfter* kinds)", ra.Kind)
	}
	if ra.Seconds < 0 {
		return fmt.Errorf("retry_after %d is negative (fix: 0 or more seconds; Kind RetryAfterInvalid for a broken value)", ra.Seconds)
	}
	return nil
}

// retryAfter parses a Retry-After value: a scalar or {in} / {raw}.
func (p *parser) retryAfter(v *yaml.Node) *RetryAfter {
	if v.Kind == yaml.MappingNode {
		return p.retryAfterMapping(v)
	}
	s, ok := p.Scalar(v, "retry_after")
	if !ok {
		return nil
	}
	switch RetryAfterKind(s) {
	case RetryAfterPast, RetryAfterHuge, RetryAfterInvalid:
		return &RetryAfter{Kind: RetryAfterKind(s)}
	case RetryAfterSeconds, RetryAfterDate, RetryAfterIn, RetryAfterRaw: // not values of their own
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			p.Fail(v, "use 0 or more seconds; for a broken value write retry_after: invalid", "retry_after %d is negative", n)
			return nil
		}
		return &RetryAfter{Kind: RetryAfterSeconds, Seconds: n}
	}
	if _, err := http.ParseTime(s); err == nil {
		return &RetryAfter{Kind: RetryAfterDate, Raw: s}
	}
	p.Fail(v, "use seconds (1), an HTTP-date (Sun, 06 Nov 1994 08:49:37 GMT), past, huge, invalid, {in: 30s} or {raw: ...}",
		"retry_after %q is not a Retry-After value", s)
	return nil
}

// retryAfterMapping parses {in: 30s} or {raw: "text"}.
func (p *parser) retryAfterMapping(v *yaml.Node) *RetryAfter {
	ra := &RetryAfter{}
	before := len(p.Errs)
	p.Mapping(v, "retry_after", []string{"in", "raw"}, func(key string, _, fv *yaml.Node) {
		if key == "in" {
			if d, ok := p.duration(fv, "retry_after.in"); ok {
				ra.Kind, ra.In = RetryAfterIn, d
			}
		} else if s, ok := p.Scalar(fv, "retry_after.raw"); ok {
			if strings.ContainsAny(s, "\r\n") {
				p.Fail(fv, "keep the value on one line", "retry_after.raw contains a line break")
				return
			}
			ra.Kind, ra.Raw = RetryAfterRaw, s
		}
	})
	if ra.Kind == "" {
		if len(p.Errs) == before {
			p.Fail(v, "write {in: 30s} or {raw: \"text\"}", "retry_after mapping needs in or raw")
		}
		return nil
	}
	return ra
}
