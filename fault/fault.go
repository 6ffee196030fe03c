package fault

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// HeaderName is the request header that carries per-request faults (when the
// engine enables it) and the response header that names the applied fault.
const HeaderName = "X-Mockd-Fault"

// DefaultHangMax bounds a hang (and a stalled body) that sets no max of its own.
const DefaultHangMax = 5 * time.Minute

// Fault is one planned fault: a composition of catalogue entries. A nil *Fault
// means "pass". Latency composes with everything; at most one terminal wire
// fault (hang, close, reset, refuse, garbage) may be set and it excludes the
// response faults; at most one body mode (stall_body, dribble, throttle,
// truncate, malformed_chunk) may be set.
type Fault struct {
	Status         *Status     `json:"status,omitempty"`
	RetryAfter     *RetryAfter `json:"retry_after,omitempty"`
	Latency        *Latency    `json:"latency,omitempty"`
	Hang           *Hang       `json:"hang,omitempty"`
	Close          bool        `json:"close,omitempty"`
	Reset          bool        `json:"reset,omitempty"`
	Refuse         *Refuse     `json:"refuse,omitempty"`
	StallBody      *StallBody  `json:"stall_body,omitempty"`
	Dribble        *Dribble    `json:"dribble,omitempty"`
	Throttle       *Throttle   `json:"throttle,omitempty"`
	Truncate       *Truncate   `json:"truncate,omitempty"`
	MalformedChunk bool        `json:"malformed_chunk,omitempty"`
	Garbage        *Garbage    `json:"garbage,omitempty"`
	Contract       *Contract   `json:"contract,omitempty"`
}

// Status replaces the response with this status code, headers and body. A nil
// Body means the default application/problem+json body.
type Status struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    *string           `json:"body,omitempty"`
}

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

// Values used for the special Retry-After kinds.
const (
	retryAfterPastValue    = "Sun, 06 Nov 1994 08:49:37 GMT"
	retryAfterHugeValue    = "31536000000"
	retryAfterInvalidValue = "soon"
)

// RetryAfter is a Retry-After header value; alone (without Status) it implies
// status 503.
type RetryAfter struct {
	Kind    RetryAfterKind `json:"kind"`
	Seconds int64          `json:"seconds,omitempty"`
	In      time.Duration  `json:"in,omitempty"`
	Raw     string         `json:"raw,omitempty"`
}

// Render returns the header value, using now for the "in" kind.
func (ra *RetryAfter) Render(now time.Time) string {
	switch ra.Kind {
	case RetryAfterSeconds:
		return strconv.FormatInt(ra.Seconds, 10)
	case RetryAfterIn:
		return now.Add(ra.In).UTC().Format(http1TimeFormat)
	case RetryAfterPast:
		return retryAfterPastValue
	case RetryAfterHuge:
		return retryAfterHugeValue
	case RetryAfterInvalid:
		return retryAfterInvalidValue
	default: // date and raw carry their text
		return ra.Raw
	}
}

// http1TimeFormat is http.TimeFormat (IMF-fixdate), repeated to keep this file
// free of net/http.
const http1TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// Latency distributions.
const (
	DistFixed     = "fixed"
	DistUniform   = "uniform"
	DistNormal    = "normal"
	DistLognormal = "lognormal"
)

// Latency delays the status line by a duration drawn from Dist. Min and Max
// clamp every draw (Max = 0 means no cap besides the engine's hang max).
type Latency struct {
	Dist   string        `json:"dist"`
	Value  time.Duration `json:"value,omitempty"`
	Min    time.Duration `json:"min,omitempty"`
	Max    time.Duration `json:"max,omitempty"`
	Mean   time.Duration `json:"mean,omitempty"`
	Stddev time.Duration `json:"stddev,omitempty"`
	Median time.Duration `json:"median,omitempty"`
	Sigma  float64       `json:"sigma,omitempty"`
}

// Sample draws one delay from rng, clamped to [Min, Max] and to limit.
func (l *Latency) Sample(rng *rand.Rand, limit time.Duration) time.Duration {
	var d float64
	switch l.Dist {
	case DistUniform:
		span := int64(l.Max - l.Min)
		d = float64(l.Min)
		if span > 0 {
			d += float64(rng.Int64N(span + 1))
		}
	case DistNormal:
		d = float64(l.Mean) + float64(l.Stddev)*rng.NormFloat64()
	case DistLognormal:
		d = float64(l.Median) * math.Exp(l.Sigma*rng.NormFloat64())
	default:
		d = float64(l.Value)
	}
	if d < float64(l.Min) {
		d = float64(l.Min)
	}
	if l.Max > 0 && d > float64(l.Max) {
		d = float64(l.Max)
	}
	if limit > 0 && d > float64(limit) {
		d = float64(limit)
	}
	if d < 0 || math.IsNaN(d) {
		d = 0
	}
	return time.Duration(d)
}

// Hang reads the request and sends nothing until the client leaves or Max
// elapses (0 = the engine's hang max), then closes with FIN.
type Hang struct {
	Max time.Duration `json:"max,omitempty"`
}

// Refuse takes the engine's Listener down for For, then resets the triggering
// connection.
type Refuse struct {
	For time.Duration `json:"for"`
}

// StallBody sends the headers at once, then no body bytes until the client
// leaves or Max elapses (0 = the engine's hang max), then closes.
type StallBody struct {
	Max time.Duration `json:"max,omitempty"`
}

// Dribble sends the body in Chunks pieces spread over Duration.
type Dribble struct {
	Chunks   int           `json:"chunks"`
	Duration time.Duration `json:"duration"`
}

// Throttle sends the body at BytesPerSecond.
type Throttle struct {
	BytesPerSecond int64 `json:"bytes_per_second"`
}

