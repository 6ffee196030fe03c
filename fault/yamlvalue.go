package fault

import (
	"fmt"
	"math"
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
// problems (at most maxParseErrors) instead of stopping at the first.
type parser struct {
	yamlpos.Walker
}

// newParser returns a parser for the file named file.
func newParser(file string) *parser {
	return &parser{yamlpos.Walker{File: file, Max: maxParseErrors}}
}

// report records a shared problem at n.
func (p *parser) report(n *yaml.Node, pr *problem) { p.Fail(n, pr.hint, "%s", pr.msg) }

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

// str returns a single non-empty value.
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	s, ok := p.Scalar(n, what)
	if ok && s == "" {
		p.Fail(n, "give a non-empty value", "%s is empty", what)
		return "", false
	}
	return s, ok
}

// boolean returns true or false.
func (p *parser) boolean(n *yaml.Node, what string) (bool, bool) {
	s, ok := p.Scalar(n, what)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	p.Fail(n, "write true or false", "%s must be true or false, not %q", what, s)
	return false, false
}

// integer returns a whole number in [lo, hi].
func (p *parser) integer(n *yaml.Node, what string, lo, hi int64) (int64, bool) {
	s, ok := p.Scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.Fail(n, fmt.Sprintf("write a whole number between %d and %d", lo, hi), "%s %q is not an integer", what, s)
		return 0, false
	}
	if v < lo || v > hi {
		p.Fail(n, fmt.Sprintf("use a value between %d and %d", lo, hi), "%s %d is out of range", what, v)
		return 0, false
	}
	return v, true
}

// duration returns a Go duration of 0 or more.
func (p *parser) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := p.Scalar(n, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			p.Fail(n, "add a unit, e.g. "+s+"s or "+s+"ms", "%s %q has no unit", what, s)
		} else {
			p.Fail(n, "write a duration such as 250ms, 2s or 1m30s", "%s %q is not a duration", what, s)
		}
		return 0, false
	}
	if d < 0 {
		p.Fail(n, "use a duration of 0 or more", "%s %s is negative", what, s)
		return 0, false
	}
	return d, true
}

// float returns a finite number.
func (p *parser) float(n *yaml.Node, what string) (float64, bool) {
	s, ok := p.Scalar(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.Fail(n, "write a number such as 0.5", "%s %q is not a number", what, s)
		return 0, false
	}
	return v, true
}
