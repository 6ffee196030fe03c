package fault

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file is the rule grammar: the file, its rules (name, match, key,
// fault / sequence / rate_limit, then, rate / every, phase, connection,
// continue, max_keys) and the dispatch of a fault's keys to the catalogue.
// Each kind parses its own value in its own file; the YAML value helpers are
// in yamlvalue.go.

// LoadRules reads and parses a rule file.
func LoadRules(path string) (*RuleSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fault: read rule file %s: %w (fix: check the path given for the fault rules)", path, err)
	}
	return ParseRules(data, path)
}

// ParseRules parses a YAML rule file. Every error names filename:line:col.
func ParseRules(data []byte, filename string) (*RuleSet, error) {
	p := newParser(filename)
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.Syntax(err)
		return nil, ParseErrors(p.Errs)
	}
	rs := &RuleSet{File: filename}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.Fail(nil, "start the file with `rules:` and a list of rules", "empty rule file")
		return nil, ParseErrors(p.Errs)
	}
	p.Mapping(doc.Content[0], "the rule file", []string{"seed", "rules"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "seed":
			if s, ok := p.Scalar(v, "seed"); ok {
				u, err := strconv.ParseUint(s, 0, 64)
				if err != nil {
					p.Fail(v, "use a non-negative integer such as 42", "seed %q is not an unsigned 64-bit integer", s)
					return
				}
				rs.Seed, rs.HasSeed = u, true
			}
		case "rules":
			rs.Rules = p.rules(v)
		}
	})
	if len(p.Errs) > 0 {
		return nil, ParseErrors(p.Errs)
	}
	return rs, nil
}

// rules parses the rule list; names must be unique.
func (p *parser) rules(v *yaml.Node) []Rule {
	if v.Kind != yaml.SequenceNode {
		p.Fail(v, "write `rules:` followed by `- name: ...` items", "rules must be a list")
		return nil
	}
	var out []Rule
	names := map[string]*yaml.Node{}
	for _, rn := range v.Content {
		ru, ok := p.rule(rn)
		if !ok {
			continue
		}
		if prev, dup := names[ru.Name]; dup {
			p.Fail(rn, "give every rule a unique name", "duplicate rule name %q (first at line %d)", ru.Name, prev.Line)
			continue
		}
		names[ru.Name] = rn
		out = append(out, ru)
	}
	return out
}

var ruleKeys = []string{"name", "description", "match", "key", "fault", "sequence", "then", "rate", "every",
	"phase", "connection", "continue", "commit", "rate_limit", "max_keys"}

// badNameChars may not appear in a rule name: labels and the admin API use them.
const badNameChars = "/,;\r\n"

// ruleNodes remembers where the keys that constrain each other were.
type ruleNodes struct {
	name                                     bool
	fault, seq, then, rate, every, rateLimit *yaml.Node
}

// rule parses one rule; ok is false when it had problems.
func (p *parser) rule(n *yaml.Node) (Rule, bool) {
	before := len(p.Errs)
	ru := Rule{Key: string(KeyGlobal), Connection: ConnAny, MaxKeys: DefaultMaxKeys,
		Pos: Position{File: p.File, Line: n.Line, Col: n.Column}}
	var at ruleNodes
	p.Mapping(n, "a rule", ruleKeys, func(key string, _, v *yaml.Node) { p.ruleField(&ru, &at, key, v) })
	if n.Kind != yaml.MappingNode {
		return ru, false
	}
	p.ruleShape(n, &ru, &at)
	if len(p.Errs) > before {
		return ru, false
	}
	ru.compile()
	return ru, true
}

// ruleField parses one key of a rule.
func (p *parser) ruleField(ru *Rule, at *ruleNodes, key string, v *yaml.Node) {
	switch key {
	case "name":
		p.ruleName(ru, at, v)
	case "description":
		ru.Description, _ = p.Scalar(v, "description")
	case "match":
		p.match(v, &ru.Match)
	case "key":
		p.key(v, ru)
	case "fault":
		at.fault = v
		ru.Fault = p.fault(v, "fault")
	case "sequence":
		at.seq = v
		p.sequence(v, ru)
	case "then":
		at.then = v
		if t, ok := parseEnum(p, v, "then", "then", thens); ok {
			ru.Then = t
		}
	case "rate":
		at.rate = v
		p.rate(v, ru)
	case "every":
		at.every = v
		p.every(v, ru)
	case "phase":
		ru.Phase = p.phase(v)
	case "connection":
		if c, ok := parseEnum(p, v, "connection", "connection scope", connScopes); ok {
			ru.Connection = c
		}
	case "continue":
		ru.Continue, _ = p.boolean(v, "continue")
	case "commit":
		ru.Commit, _ = p.boolean(v, "commit")
	case "rate_limit":
		at.rateLimit = v
		ru.RateLimit = p.rateLimit(v)
	case "max_keys":
		if m, ok := p.integer(v, "max_keys", 1, 1<<24); ok {
			ru.MaxKeys = int(m)
		}
	}
}

