package fault

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Hang reads the request and sends nothing until the client leaves or Max
// elapses (0 = the engine's hang max), then closes with FIN.
//
// YAML: `fault: hang`, `hang: 2s` or `hang: {max: 2s}`; header: `hang` or
// `hang=2s`.
type Hang struct {
	Max time.Duration `json:"max,omitempty"`
}

func hangKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "hang", Class: ClassTerminal, Bare: true,
			Summary: "read the request, send nothing until the client gives up or a max elapses, then FIN"},
		has:  func(f *Fault) bool { return f.Hang != nil },
		take: func(dst, src *Fault) { dst.Hang = src.Hang },
		parse: func(p *parser, v *yaml.Node, f *Fault) {
			if d, ok := p.maxOnly(v, "hang"); ok {
				f.Hang = &Hang{Max: d}
			}
		},
		check: func(f *Fault) error { return checkMax(f.Hang.Max) },
		end: func(x *exchange) Outcome {
			if !x.wait(x.env.maxOr(x.d.Fault.Hang.Max)) {
				return x.out
			}
			c, brw, err := hijack(x.w)
			if err != nil {
				return x.unhijackable(err)
			}
			_ = brw.Flush()
			finish(c, false)
			x.out.End = EndHung
			return x.out
		},
	}
}

// checkMax checks the max of a hang or a stalled body built in Go.
func checkMax(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("hang and stall_body take a max >= 0 (fix: 0 for the engine's default)")
	}
	return nil
}

// maxOr returns d, or the engine's hang max when d is 0 (not set).
func (env *serveEnv) maxOr(d time.Duration) time.Duration {
	if d <= 0 {
		return env.hangMax
	}
	return d
}

// maxOnly parses `true`, a duration (the max) or {max: duration}: the value
// of hang and stall_body.
func (p *parser) maxOnly(v *yaml.Node, name string) (time.Duration, bool) {
	if v.Kind == yaml.ScalarNode {
		if v.Value == "true" {
			return 0, true
		}
		return p.duration(v, name+" max")
	}
	var d time.Duration
	ok := true
	p.Mapping(v, name, []string{"max"}, func(_ string, _, fv *yaml.Node) { d, ok = p.duration(fv, name+".max") })
	return d, ok && v.Kind == yaml.MappingNode
}
