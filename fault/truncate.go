package fault

import (
	"fmt"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

// TruncateEnd says how a truncated response ends.
type TruncateEnd string

// Truncate ends.
const (
	TruncateFIN   TruncateEnd = "fin"   // close with FIN: the client sees unexpected EOF
	TruncateReset TruncateEnd = "reset" // close with RST: the client sees a reset
)

// truncateEnds lists the ends in the order messages name them.
var truncateEnds = []TruncateEnd{TruncateFIN, TruncateReset}

// Valid reports whether e is one of the Truncate* ends.
func (e TruncateEnd) Valid() bool {
	switch e {
	case TruncateFIN, TruncateReset:
		return true
	}
	return false
}

// Truncate declares the full Content-Length, sends only Bytes (when >= 0) or
// Fraction of the body, then ends with FIN or RST (End; "" is FIN).
//
// YAML: `fault: truncate` (half the body, FIN) or `truncate: {bytes: 3,
// end: reset}` / `{fraction: 0.25}`; header: `truncate`,
// `truncate.bytes=5; truncate.end=reset`.
type Truncate struct {
	Bytes    int64       `json:"bytes"`
	Fraction float64     `json:"fraction,omitempty"`
	End      TruncateEnd `json:"end"`
}

func truncateKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "truncate", Class: ClassBody, Bare: true,
			Summary: "declare Content-Length L, send fewer bytes, then FIN or RST: unexpected EOF reading the body"},
		has:   func(f *Fault) bool { return f.Truncate != nil },
		take:  func(dst, src *Fault) { dst.Truncate = src.Truncate },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Truncate = p.truncate(v) },
		check: func(f *Fault) error { return f.Truncate.check() },
		send:  (*exchange).truncate,
	}
}

// check checks a Truncate built in Go.
func (t *Truncate) check() error {
	switch {
	case t.Bytes < 0:
		return fmt.Errorf("truncate.bytes %d is negative (fix: 0 or more)", t.Bytes)
	case math.IsNaN(t.Fraction) || t.Fraction < 0 || t.Fraction >= 1:
		return fmt.Errorf("truncate.fraction %v is outside [0,1) (fix: e.g. 0.5)", t.Fraction)
	case t.Bytes > 0 && t.Fraction > 0:
		return fmt.Errorf("truncate.bytes and truncate.fraction cannot both be set (fix: keep one)")
	case t.End != "":
		return checkEnum(t.End, "truncate end", truncateEnds, false)
	}
	return nil
}

// truncate parses `true` or {bytes, fraction, end}.
func (p *parser) truncate(v *yaml.Node) *Truncate {
	t := &Truncate{Bytes: -1, Fraction: 0.5, End: TruncateFIN}
	if v.Kind == yaml.ScalarNode {
		if ok, valid := p.boolean(v, "truncate"); !valid || !ok {
			return nil
		}
		return t
	}
	var bytesSet, fracSet *yaml.Node
	p.Mapping(v, "truncate", []string{"bytes", "fraction", "end"}, func(key string, k, fv *yaml.Node) {
		switch key {
		case "bytes":
			bytesSet = k
			t.Bytes, _ = p.integer(fv, "truncate.bytes", 0, math.MaxInt64)
		case "fraction":
			fracSet = k
			if f, ok := p.float(fv, "truncate.fraction"); ok {
				if f < 0 || f >= 1 {
					p.Fail(fv, "use a fraction in [0,1), e.g. 0.5", "truncate.fraction %v is outside [0,1)", f)
					return
				}
				t.Fraction = f
			}
		case "end":
			if e, ok := parseEnum(p, fv, "truncate.end", "truncate end", truncateEnds); ok {
				t.End = e
			}
		}
	})
	if bytesSet != nil && fracSet != nil {
		p.Fail(fracSet, "keep either bytes or fraction", "truncate.bytes and truncate.fraction cannot both be set")
	}
	return t
}

// truncatedLength is how many of n body bytes a truncate fault sends. Bytes
// wins when set (> 0, or >= 0 with no fraction: the parser writes -1 for
// "unset"); otherwise Fraction applies, so the Go zero value Bytes: 0 with
// Fraction: 0.5 sends half the body. It is always below n.
func truncatedLength(t *Truncate, n int) int64 {
	send := int64(float64(n) * t.Fraction)
	if t.Bytes > 0 || (t.Bytes == 0 && t.Fraction == 0) {
		send = t.Bytes
	}
	if send >= int64(n) {
		send = int64(n) - 1
	}
	return send
}

// truncate writes the head with the full Content-Length and part of the body
// on the raw connection, then ends it.
func (x *exchange) truncate(resp *response) Outcome {
	t := x.d.Fault.Truncate
	body := resp.body
	if len(body) == 0 {
		body = []byte{'\n'}
	}
	send := truncatedLength(t, len(body))
	resp.header.Del("Transfer-Encoding")
	resp.header.Set("Content-Length", strconv.Itoa(len(body)))
	c, brw, err := hijack(x.w)
	if err != nil {
		return x.unhijackable(err)
	}
	writeHead(brw.Writer, resp)
	_, _ = brw.Write(body[:send])
	if err := brw.Flush(); err != nil {
		x.out.Err = err.Error()
	} else {
		x.out.BytesWritten = send
	}
	x.finish(c, t.End == TruncateReset)
	return x.out
}
