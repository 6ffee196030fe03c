package fault

import "gopkg.in/yaml.v3"

// resetKind is the `reset` fault (Fault.Reset): read the request, then close
// the connection with SO_LINGER=0 so the client gets an RST; Go clients see
// "connection reset by peer".
//
// YAML: `fault: reset` or `reset: true`; header: `reset`.
func resetKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "reset", Class: ClassTerminal, Bare: true,
			Summary: "read the request, then RST (SO_LINGER=0): connection reset by peer"},
		has:   func(f *Fault) bool { return f.Reset },
		take:  func(dst, src *Fault) { dst.Reset = src.Reset },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Reset, _ = p.boolean(v, "reset") },
		end:   func(x *exchange) Outcome { return x.closeConn(true) },
	}
}
