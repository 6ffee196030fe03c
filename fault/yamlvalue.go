package fault

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/internal/yamlpos"
)

// maxParseErrors bounds how many problems one parse reports.
const maxParseErrors = 20

// ParseError is one problem in a rule file or header, with its place and
// fix; it renders FILE:LINE:COL: reason (fix: hint).
type ParseError = yamlpos.Error

// ParseErrors is every problem found in one parse, in file order.
type ParseErrors []*ParseError

// Error renders one problem per line.
func (es ParseErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual problems to errors.As.
func (es ParseErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// parser reads YAML nodes into rules and faults, collecting positioned
// problems instead of stopping at the first.
type parser struct {
	file string
	errs ParseErrors
}

// fail records a problem at n (the file's start when n has no place).
func (p *parser) fail(n *yaml.Node, hint, format string, args ...any) {
	if len(p.errs) >= maxParseErrors {
		return
	}
	pos := Position{File: p.file, Line: 1, Col: 1}
	if n != nil && n.Line > 0 {
		pos.Line, pos.Col = n.Line, n.Column
	}
	p.errs = append(p.errs, &ParseError{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// report records a shared problem at n.
func (p *parser) report(n *yaml.Node, pr *problem) { p.fail(n, pr.hint, "%s", pr.msg) }

// plain rejects aliases: they could make the tree cyclic or explode its size.
func (p *parser) plain(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		p.fail(n, "repeat the value instead of using an alias", "YAML aliases are not supported here")
		return false
	}
	return true
}

// mapping walks a mapping node, rejecting unknown and duplicate keys.
func (p *parser) mapping(n *yaml.Node, where string, allowed []string, fn func(key string, k, v *yaml.Node)) {
	resolve := func(key string) (string, bool) { return key, slices.Contains(allowed, key) }
	p.walk(n, where, "allowed keys: "+strings.Join(allowed, ", "), resolve, fn)
}

// walk visits a mapping's pairs, rejecting non-scalar, duplicate and unknown
// keys. resolve maps a key to the name fn receives (an old name to the
// current one) and says whether it is known; hint lists the known keys.
func (p *parser) walk(n *yaml.Node, where, hint string, resolve func(string) (string, bool), fn func(key string, k, v *yaml.Node)) {
	if !p.plain(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "write "+where+" as `key: value` pairs", "%s must be a mapping, not %s", where, yamlpos.Describe(n))
		return
	}
	seen := map[string]string{} // resolved name → the key as written
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.fail(k, "use plain names as keys", "keys in %s must be plain names", where)
			continue
		}
		key, known := resolve(k.Value)
		if !known {
			key = k.Value // an unknown key counts as itself for duplicates
		}
		if prev, dup := seen[key]; dup {
			if prev == k.Value {
				p.fail(k, "remove one of them", "duplicate key %q in %s", k.Value, where)
			} else {
				p.fail(k, "remove one of them", "keys %q and %q in %s name the same thing", prev, k.Value, where)
			}
			continue
		}
		seen[key] = k.Value
		if !known {
			p.fail(k, hint, "unknown key %q in %s", k.Value, where)
			continue
		}
		if !p.plain(v) {
			continue
		}
		fn(key, k, v)
	}
}

// nil2allow allows every key of a free-form mapping.
func nil2allow(n *yaml.Node) []string {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	for i := 0; i < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

// scalar returns a single value.
func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.fail(n, "give a single value", "%s must be a single value, not %s", what, yamlpos.Describe(n))
		return "", false
	}
	return n.Value, true
}

// str returns a single non-empty value.
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	s, ok := p.scalar(n, what)
	if ok && s == "" {
		p.fail(n, "give a non-empty value", "%s is empty", what)
		return "", false
	}
	return s, ok
}

// boolean returns true or false.
func (p *parser) boolean(n *yaml.Node, what string) (bool, bool) {
	s, ok := p.scalar(n, what)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	p.fail(n, "write true or false", "%s must be true or false, not %q", what, s)
	return false, false
}

// integer returns a whole number in [lo, hi].
func (p *parser) integer(n *yaml.Node, what string, lo, hi int64) (int64, bool) {
	s, ok := p.scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.fail(n, fmt.Sprintf("write a whole number between %d and %d", lo, hi), "%s %q is not an integer", what, s)
		return 0, false
	}
	if v < lo || v > hi {
		p.fail(n, fmt.Sprintf("use a value between %d and %d", lo, hi), "%s %d is out of range", what, v)
		return 0, false
	}
	return v, true
}

// duration returns a Go duration of 0 or more.
func (p *parser) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := p.scalar(n, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			p.fail(n, "add a unit, e.g. "+s+"s or "+s+"ms", "%s %q has no unit", what, s)
		} else {
			p.fail(n, "write a duration such as 250ms, 2s or 1m30s", "%s %q is not a duration", what, s)
		}
		return 0, false
	}
	if d < 0 {
		p.fail(n, "use a duration of 0 or more", "%s %s is negative", what, s)
		return 0, false
	}
	return d, true
}

// float returns a finite number.
func (p *parser) float(n *yaml.Node, what string) (float64, bool) {
	s, ok := p.scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.fail(n, "write a number such as 0.5", "%s %q is not a number", what, s)
		return 0, false
	}
	return v, true
}
