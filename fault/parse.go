package fault

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxParseErrors bounds how many problems one parse reports.
const maxParseErrors = 20

// ParseError is one problem in a rule file or header, with its place.
type ParseError struct {
	Pos  Position
	Msg  string
	Hint string
}

// Error renders FILE:LINE:COL: reason (fix hint).
func (e *ParseError) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s", e.Pos.File, e.Pos.Line, e.Pos.Col, e.Msg)
	if e.Hint != "" {
		s += " (fix: " + e.Hint + ")"
	}
	return s
}

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

type parser struct {
	file string
	errs ParseErrors
}

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
	p := &parser{file: filename}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 1
		msg := err.Error()
		if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
			if num, tail, ok := strings.Cut(rest, ": "); ok {
				if n, convErr := strconv.Atoi(num); convErr == nil {
					line, msg = n, tail
				}
			}
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		p.errs = append(p.errs, &ParseError{Pos: Position{File: filename, Line: line, Col: 1},
			Msg: "invalid YAML: " + msg, Hint: "check indentation and quoting near this line"})
		return nil, p.errs
	}
	rs := &RuleSet{File: filename}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.fail(nil, "start the file with `rules:` and a list of rules", "empty rule file")
		return nil, p.errs
	}
	root := doc.Content[0]
	names := map[string]*yaml.Node{}
	p.mapping(root, "the rule file", []string{"seed", "rules"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "seed":
			if s, ok := p.scalar(v, "seed"); ok {
				u, err := strconv.ParseUint(s, 0, 64)
				if err != nil {
					p.fail(v, "use a non-negative integer such as 42", "seed %q is not an unsigned 64-bit integer", s)
					return
				}
				rs.Seed, rs.HasSeed = u, true
			}
		case "rules":
			if v.Kind != yaml.SequenceNode {
				p.fail(v, "write `rules:` followed by `- name: ...` items", "rules must be a list")
				return
			}
			for _, rn := range v.Content {
				ru, ok := p.rule(rn)
				if !ok {
					continue
				}
				if prev, dup := names[ru.Name]; dup {
					p.fail(rn, "give every rule a unique name", "duplicate rule name %q (first at line %d)", ru.Name, prev.Line)
					continue
				}
				names[ru.Name] = rn
				rs.Rules = append(rs.Rules, ru)
			}
		}
	})
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return rs, nil
}

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
	if !p.plain(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n, "write "+where+" as `key: value` pairs", "%s must be a mapping, not %s", where, kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.fail(k, "use plain names as keys", "keys in %s must be plain names", where)
			continue
		}
		if seen[k.Value] {
			p.fail(k, "remove one of them", "duplicate key %q in %s", k.Value, where)
			continue
		}
		seen[k.Value] = true
		known := false
		for _, a := range allowed {
			if a == k.Value {
				known = true
				break
			}
		}
		if !known {
			p.fail(k, "allowed keys: "+strings.Join(allowed, ", "), "unknown key %q in %s", k.Value, where)
			continue
		}
		if !p.plain(v) {
			continue
		}
		fn(k.Value, k, v)
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	default:
		return "this node"
	}
}

func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.fail(n, "give a single value", "%s must be a single value, not %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	s, ok := p.scalar(n, what)
	if ok && s == "" {
		p.fail(n, "give a non-empty value", "%s is empty", what)
		return "", false
	}
	return s, ok
}

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

var ruleKeys = []string{"name", "description", "match", "key", "fault", "sequence", "then", "rate", "every",
	"phase", "connection", "continue", "rate_limit", "max_keys"}

