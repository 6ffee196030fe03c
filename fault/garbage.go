package fault

import (
	"fmt"
	"math/rand/v2"

	"gopkg.in/yaml.v3"
)

// Garbage sends Bytes random bytes instead of a status line, then closes.
//
// YAML: `fault: garbage` (64 bytes), `garbage: 32` or `garbage: {bytes: 32}`;
// header: `garbage` or `garbage=32`.
type Garbage struct {
	Bytes int `json:"bytes"`
}

// maxGarbage bounds Garbage.Bytes.
const maxGarbage = 1 << 20

func garbageKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "garbage", Class: ClassTerminal, Bare: true,
			Summary: "seeded random bytes instead of a status line, then FIN: malformed HTTP response"},
		has:   func(f *Fault) bool { return f.Garbage != nil },
		take:  func(dst, src *Fault) { dst.Garbage = src.Garbage },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Garbage = p.garbage(v) },
		check: func(f *Fault) error {
			if f.Garbage.Bytes < 1 || f.Garbage.Bytes > maxGarbage {
				return fmt.Errorf("garbage needs 1 to %d bytes (fix: e.g. Garbage{Bytes: 64})", maxGarbage)
			}
			return nil
		},
		end: (*exchange).garbage,
	}
}

// garbage parses `true`, a byte count or {bytes: n}.
func (p *parser) garbage(v *yaml.Node) *Garbage {
	g := &Garbage{Bytes: 64}
	switch {
	case v.Kind == yaml.ScalarNode && v.Value == "true":
	case v.Kind == yaml.ScalarNode:
		b, ok := p.integer(v, "garbage", 1, maxGarbage)
		if !ok {
			return nil
		}
		g.Bytes = int(b)
	default:
		p.Mapping(v, "garbage", []string{"bytes"}, func(_ string, _, fv *yaml.Node) {
			b, _ := p.integer(fv, "garbage.bytes", 1, maxGarbage)
			g.Bytes = int(b)
		})
	}
	if g.Bytes > 0 {
		return g
	}
	return nil
}

// garbageBytes returns n seeded bytes that cannot start a status line: the
// first line has no space (so clients report a malformed response, not a
// malformed version) and does not start with 'H'.
func garbageBytes(stream uint64, n int) []byte {
	rng := rand.New(pcg(stream, 2))
	b := make([]byte, n)
	for i := range b {
		for {
			c := byte(rng.Uint32())
			if c != ' ' && c != '\r' && c != '\n' && (i > 0 || c != 'H') {
				b[i] = c
				break
			}
		}
	}
	if n >= 2 {
		b[n-2], b[n-1] = '\r', '\n'
	}
	return b
}

// garbage writes the seeded bytes on the raw connection, then FIN.
func (x *exchange) garbage() Outcome {
	c, brw, err := hijack(x.w)
	if err != nil {
		return x.unhijackable(err)
	}
	_ = brw.Flush()
	n, err := c.Write(garbageBytes(x.d.stream, x.d.Fault.Garbage.Bytes))
	x.out.BytesWritten = int64(n)
	if err != nil {
		x.out.Err = err.Error()
	}
	x.finish(c, false)
	return x.out
}
