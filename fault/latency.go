package fault

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Dist is a latency distribution.
type Dist string

// Latency distributions.
const (
	DistFixed     Dist = "fixed"
	DistUniform   Dist = "uniform"
	DistNormal    Dist = "normal"
	DistLognormal Dist = "lognormal"
)

// dists lists the distributions in the order error messages name them.
var dists = []Dist{DistFixed, DistUniform, DistNormal, DistLognormal}

// Valid reports whether d is one of the Dist constants.
func (d Dist) Valid() bool {
	switch d {
	case DistFixed, DistUniform, DistNormal, DistLognormal:
		return true
	}
	return false
}

// params are the fields a distribution needs, then the ones it also takes.
func (d Dist) params() (need, optional []string) {
	switch d {
	case DistFixed:
		return []string{"value"}, nil
	case DistUniform:
		return []string{"min", "max"}, nil
	case DistNormal:
		return []string{"mean", "stddev"}, []string{"min", "max"}
	case DistLognormal:
		return []string{"median", "sigma"}, []string{"min", "max"}
	}
	return nil, nil
}

// Latency delays the status line by a duration drawn from Dist. Min and Max
// clamp every draw (Max = 0 means no cap besides the engine's hang max).
//
// YAML: `latency: 200ms` (fixed) or a mapping such as `{dist: lognormal,
// median: 200ms, sigma: 0.5, max: 2s}`; header: `latency=200ms` or
// `latency.dist=uniform; latency.min=1ms; latency.max=5ms`. The engine draws
// the delay when it decides (Decision.Delay); Serve waits it out first.
type Latency struct {
	Dist   Dist          `json:"dist"`
	Value  time.Duration `json:"value,omitempty"`
	Min    time.Duration `json:"min,omitempty"`
	Max    time.Duration `json:"max,omitempty"`
	Mean   time.Duration `json:"mean,omitempty"`
	Stddev time.Duration `json:"stddev,omitempty"`
	Median time.Duration `json:"median,omitempty"`
	Sigma  float64       `json:"sigma,omitempty"`
}

func latencyKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "latency", Class: ClassDelay,
			Summary: "wait before the status line: fixed, uniform, normal or lognormal, with a cap"},
		has:   func(f *Fault) bool { return f.Latency != nil },
		take:  func(dst, src *Fault) { dst.Latency = src.Latency },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Latency = p.latency(v) },
		check: func(f *Fault) error { return f.Latency.check() },
	}
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
	case DistFixed:
		d = float64(l.Value)
	default: // not valid; the checks keep it out, Value is the safe reading
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

// check checks a Latency built in Go.
func (l *Latency) check() error {
	if err := checkEnum(l.Dist, "latency dist", dists, false); err != nil {
		return err
	}
	for _, d := range []time.Duration{l.Value, l.Min, l.Max, l.Mean, l.Stddev, l.Median} {
		if d < 0 {
			return fmt.Errorf("latency %s has a negative duration (fix: use durations >= 0)", l.Dist)
		}
	}
	if l.Max > 0 && l.Min > l.Max {
		return fmt.Errorf("latency min %s is above max %s (fix: make min <= max)", l.Min, l.Max)
	}
	if l.Dist == DistLognormal && (l.Median <= 0 || math.IsNaN(l.Sigma) || l.Sigma < 0 || l.Sigma > 10) {
		return fmt.Errorf("latency lognormal needs a positive median and a sigma in [0,10] (fix: e.g. Median 200ms, Sigma 0.5)")
	}
	return nil
}

// latencyKeys are the keys of the latency mapping.
var latencyKeys = []string{"dist", "value", "min", "max", "mean", "stddev", "median", "sigma"}

// latency parses `latency: 200ms` or the distribution mapping.
func (p *parser) latency(v *yaml.Node) *Latency {
	if v.Kind == yaml.ScalarNode {
		d, ok := p.duration(v, "latency")
		if !ok {
			return nil
		}
		return &Latency{Dist: DistFixed, Value: d}
	}
	l := &Latency{Dist: DistFixed}
	var set []*yaml.Node // the keys given, in file order
	p.Mapping(v, "latency", latencyKeys, func(key string, k, fv *yaml.Node) {
		set = append(set, k)
		p.latencyField(l, key, fv)
	})
	if v.Kind != yaml.MappingNode {
		return nil
	}
	p.latencyParams(v, l, set)
	if l.Max > 0 && l.Min > l.Max {
		p.Fail(v, "make min <= max", "latency min %s is above max %s", l.Min, l.Max)
	}
	if k := keyNode(set, "median"); l.Dist == DistLognormal && l.Median == 0 && k != nil {
		p.Fail(k, "use a positive median", "latency median must be positive")
	}
	return l
}

// latencyField parses one key of the latency mapping into l.
func (p *parser) latencyField(l *Latency, key string, fv *yaml.Node) {
	switch key {
	case "dist":
		if d, ok := parseEnum(p, fv, "latency.dist", "latency dist", dists); ok {
			l.Dist = d
		}
		return
	case "sigma":
		if f, ok := p.float(fv, "latency.sigma"); ok {
			if f < 0 || f > 10 {
				p.Fail(fv, "use a sigma between 0 and 10, e.g. 0.5", "latency.sigma %v is out of range", f)
				return
			}
			l.Sigma = f
		}
		return
	}
	d, ok := p.duration(fv, "latency."+key)
	if !ok {
		return
	}
	fields := map[string]*time.Duration{"value": &l.Value, "min": &l.Min, "max": &l.Max,
		"mean": &l.Mean, "stddev": &l.Stddev, "median": &l.Median}
	*fields[key] = d
}

// latencyParams reports the keys l's distribution needs but lacks, and the
// keys set that it does not take.
func (p *parser) latencyParams(v *yaml.Node, l *Latency, set []*yaml.Node) {
	need, optional := l.Dist.params()
	takes := append(slices.Clone(need), optional...)
	hint := "latency " + string(l.Dist) + " takes " + strings.Join(takes, ", ")
	for _, key := range need {
		if keyNode(set, key) == nil {
			p.Fail(v, hint, "latency %s needs %s", l.Dist, key)
		}
	}
	for _, k := range set {
		if k.Value != "dist" && !slices.Contains(takes, k.Value) {
			p.Fail(k, hint, "%s does not apply to latency %s", k.Value, l.Dist)
		}
	}
}

// keyNode finds the key node named key among keys.
func keyNode(keys []*yaml.Node, key string) *yaml.Node {
	for _, k := range keys {
		if k.Value == key {
			return k
		}
	}
	return nil
}

// delay waits out the decision's sampled latency; false means the client left.
func (x *exchange) delay() bool {
	return x.d.Delay <= 0 || x.wait(x.d.Delay)
}
