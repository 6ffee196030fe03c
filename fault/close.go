package fault

import "gopkg.in/yaml.v3"

// closeKind is the `close` fault (Fault.Close): read the request, then close
// the connection with FIN and no bytes; Go clients see EOF.
//
// YAML: `fault: close` or `close: true`; header: `close`.
func closeKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "close", Class: ClassTerminal, Bare: true,
			Summary: "read the request, then FIN with no bytes (an empty response: EOF)"},
		has:   func(f *Fault) bool { return f.Close },
		take:  func(dst, src *Fault) { dst.Close = src.Close },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Close, _ = p.boolean(v, "close") },
		end:   func(x *exchange) Outcome { return x.closeConn(false) },
	}
}

// closeConn ends the connection at once, with RST or FIN, sending nothing.
func (x *exchange) closeConn(rst bool) Outcome {
	c, brw, err := hijack(x.w)
	if err != nil {
		return x.unhijackable(err)
	}
	_ = brw.Flush()
	x.finish(c, rst)
	return x.out
}
