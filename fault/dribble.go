package fault

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Dribble sends the body in Chunks pieces spread over Duration.
//
// YAML: `dribble: {chunks: 5, duration: 2s}`; header:
// `dribble.chunks=5; dribble.duration=2s`.
type Dribble struct {
	Chunks   int           `json:"chunks"`
	Duration time.Duration `json:"duration"`
}

// maxDribbleChunks bounds Dribble.Chunks.
const maxDribbleChunks = 1 << 20

func dribbleKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "dribble", Class: ClassBody,
			Summary: "the body in N chunks spread over a total duration"},
		has:   func(f *Fault) bool { return f.Dribble != nil },
		take:  func(dst, src *Fault) { dst.Dribble = src.Dribble },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Dribble = p.dribble(v) },
		check: func(f *Fault) error {
			if d := f.Dribble; d.Chunks < 1 || d.Chunks > maxDribbleChunks || d.Duration <= 0 {
				return fmt.Errorf("dribble needs 1 to %d chunks and a positive duration (fix: e.g. Dribble{Chunks: 5, Duration: 2 * time.Second})", maxDribbleChunks)
			}
			return nil
		},
		send: (*exchange).dribble,
	}
}

// dribble parses {chunks, duration}.
func (p *parser) dribble(v *yaml.Node) *Dribble {
	d := &Dribble{}
	p.Mapping(v, "dribble", []string{"chunks", "duration"}, func(key string, _, fv *yaml.Node) {
		if key == "chunks" {
			c, _ := p.integer(fv, "dribble.chunks", 1, maxDribbleChunks)
			d.Chunks = int(c)
		} else {
			d.Duration, _ = p.duration(fv, "dribble.duration")
		}
	})
	if v.Kind == yaml.MappingNode && (d.Chunks == 0 || d.Duration == 0) {
		p.Fail(v, "write e.g. {chunks: 5, duration: 2s}", "dribble needs chunks >= 1 and a positive duration")
		return nil
	}
	return d
}

// dribble sends the body in evenly cut pieces, each after an equal gap.
func (x *exchange) dribble(resp *response) Outcome {
	b, body := x.startBody(resp, true), resp.body
	chunks := x.d.Fault.Dribble.Chunks
	if chunks > len(body) {
		chunks = max(len(body), 1)
	}
	gap := x.d.Fault.Dribble.Duration / time.Duration(chunks)
	for i := range chunks {
		if !x.wait(gap) {
			return x.out
		}
		lo, hi := len(body)*i/chunks, len(body)*(i+1)/chunks
		if !b.write(body[lo:hi]) {
			return x.out
		}
	}
	return x.out
}
