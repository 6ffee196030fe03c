package fault

import (
	"time"

	"gopkg.in/yaml.v3"
)

// StallBody sends the headers at once, then no body bytes until the client
// leaves or Max elapses (0 = the engine's hang max), then closes.
//
// YAML: `fault: stall_body`, `stall_body: 3s` or `stall_body: {max: 3s}`;
// header: `stall_body` or `stall_body=3s`.
type StallBody struct {
	Max time.Duration `json:"max,omitempty"`
}

func stallBodyKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "stall_body", Class: ClassBody, Bare: true,
			Summary: "headers at once, then no body bytes until the client gives up or a max elapses"},
		has:  func(f *Fault) bool { return f.StallBody != nil },
		take: func(dst, src *Fault) { dst.StallBody = src.StallBody },
		parse: func(p *parser, v *yaml.Node, f *Fault) {
			if d, ok := p.maxOnly(v, "stall_body"); ok {
				f.StallBody = &StallBody{Max: d}
			}
		},
		check: func(f *Fault) error { return checkMax(f.StallBody.Max) },
		send: func(x *exchange, resp *response) Outcome {
			x.startBody(resp, true)
			if !x.wait(x.env.maxOr(x.d.Fault.StallBody.Max)) {
				return x.out
			}
			if c, brw, err := hijack(x.w); err == nil {
				_ = brw.Flush()
				finish(c, false)
			}
			x.out.End = EndHung
			return x.out
		},
	}
}
