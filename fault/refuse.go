package fault

import (
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Refuse takes the engine's Listener down for For, then resets the triggering
// connection.
//
// YAML: `refuse: 2s` or `refuse: {for: 2s}`; header: `refuse=2s`.
type Refuse struct {
	For time.Duration `json:"for"`
}

func refuseKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "refuse", Class: ClassTerminal,
			Summary: "the listener is down for the window (connection refused), the triggering connection is reset"},
		has:   func(f *Fault) bool { return f.Refuse != nil },
		take:  func(dst, src *Fault) { dst.Refuse = src.Refuse },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Refuse = p.refuse(v) },
		check: func(f *Fault) error {
			if f.Refuse.For <= 0 {
				return fmt.Errorf("refuse needs a positive window (fix: e.g. Refuse{For: 2 * time.Second})")
			}
			return nil
		},
		end: (*exchange).refuse,
	}
}

// refuse parses `refuse: 2s` or `{for: 2s}`.
func (p *parser) refuse(v *yaml.Node) *Refuse {
	r := &Refuse{}
	if v.Kind == yaml.ScalarNode {
		r.For, _ = p.duration(v, "refuse")
	} else {
		p.Mapping(v, "refuse", []string{"for"}, func(_ string, _, fv *yaml.Node) { r.For, _ = p.duration(fv, "refuse.for") })
	}
	if r.For == 0 {
		p.Fail(v, "give the window, e.g. refuse: 2s", "refuse needs a positive window")
		return nil
	}
	return r
}

// refuse starts the listener's refuse window, then resets the connection.
func (x *exchange) refuse() Outcome {
	if x.env.listener == nil {
		err := errors.New("refuse needs the server's listener (fix: build the server on fault.NewListener and pass fault.WithListener)")
		return x.unhijackable(err)
	}
	if err := x.env.listener.startRefuse(x.d.Fault.Refuse.For); err != nil && !errors.Is(err, ErrRefusing) {
		x.out.Err = err.Error()
	}
	return x.closeConn(true)
}
