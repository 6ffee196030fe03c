package fault

import (
	"fmt"
	"math"
	"time"

	"gopkg.in/yaml.v3"
)

// Throttle sends the body at BytesPerSecond.
//
// YAML: `throttle: 1024` or `throttle: {bytes_per_second: 1024}`; header:
// `throttle=1024`.
type Throttle struct {
	BytesPerSecond int64 `json:"bytes_per_second"`
}

// throttleSlices is how many writes a second a throttled body gets.
const throttleSlices = 10

func throttleKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "throttle", Class: ClassBody,
			Summary: "the body at B bytes per second"},
		has:   func(f *Fault) bool { return f.Throttle != nil },
		take:  func(dst, src *Fault) { dst.Throttle = src.Throttle },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Throttle = p.throttle(v) },
		check: func(f *Fault) error {
			if f.Throttle.BytesPerSecond < 1 {
				return fmt.Errorf("throttle needs bytes_per_second >= 1 (fix: e.g. Throttle{BytesPerSecond: 1024})")
			}
			return nil
		},
		send: (*exchange).throttle,
	}
}

// throttle parses a rate or {bytes_per_second: n}.
func (p *parser) throttle(v *yaml.Node) *Throttle {
	t := &Throttle{}
	if v.Kind == yaml.ScalarNode {
		t.BytesPerSecond, _ = p.integer(v, "throttle", 1, math.MaxInt64)
	} else {
		p.Mapping(v, "throttle", []string{"bytes_per_second"}, func(_ string, _, fv *yaml.Node) {
			t.BytesPerSecond, _ = p.integer(fv, "throttle.bytes_per_second", 1, math.MaxInt64)
		})
	}
	if t.BytesPerSecond == 0 {
		p.Fail(v, "write e.g. throttle: {bytes_per_second: 1024}", "throttle needs bytes_per_second >= 1")
		return nil
	}
	return t
}

// throttle sends the body in slices, each when the rate allows it.
func (x *exchange) throttle(resp *response) Outcome {
	b, body := x.startBody(resp, true), resp.body
	bps := x.d.Fault.Throttle.BytesPerSecond
	slice := max(bps/throttleSlices, 1)
	start := time.Now()
	for sent := int64(0); sent < int64(len(body)); {
		n := min(slice, int64(len(body))-sent)
		if !b.write(body[sent : sent+n]) {
			return x.out
		}
		sent += n
		due := start.Add(time.Duration(float64(sent) / float64(bps) * float64(time.Second)))
		if wait := time.Until(due); wait > 0 && sent < int64(len(body)) && !x.wait(wait) {
			return x.out
		}
	}
	return x.out
}