func (p *parser) rule(n *yaml.Node) (Rule, bool) {
	before := len(p.errs)
	ru := Rule{Key: KeyGlobal, Connection: ConnAny, MaxKeys: DefaultMaxKeys,
		Pos: Position{File: p.file, Line: n.Line, Col: n.Column}}
	var faultNode, seqNode, thenNode, rateNode, everyNode, limitNode *yaml.Node
	nameSet := false
	p.mapping(n, "a rule", ruleKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			if s, ok := p.scalar(v, "name"); ok {
				if strings.TrimSpace(s) == "" {
					p.fail(v, "give the rule a short name such as checkout-retries", "rule name is empty")
					return
				}
				if strings.ContainsAny(s, "/,;\r\n") {
					p.fail(v, "use letters, digits, '-' and '_'", "rule name %q contains '/', ',', ';' or a line break", s)
					return
				}
				ru.Name, nameSet = s, true
			}
		case "description":
			ru.Description, _ = p.scalar(v, "description")
		case "match":
			p.match(v, &ru.Match)
		case "key":
			p.key(v, &ru)
		case "fault":
			faultNode = v
			ru.Fault = p.fault(v, "fault")
		case "sequence":
			seqNode = v
			p.sequence(v, &ru)
		case "then":
			thenNode = v
			if s, ok := p.scalar(v, "then"); ok {
				switch s {
				case ThenPass, ThenRepeatLast, ThenCycle:
					ru.Then = s
				default:
					p.fail(v, "use repeat-last, cycle or pass", "unknown then %q", s)
				}
			}
		case "rate":
			rateNode = v
			if f, ok := p.float(v, "rate"); ok {
				if f < 0 || f > 1 {
					p.fail(v, "use a probability between 0 and 1, e.g. 0.2", "rate %v is outside [0,1]", f)
					return
				}
				ru.Rate = &f
			}
		case "every":
			everyNode = v
			p.every(v, &ru)
		case "phase":
			ru.Phase = p.phase(v)
		case "connection":
			if s, ok := p.scalar(v, "connection"); ok {
				switch s {
				case ConnAny, ConnFresh, ConnReused:
					ru.Connection = s
				default:
					p.fail(v, "use any, fresh or reused", "unknown connection scope %q", s)
				}
			}
		case "continue":
			ru.Continue, _ = p.boolean(v, "continue")
		case "rate_limit":
			limitNode = v
			ru.RateLimit = p.rateLimit(v)
		case "max_keys":
			if m, ok := p.integer(v, "max_keys", 1, 1<<24); ok {
				ru.MaxKeys = int(m)
			}
		}
	})
	if n.Kind != yaml.MappingNode {
		return ru, false
	}
	if !nameSet {
		p.fail(n, "add `name: something-unique`", "rule has no name")
	}
	count := 0
	for _, x := range []*yaml.Node{faultNode, seqNode, limitNode} {
		if x != nil {
			count++
		}
	}
	switch {
	case count == 0:
		p.fail(n, "add `fault:`, `sequence:` or `rate_limit:`", "rule %q has no fault", ru.Name)
	case count > 1:
		p.fail(n, "keep exactly one of them", "rule %q sets more than one of fault, sequence and rate_limit", ru.Name)
	}
	if rateNode != nil && everyNode != nil {
		p.fail(everyNode, "keep either rate or every", "rate and every cannot both be set")
	}
	if (rateNode != nil || everyNode != nil) && faultNode == nil {
		at := rateNode
		if at == nil {
			at = everyNode
		}
		p.fail(at, "use rate/every with `fault:`; a sequence already says which requests fail", "rate and every apply only to `fault:`")
	}
	if thenNode != nil && seqNode == nil {
		p.fail(thenNode, "add a `sequence:` or drop `then:`", "then applies only to a sequence")
	}
	if seqNode != nil && ru.Then == "" {
		ru.Then = ThenPass
	}
	if len(p.errs) > before {
		return ru, false
	}
	ru.compile()
	return ru, true
}