// Truncate ends.
const (
	EndFINName   = "fin"
	EndResetName = "reset"
)

// Truncate declares the full Content-Length, sends only Bytes (when >= 0) or
// Fraction of the body, then ends with FIN or RST (End).
type Truncate struct {
	Bytes    int64   `json:"bytes"`
	Fraction float64 `json:"fraction,omitempty"`
	End      string  `json:"end"`
}

// Garbage sends Bytes random bytes instead of a status line, then closes.
type Garbage struct {
	Bytes int `json:"bytes"`
}

// Contract fault kinds.
const (
	ContractWrongContentType = "wrong_content_type"
	ContractInvalidJSON      = "invalid_json"
	ContractSchemaViolation  = "schema_violation"
)

// Contract keeps the HTTP exchange valid but breaks the payload contract.
type Contract struct {
	Kind        string `json:"kind"`
	ContentType string `json:"content_type,omitempty"`
}

// faultNames is the catalogue of fault names accepted in rule files and in the
// X-Mockd-Fault header.
var faultNames = [...]string{
	"status", "retry_after", "latency", "hang", "close", "reset", "refuse", "stall_body",
	"dribble", "throttle", "truncate", "malformed_chunk", "garbage", "contract",
}

// Names returns the set fault names joined with "+", e.g. "latency+status".
func (f *Fault) Names() string {
	if f == nil {
		return "pass"
	}
	var parts []string
	add := func(ok bool, name string) {
		if ok {
			parts = append(parts, name)
		}
	}
	add(f.Latency != nil, "latency")
	add(f.Status != nil, "status")
	add(f.RetryAfter != nil, "retry_after")
	add(f.Hang != nil, "hang")
	add(f.Close, "close")
	add(f.Reset, "reset")
	add(f.Refuse != nil, "refuse")
	add(f.Garbage != nil, "garbage")
	add(f.StallBody != nil, "stall_body")
	add(f.Dribble != nil, "dribble")
	add(f.Throttle != nil, "throttle")
	add(f.Truncate != nil, "truncate")
	add(f.MalformedChunk, "malformed_chunk")
	add(f.Contract != nil, "contract")
	if len(parts) == 0 {
		return "pass"
	}
	return strings.Join(parts, "+")
}

// terminal names the terminal wire fault set in f, or "".
func (f *Fault) terminal() []string {
	var t []string
	if f.Hang != nil {
		t = append(t, "hang")
	}
	if f.Close {
		t = append(t, "close")
	}
	if f.Reset {
		t = append(t, "reset")
	}
	if f.Refuse != nil {
		t = append(t, "refuse")
	}
	if f.Garbage != nil {
		t = append(t, "garbage")
	}
	return t
}

// bodyModes names the body modes set in f.
func (f *Fault) bodyModes() []string {
	var b []string
	if f.StallBody != nil {
		b = append(b, "stall_body")
	}
	if f.Dribble != nil {
		b = append(b, "dribble")
	}
	if f.Throttle != nil {
		b = append(b, "throttle")
	}
	if f.Truncate != nil {
		b = append(b, "truncate")
	}
	if f.MalformedChunk {
		b = append(b, "malformed_chunk")
	}
	return b
}

// isEmpty reports whether no fault is set.
func (f *Fault) isEmpty() bool {
	return f == nil || f.Names() == "pass"
}

// Validate checks that the composition makes sense; the error says why not.
func (f *Fault) Validate() error {
	if f.isEmpty() {
		return fmt.Errorf("no fault given (fix: name one of %s, or write `pass`)", strings.Join(faultNames[:], ", "))
	}
	t := f.terminal()
	if len(t) > 1 {
		return fmt.Errorf("faults %s cannot compose: each ends the connection (fix: keep one)", strings.Join(t, " and "))
	}
	if len(t) == 1 {
		var resp []string
		if f.Status != nil {
			resp = append(resp, "status")
		}
		if f.RetryAfter != nil {
			resp = append(resp, "retry_after")
		}
		if f.Contract != nil {
			resp = append(resp, "contract")
		}
		resp = append(resp, f.bodyModes()...)
		if len(resp) > 0 {
			return fmt.Errorf("%s sends no response, so %s cannot apply (fix: drop one of them)", t[0], strings.Join(resp, ", "))
		}
	}
	if b := f.bodyModes(); len(b) > 1 {
		return fmt.Errorf("body faults %s cannot compose (fix: keep one)", strings.Join(b, " and "))
	}
	return nil
}

// merge returns a copy of f with the fields of g that f leaves unset. Terminal
// faults of g are skipped when f already sends a response, and vice versa,
// so the result always validates when f and g do.
func merge(f, g *Fault) *Fault {
	if f == nil {
		return g
	}
	if g == nil {
		return f
	}
	out := *f
	fTerm := len(f.terminal()) > 0
	fResp := f.Status != nil || f.RetryAfter != nil || f.Contract != nil || len(f.bodyModes()) > 0
	if out.Latency == nil {
		out.Latency = g.Latency
	}
	if !fTerm {
		if !fResp && len(g.terminal()) > 0 {
			out.Hang, out.Close, out.Reset, out.Refuse, out.Garbage = g.Hang, g.Close, g.Reset, g.Refuse, g.Garbage
			return &out
		}
		if out.Status == nil {
			out.Status = g.Status
		}
		if out.RetryAfter == nil {
			out.RetryAfter = g.RetryAfter
		}
		if out.Contract == nil {
			out.Contract = g.Contract
		}
		if len(out.bodyModes()) == 0 {
			out.StallBody, out.Dribble, out.Throttle, out.Truncate, out.MalformedChunk =
				g.StallBody, g.Dribble, g.Throttle, g.Truncate, g.MalformedChunk
		}
	}
	return &out
}