// ruleShape checks how a rule's keys go together.
func (p *parser) ruleShape(n *yaml.Node, ru *Rule, at *ruleNodes) {
	if !at.name {
		p.Fail(n, "add `name: something-unique`", "rule has no name")
	}
	count := 0
	for _, x := range []*yaml.Node{at.fault, at.seq, at.rateLimit} {
		if x != nil {
			count++
		}
	}
	switch {
	case count == 0:
		p.Fail(n, "add `fault:`, `sequence:` or `rate_limit:`", "rule %q has no fault", ru.Name)
	case count > 1:
		p.Fail(n, "keep exactly one of them", "rule %q sets more than one of fault, sequence and rate_limit", ru.Name)
	}
	if at.rate != nil && at.every != nil {
		p.Fail(at.every, "keep either rate or every", "rate and every cannot both be set")
	}
	if (at.rate != nil || at.every != nil) && at.fault == nil {
		where := at.rate
		if where == nil {
			where = at.every
		}
		p.Fail(where, "use rate/every with `fault:`; a sequence already says which requests fail", "rate and every apply only to `fault:`")
	}
	if at.then != nil && at.seq == nil {
		p.Fail(at.then, "add a `sequence:` or drop `then:`", "then applies only to a sequence")
	}
	if at.seq != nil && ru.Then == "" {
		ru.Then = ThenPass
	}
}

func (p *parser) ruleName(ru *Rule, at *ruleNodes, v *yaml.Node) {
	s, ok := p.Scalar(v, "name")
	if !ok {
		return
	}
	if strings.TrimSpace(s) == "" {
		p.Fail(v, "give the rule a short name such as checkout-retries", "rule name is empty")
		return
	}
	if strings.ContainsAny(s, badNameChars) {
		p.Fail(v, "use letters, digits, '-' and '_'", "rule name %q contains '/', ',', ';' or a line break", s)
		return
	}
	ru.Name, at.name = s, true
}

func (p *parser) rate(v *yaml.Node, ru *Rule) {
	if f, ok := p.float(v, "rate"); ok {
		if f < 0 || f > 1 {
			p.Fail(v, "use a probability between 0 and 1, e.g. 0.2", "rate %v is outside [0,1]", f)
			return
		}
		ru.Rate = &f
	}
}

func (p *parser) match(n *yaml.Node, m *Match) {
	p.Mapping(n, "match", []string{"method", "path", "operation", "headers", "query"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "method":
			p.methods(v, m)
		case "path":
			p.path(v, m)
		case "operation":
			m.Operation, _ = p.str(v, "operation")
		case "headers", "query":
			out := map[string]string{}
			p.Mapping(v, key, nil2allow(v), func(name string, _, val *yaml.Node) {
				if s, ok := p.Scalar(val, key+" "+name); ok {
					out[name] = s
				}
			})
			if key == "headers" {
				m.Headers = out
			} else {
				m.Query = out
			}
		}
	})
}

// methods parses one method or a list of them.
func (p *parser) methods(v *yaml.Node, m *Match) {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	for _, it := range items {
		if s, ok := p.str(it, "method"); ok {
			if strings.ContainsAny(s, " \t/") {
				p.Fail(it, "use an HTTP method such as GET", "method %q is not a token", s)
				continue
			}
			m.Methods = append(m.Methods, strings.ToUpper(s))
		}
	}
}