func (p *parser) match(n *yaml.Node, m *Match) {
	p.mapping(n, "match", []string{"method", "path", "operation", "headers", "query"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "method":
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
			}
			for _, it := range items {
				if s, ok := p.str(it, "method"); ok {
					if strings.ContainsAny(s, " \t/") {
						p.fail(it, "use an HTTP method such as GET", "method %q is not a token", s)
						continue
					}
					m.Methods = append(m.Methods, strings.ToUpper(s))
				}
			}
		case "path":
			if s, ok := p.str(v, "path"); ok {
				if !strings.HasPrefix(s, "/") {
					p.fail(v, "start the path with /, e.g. /books/{bookId}", "path %q does not start with /", s)
					return
				}
				if strings.Count(s, "{") != strings.Count(s, "}") {
					p.fail(v, "close every {param}", "path %q has unbalanced braces", s)
					return
				}
				for _, seg := range strings.Split(s, "/") {
					if strings.Count(seg, "{") > 1 {
						p.fail(v, "use at most one {param} per segment", "path %q has two parameters in one segment", s)
						return
					}
				}
				m.Path = s
			}
		case "operation":
			m.Operation, _ = p.str(v, "operation")
		case "headers", "query":
			out := map[string]string{}
			p.mapping(v, key, nil2allow(v), func(name string, _, val *yaml.Node) {
				if s, ok := p.scalar(val, key+" "+name); ok {
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

func (p *parser) key(n *yaml.Node, ru *Rule) {
	s, ok := p.str(n, "key")
	if !ok {
		return
	}
	kind, name, hasName := strings.Cut(s, ":")
	switch kind {
	case KeyGlobal, KeyConnection:
		if hasName {
			p.fail(n, "write just `"+kind+"`", "key %q takes no name", s)
			return
		}
	case KeyHeader, KeyQuery:
		if strings.TrimSpace(name) == "" {
			p.fail(n, "name it, e.g. "+kind+":Idempotency-Key", "key %q needs a name after the colon", s)
			return
		}
	default:
		p.fail(n, "use global, header:NAME, query:NAME or connection", "unknown key kind %q", kind)
		return
	}
	ru.Key = s
}

func (p *parser) every(n *yaml.Node, ru *Rule) {
	s, ok := p.scalar(n, "every")
	if !ok {
		return
	}
	a, b, found := strings.Cut(s, "/")
	k, errK := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
	nn, errN := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
	if !found || errK != nil || errN != nil || k == 0 || k > nn {
		p.fail(n, `write "k/n" with 0 < k <= n, e.g. "1/5"`, "every %q is not k/n with 0<k<=n", s)
		return
	}
	ru.Every, ru.everyK, ru.everyN = s, k, nn
}

func (p *parser) phase(n *yaml.Node) *Phase {
	ph := &Phase{From: PhaseFromEngine}
	var timed, counted *yaml.Node
	p.mapping(n, "phase", []string{"after", "for", "after_requests", "for_requests", "from"}, func(key string, k, v *yaml.Node) {
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
			if s, ok := p.scalar(v, "phase.from"); ok {
				if s != PhaseFromEngine && s != PhaseFromArm {
					p.fail(v, "use engine or arm", "unknown phase start %q", s)
					return
				}
				ph.From = s
			}
		}
	})
	if timed != nil && counted != nil {
		p.fail(counted, "phase either by time (after/for) or by count (after_requests/for_requests)", "phase mixes time and request counts")
	}
	return ph
}

func (p *parser) rateLimit(n *yaml.Node) *RateLimit {
	rl := &RateLimit{}
	before := len(p.errs)
	var capSet, refillSet bool
	p.mapping(n, "rate_limit", []string{"capacity", "refill_every"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "capacity":
			if c, ok := p.integer(v, "rate_limit.capacity", 1, 1<<30); ok {
				rl.Capacity, capSet = int(c), true
			}
		case "refill_every":
			if d, ok := p.duration(v, "rate_limit.refill_every"); ok {
				if d == 0 {
					p.fail(v, "use a positive duration such as 1s", "rate_limit.refill_every must be positive")
					return
				}
				rl.RefillEvery, refillSet = d, true
			}
		}
	})
	if n.Kind == yaml.MappingNode && (!capSet || !refillSet) && len(p.errs) == before {
		p.fail(n, "write e.g. {capacity: 5, refill_every: 1s}", "rate_limit needs capacity and refill_every")
	}
	return rl
}

func (p *parser) sequence(n *yaml.Node, ru *Rule) {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "write e.g. [{status: 503, retry_after: 1}, pass]", "sequence must be a list")
		return
	}
	if len(n.Content) == 0 {
		p.fail(n, "list at least one step", "sequence is empty")
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

// bareFaults are fault names that need no parameters.
var bareFaults = map[string]bool{"hang": true, "close": true, "reset": true, "malformed_chunk": true,
	"garbage": true, "stall_body": true, "truncate": true}

// fault parses one fault: a mapping of catalogue names, a bare name, or a
// status code.
func (p *parser) fault(n *yaml.Node, where string) *Fault {
	if !p.plain(n) {
		return nil
	}
	before := len(p.errs)
	f := &Fault{}
	if n.Kind == yaml.ScalarNode {
		if code, err := strconv.Atoi(n.Value); err == nil {
			f.Status = p.statusCode(n, code)
		} else if bareFaults[n.Value] {
			p.faultField(f, n.Value, n, &yaml.Node{Kind: yaml.ScalarNode, Value: "true", Line: n.Line, Column: n.Column})
		} else {
			p.fail(n, "use a mapping such as {status: 503}, a status code, `pass`, or one of "+bareList(),
				"unknown fault %q in %s", n.Value, where)
			return nil
		}
	} else {
		p.mapping(n, where, faultNames[:], func(key string, k, v *yaml.Node) {
			p.faultField(f, key, k, v)
		})
	}
	if len(p.errs) > before {
		return nil
	}
	if err := f.Validate(); err != nil {
		p.fail(n, "", "%s: %v", where, err)
		return nil
	}
	return f
}

func bareList() string {
	names := make([]string, 0, len(bareFaults))
	for k := range bareFaults {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (p *parser) statusCode(n *yaml.Node, code int) *Status {
	if code < 200 || code > 599 {
		p.fail(n, "use a final status between 200 and 599", "status code %d is not a valid final HTTP status", code)
		return nil
	}
	return &Status{Code: code}
}

// flag parses `true`, `false`, a duration (for a max) or a mapping.
func (p *parser) faultField(f *Fault, name string, k, v *yaml.Node) {
	switch name {
	case "status":
		f.Status = p.status(v)
	case "retry_after":
		f.RetryAfter = p.retryAfter(v)
	case "latency":
		f.Latency = p.latency(v)
	case "hang":
		if d, ok := p.maxOnly(v, "hang"); ok {
			f.Hang = &Hang{Max: d}
		}
	case "stall_body":
		if d, ok := p.maxOnly(v, "stall_body"); ok {
			f.StallBody = &StallBody{Max: d}
		}
	case "close":
		f.Close, _ = p.boolean(v, "close")
	case "reset":
		f.Reset, _ = p.boolean(v, "reset")
	case "malformed_chunk":
		f.MalformedChunk, _ = p.boolean(v, "malformed_chunk")
	case "refuse":
		r := &Refuse{}
		if v.Kind == yaml.ScalarNode {
			r.For, _ = p.duration(v, "refuse")
		} else {
			p.mapping(v, "refuse", []string{"for"}, func(_ string, _, fv *yaml.Node) { r.For, _ = p.duration(fv, "refuse.for") })
		}
		if r.For == 0 {
			p.fail(v, "give the window, e.g. refuse: 2s", "refuse needs a positive window")
			return
		}
		f.Refuse = r
	case "dribble":
		d := &Dribble{}
		p.mapping(v, "dribble", []string{"chunks", "duration"}, func(key string, _, fv *yaml.Node) {
			if key == "chunks" {
				c, _ := p.integer(fv, "dribble.chunks", 1, 1<<20)
				d.Chunks = int(c)
			} else {
				d.Duration, _ = p.duration(fv, "dribble.duration")
			}
		})
		if v.Kind == yaml.MappingNode && (d.Chunks == 0 || d.Duration == 0) {
			p.fail(v, "write e.g. {chunks: 5, duration: 2s}", "dribble needs chunks >= 1 and a positive duration")
			return
		}
		f.Dribble = d
	case "throttle":
		t := &Throttle{}
		if v.Kind == yaml.ScalarNode {
			t.BytesPerSecond, _ = p.integer(v, "throttle", 1, math.MaxInt64)
		} else {
			p.mapping(v, "throttle", []string{"bytes_per_second"}, func(_ string, _, fv *yaml.Node) {
				t.BytesPerSecond, _ = p.integer(fv, "throttle.bytes_per_second", 1, math.MaxInt64)
			})
		}
		if t.BytesPerSecond == 0 {
			p.fail(v, "write e.g. throttle: {bytes_per_second: 1024}", "throttle needs bytes_per_second >= 1")
			return
		}
		f.Throttle = t
	case "truncate":
		f.Truncate = p.truncate(v)
	case "garbage":
		g := &Garbage{Bytes: 64}
		switch {
		case v.Kind == yaml.ScalarNode && v.Value == "true":
		case v.Kind == yaml.ScalarNode:
			b, ok := p.integer(v, "garbage", 1, 1<<20)
			if !ok {
				return
			}
			g.Bytes = int(b)
		default:
			p.mapping(v, "garbage", []string{"bytes"}, func(_ string, _, fv *yaml.Node) {
				b, _ := p.integer(fv, "garbage.bytes", 1, 1<<20)
				g.Bytes = int(b)
			})
		}
		if g.Bytes > 0 {
			f.Garbage = g
		}
	case "contract":
		c := &Contract{}
		if v.Kind == yaml.ScalarNode {
			c.Kind = v.Value
		} else {
			p.mapping(v, "contract", []string{"kind", "content_type"}, func(key string, _, fv *yaml.Node) {
				if key == "kind" {
					c.Kind, _ = p.scalar(fv, "contract.kind")
				} else {
					c.ContentType, _ = p.str(fv, "contract.content_type")
				}
			})
		}
		switch c.Kind {
		case ContractWrongContentType, ContractInvalidJSON, ContractSchemaViolation:
			f.Contract = c
		default:
			p.fail(v, "use wrong_content_type, invalid_json or schema_violation", "unknown contract fault %q", c.Kind)
		}
	}
}

// maxOnly parses `true`, a duration (the max) or {max: duration}.
func (p *parser) maxOnly(v *yaml.Node, name string) (time.Duration, bool) {
	if v.Kind == yaml.ScalarNode {
		if v.Value == "true" {
			return 0, true
		}
		return p.duration(v, name+" max")
	}
	var d time.Duration
	ok := true
	p.mapping(v, name, []string{"max"}, func(_ string, _, fv *yaml.Node) { d, ok = p.duration(fv, name+".max") })
	return d, ok && v.Kind == yaml.MappingNode
}

func (p *parser) status(v *yaml.Node) *Status {
	if v.Kind == yaml.ScalarNode {
		code, ok := p.integer(v, "status", math.MinInt32, math.MaxInt32)
		if !ok {
			return nil
		}
		return p.statusCode(v, int(code))
	}
	st := &Status{}
	before := len(p.errs)
	var codeSet bool
	p.mapping(v, "status", []string{"code", "headers", "body"}, func(key string, k, fv *yaml.Node) {
		switch key {
		case "code":
			if c, ok := p.integer(fv, "status.code", math.MinInt32, math.MaxInt32); ok {
				if s := p.statusCode(fv, int(c)); s != nil {
					st.Code, codeSet = s.Code, true
				}
			}
		case "headers":
			st.Headers = map[string]string{}
			p.mapping(fv, "status.headers", nil2allow(fv), func(name string, hk, hv *yaml.Node) {
				if !validHeaderName(name) {
					p.fail(hk, "use a header token such as X-Reason", "invalid header name %q", name)
					return
				}
				if s, ok := p.scalar(hv, "header "+name); ok {
					if strings.ContainsAny(s, "\r\n") {
						p.fail(hv, "keep header values on one line", "header %s value contains a line break", name)
						return
					}
					st.Headers[name] = s
				}
			})
		case "body":
			if s, ok := p.scalar(fv, "status.body"); ok {
				st.Body = &s
			}
		}
	})
	if v.Kind == yaml.MappingNode && !codeSet && len(p.errs) == before {
		p.fail(v, "add `code: 503`", "status needs a code")
	}
	if !codeSet {
		return nil
	}
	return st
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

func (p *parser) retryAfter(v *yaml.Node) *RetryAfter {
	if v.Kind == yaml.MappingNode {
		ra := &RetryAfter{}
		before := len(p.errs)
		p.mapping(v, "retry_after", []string{"in", "raw"}, func(key string, _, fv *yaml.Node) {
			if key == "in" {
				if d, ok := p.duration(fv, "retry_after.in"); ok {
					ra.Kind, ra.In = RetryAfterIn, d
				}
			} else if s, ok := p.scalar(fv, "retry_after.raw"); ok {
				if strings.ContainsAny(s, "\r\n") {
					p.fail(fv, "keep the value on one line", "retry_after.raw contains a line break")
					return
				}
				ra.Kind, ra.Raw = RetryAfterRaw, s
			}
		})
		if ra.Kind == "" {
			if len(p.errs) == before {
				p.fail(v, "write {in: 30s} or {raw: \"text\"}", "retry_after mapping needs in or raw")
			}
			return nil
		}
		return ra
	}
	s, ok := p.scalar(v, "retry_after")
	if !ok {
		return nil
	}
	switch RetryAfterKind(s) {
	case RetryAfterPast, RetryAfterHuge, RetryAfterInvalid:
		return &RetryAfter{Kind: RetryAfterKind(s)}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			p.fail(v, "use 0 or more seconds; for a broken value write retry_after: invalid", "retry_after %d is negative", n)
			return nil
		}
		return &RetryAfter{Kind: RetryAfterSeconds, Seconds: n}
	}
	if _, err := http.ParseTime(s); err == nil {
		return &RetryAfter{Kind: RetryAfterDate, Raw: s}
	}
	p.fail(v, "use seconds (1), an HTTP-date (Sun, 06 Nov 1994 08:49:37 GMT), past, huge, invalid, {in: 30s} or {raw: ...}",
		"retry_after %q is not a Retry-After value", s)
	return nil
}

func (p *parser) latency(v *yaml.Node) *Latency {
	if v.Kind == yaml.ScalarNode {
		d, ok := p.duration(v, "latency")
		if !ok {
			return nil
		}
		return &Latency{Dist: DistFixed, Value: d}
	}
	l := &Latency{Dist: DistFixed}
	set := map[string]*yaml.Node{}
	p.mapping(v, "latency", []string{"dist", "value", "min", "max", "mean", "stddev", "median", "sigma"}, func(key string, k, fv *yaml.Node) {
		set[key] = k
		switch key {
		case "dist":
			if s, ok := p.scalar(fv, "latency.dist"); ok {
				switch s {
				case DistFixed, DistUniform, DistNormal, DistLognormal:
					l.Dist = s
				default:
					p.fail(fv, "use fixed, uniform, normal or lognormal", "unknown latency dist %q", s)
				}
			}
		case "sigma":
			if f, ok := p.float(fv, "latency.sigma"); ok {
				if f < 0 || f > 10 {
					p.fail(fv, "use a sigma between 0 and 10, e.g. 0.5", "latency.sigma %v is out of range", f)
					return
				}
				l.Sigma = f
			}
		default:
			d, ok := p.duration(fv, "latency."+key)
			if !ok {
				return
			}
			switch key {
			case "value":
				l.Value = d
			case "min":
				l.Min = d
			case "max":
				l.Max = d
			case "mean":
				l.Mean = d
			case "stddev":
				l.Stddev = d
			case "median":
				l.Median = d
			}
		}
	})
	if v.Kind != yaml.MappingNode {
		return nil
	}
	need := map[string][]string{
		DistFixed:     {"value"},
		DistUniform:   {"min", "max"},
		DistNormal:    {"mean", "stddev"},
		DistLognormal: {"median", "sigma"},
	}
	allowed := map[string][]string{
		DistFixed:     {"dist", "value"},
		DistUniform:   {"dist", "min", "max"},
		DistNormal:    {"dist", "mean", "stddev", "min", "max"},
		DistLognormal: {"dist", "median", "sigma", "min", "max"},
	}
	for _, key := range need[l.Dist] {
		if set[key] == nil {
			p.fail(v, "latency "+l.Dist+" takes "+strings.Join(allowed[l.Dist][1:], ", "), "latency %s needs %s", l.Dist, key)
		}
	}
	for key, k := range set {
		ok := false
		for _, a := range allowed[l.Dist] {
			ok = ok || a == key
		}
		if !ok {
			p.fail(k, "latency "+l.Dist+" takes "+strings.Join(allowed[l.Dist][1:], ", "), "%s does not apply to latency %s", key, l.Dist)
		}
	}
	if l.Max > 0 && l.Min > l.Max {
		p.fail(v, "make min <= max", "latency min %s is above max %s", l.Min, l.Max)
	}
	if l.Dist == DistLognormal && l.Median == 0 && set["median"] != nil {
		p.fail(set["median"], "use a positive median", "latency median must be positive")
	}
	return l
}

func (p *parser) truncate(v *yaml.Node) *Truncate {
	t := &Truncate{Bytes: -1, Fraction: 0.5, End: EndFINName}
	if v.Kind == yaml.ScalarNode {
		if ok, valid := p.boolean(v, "truncate"); !valid || !ok {
			return nil
		}
		return t
	}
	var bytesSet, fracSet *yaml.Node
	p.mapping(v, "truncate", []string{"bytes", "fraction", "end"}, func(key string, k, fv *yaml.Node) {
		switch key {
		case "bytes":
			bytesSet = k
			t.Bytes, _ = p.integer(fv, "truncate.bytes", 0, math.MaxInt64)
		case "fraction":
			fracSet = k
			if f, ok := p.float(fv, "truncate.fraction"); ok {
				if f < 0 || f >= 1 {
					p.fail(fv, "use a fraction in [0,1), e.g. 0.5", "truncate.fraction %v is outside [0,1)", f)
					return
				}
				t.Fraction = f
			}
		case "end":
			if s, ok := p.scalar(fv, "truncate.end"); ok {
				if s != EndFINName && s != EndResetName {
					p.fail(fv, "use fin or reset", "unknown truncate end %q", s)
					return
				}
				t.End = s
			}
		}
	})
	if bytesSet != nil && fracSet != nil {
		p.fail(fracSet, "keep either bytes or fraction", "truncate.bytes and truncate.fraction cannot both be set")
	}
	return t
}

// ErrNoRule is returned (wrapped) by engine methods naming a rule that does not exist.
var ErrNoRule = errors.New("no such rule")