// path parses a literal path or a template with at most one {param} per segment.
func (p *parser) path(v *yaml.Node, m *Match) {
	s, ok := p.str(v, "path")
	if !ok {
		return
	}
	if !strings.HasPrefix(s, "/") {
		p.Fail(v, "start the path with /, e.g. /books/{bookId}", "path %q does not start with /", s)
		return
	}
	if strings.Count(s, "{") != strings.Count(s, "}") {
		p.Fail(v, "close every {param}", "path %q has unbalanced braces", s)
		return
	}
	for _, seg := range strings.Split(s, "/") {
		if strings.Count(seg, "{") > 1 {
			p.Fail(v, "use at most one {param} per segment", "path %q has two parameters in one segment", s)
			return
		}
	}
	m.Path = s
}

func (p *parser) key(n *yaml.Node, ru *Rule) {
	s, ok := p.str(n, "key")
	if !ok {
		return
	}
	if _, _, pr := splitKey(s); pr != nil {
		p.report(n, pr)
		return
	}
	ru.Key = s
}

func (p *parser) every(n *yaml.Node, ru *Rule) {
	s, ok := p.Scalar(n, "every")
	if !ok {
		return
	}
	k, nn, pr := parseEvery(s)
	if pr != nil {
		p.report(n, pr)
		return
	}
	ru.Every, ru.everyK, ru.everyN = s, k, nn
}

func (p *parser) phase(n *yaml.Node) *Phase {
	ph := &Phase{From: PhaseFromEngine}
	var timed, counted *yaml.Node
	p.Mapping(n, "phase", []string{"after", "for", "after_requests", "for_requests", "from"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "after", "for":
			timed = k
			if d, ok := p.duration(v, "phase."+key); ok {
				if key == "after" {
					ph.After = d
				} else {
					ph.For = d
				}
			}
		case "after_requests", "for_requests":
			counted = k
			if c, ok := p.integer(v, "phase."+key, 0, math.MaxInt64); ok {
				if key == "after_requests" {
					ph.AfterRequests = uint64(c)
				} else {
					ph.ForRequests = uint64(c)
				}
			}
		case "from":
			if s, ok := parseEnum(p, v, "phase.from", "phase start", phaseStarts); ok {
				ph.From = s
			}
		}
	})
	if timed != nil && counted != nil {
		p.Fail(counted, "phase either by time (after/for) or by count (after_requests/for_requests)", "phase mixes time and request counts")
	}
	return ph
}

func (p *parser) sequence(n *yaml.Node, ru *Rule) {
	if n.Kind != yaml.SequenceNode {
		p.Fail(n, "write e.g. [{status: 503, retry_after: 1}, pass]", "sequence must be a list")
		return
	}
	if len(n.Content) == 0 {
		p.Fail(n, "list at least one step", "sequence is empty")
		return
	}
	for i, step := range n.Content {
		if step.Kind == yaml.ScalarNode && step.Value == "pass" {
			ru.Sequence = append(ru.Sequence, nil)
			continue
		}
		ru.Sequence = append(ru.Sequence, p.fault(step, fmt.Sprintf("sequence step %d", i+1)))
	}
}

// fault parses one fault: a mapping of catalogue names, a bare name, or a
// status code. Each key goes to its kind's parser.
func (p *parser) fault(n *yaml.Node, where string) *Fault {
	if !p.Plain(n) {
		return nil
	}
	before := len(p.Errs)
	f := &Fault{}
	if n.Kind == yaml.ScalarNode {
		if code, err := strconv.Atoi(n.Value); err == nil {
			f.Status = p.statusCode(n, code)
		} else if isBare(n.Value) {
			kindNamed(n.Value).parse(p, &yaml.Node{Kind: yaml.ScalarNode, Value: "true", Line: n.Line, Column: n.Column}, f)
		} else {
			hint := "use a mapping such as {status: 503}, a status code, or one of " + bareNames()
			if strings.HasPrefix(where, "sequence step") {
				// Only a sequence step may be `pass` (no fault this time).
				hint = "use a mapping such as {status: 503}, a status code, `pass`, or one of " + bareNames()
			}
			p.Fail(n, hint, "unknown fault %q in %s", n.Value, where)
			return nil
		}
	} else {
		resolve := func(key string) (string, bool) {
			if k := kindNamed(key); k != nil {
				return k.Name, true
			}
			return key, false
		}
		p.Walk(n, where, kindList(), resolve, func(key string, _, v *yaml.Node) {
			kindNamed(key).parse(p, v, f)
		})
	}
	if len(p.Errs) > before {
		return nil
	}
	if err := f.Validate(); err != nil {
		p.Fail(n, "", "%s: %v", where, err)
		return nil
	}
	return f
}
