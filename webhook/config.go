package webhook

import (
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/internal/yamlpos"
)

// This file is the webhooks file: signature scheme, default receiver,
// retry policy, schedules and delivery fault rules. Its problems are
// fault.ParseError values (FILE:LINE:COL: reason (fix: ...)), all of them
// collected, as fault rule files report theirs.
//
//	seed: 7
//	scheme: stripe                  # github (default) | stripe | standard
//	url: http://127.0.0.1:9000/hooks
//	retry: {attempts: 4, backoff: 500ms, max_backoff: 30s, multiplier: 2, jitter: 0.2, timeout: 5s}
//	schedule:
//	  - {webhook: invoice.paid, every: 10s, after: 1s, count: 3}
//	faults:
//	  - {name: dupes, webhook: "invoice.*", rate: 0.5, fault: duplicate}
//	  - {name: replay, times: 1, fault: {stale_timestamp: 1h}}

// File is a parsed webhooks file.
type File struct {
	// Path is where it was read from.
	Path string `json:"path,omitempty"`
	// Seed, when set, seeds jitter, ids and faults (a --seed flag wins).
	Seed *uint64 `json:"seed,omitempty"`
	// Scheme is the signature scheme ("" for the flag's or the default).
	Scheme string `json:"scheme,omitempty"`
	// URL is the default receiver when --webhook-url is not given.
	URL string `json:"url,omitempty"`
	// Retry is the retry policy (zero fields: DefaultRetry).
	Retry Retry `json:"retry"`
	// Schedule fires webhooks on a timer.
	Schedule []Schedule `json:"schedule,omitempty"`
	// Rules are the delivery faults, first match wins.
	Rules []Rule `json:"faults,omitempty"`
}

// Schedule fires Webhook every Every (first after After), Count times (0:
// until stopped), to URL ("" for the default receiver).
type Schedule struct {
	Webhook string         `json:"webhook"`
	URL     string         `json:"url,omitempty"`
	Every   time.Duration  `json:"every"`
	After   time.Duration  `json:"after,omitempty"`
	Count   int            `json:"count,omitempty"`
	Pos     fault.Position `json:"pos"`
}

// LoadFile reads and parses a webhooks file.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhook: read webhooks file %s: %w (fix: check the path given to --webhooks)", path, err)
	}
	return ParseFile(data, path)
}

// ParseFile parses a webhooks file. Every problem names name:line:col; the
// error is a fault.ParseErrors.
func ParseFile(data []byte, name string) (*File, error) {
	p := &parser{yamlpos.Walker{File: name}}
	f := &File{Path: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.Syntax(err)
		return nil, p.errors()
	}
	if len(doc.Content) == 0 {
		p.Fail(nil, "start with `faults:`, `schedule:` or `scheme:`", "empty webhooks file")
		return nil, p.errors()
	}
	p.Mapping(doc.Content[0], "the webhooks file", []string{"seed", "scheme", "url", "retry", "schedule", "faults"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "seed":
			var s uint64
			if p.Decode(v, &s, "seed", "a non-negative integer such as 42") {
				f.Seed = &s
			}
		case "scheme":
			if p.Decode(v, &f.Scheme, "scheme", "one of "+strings.Join(schemeNames, ", ")) && !validScheme(f.Scheme) {
				p.Fail(v, "use one of "+strings.Join(schemeNames, ", "), "unknown signature scheme %q", f.Scheme)
			}
		case "url":
			p.Decode(v, &f.URL, "url", "an absolute http:// URL")
		case "retry":
			f.Retry = p.retry(v)
		case "schedule":
			p.List(v, "schedule", func(n *yaml.Node) { f.Schedule = append(f.Schedule, p.schedule(n)) })
		case "faults":
			p.List(v, "faults", func(n *yaml.Node) { f.Rules = append(f.Rules, p.rule(n, f.Rules)) })
		}
	})
	if len(p.Errs) > 0 {
		return nil, p.errors()
	}
	return f, nil
}

// parser collects positioned problems.
type parser struct {
	yamlpos.Walker
}

// errors is the problems found, as the fault.ParseErrors ParseFile returns.
func (p *parser) errors() fault.ParseErrors { return p.Errs }

// positive decodes a duration above zero.
func (p *parser) positive(n *yaml.Node, out *time.Duration, what string) {
	if p.Decode(n, out, what, "a duration such as 250ms or 2s") && *out <= 0 {
		p.Fail(n, "give a duration above 0, such as 250ms", "%s must be positive", what)
	}
}

func (p *parser) retry(n *yaml.Node) Retry {
	var r Retry
	p.Mapping(n, "retry", []string{"attempts", "backoff", "max_backoff", "multiplier", "jitter", "timeout"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "attempts":
			if p.Decode(v, &r.Attempts, "retry.attempts", "a whole number from 1 to 100") && (r.Attempts < 1 || r.Attempts > 100) {
				p.Fail(v, "use 1 (no retries) to 100", "retry.attempts %d is out of range", r.Attempts)
			}
		case "backoff":
			p.positive(v, &r.Backoff, "retry.backoff")
		case "max_backoff":
			p.positive(v, &r.MaxBackoff, "retry.max_backoff")
		case "timeout":
			p.positive(v, &r.Timeout, "retry.timeout")
		case "multiplier":
			if p.Decode(v, &r.Multiplier, "retry.multiplier", "a number of 1 or more") && (r.Multiplier < 1 || r.Multiplier > 10) {
				p.Fail(v, "use a number from 1 (constant gaps) to 10", "retry.multiplier %v is out of range", r.Multiplier)
			}
		case "jitter":
			if p.Decode(v, &r.Jitter, "retry.jitter", "a fraction such as 0.2") && (r.Jitter < 0 || r.Jitter > 1) {
				p.Fail(v, "use a fraction from 0 to 1, e.g. 0.2", "retry.jitter %v is out of range", r.Jitter)
			}
		}
	})
	return r
}

func (p *parser) schedule(n *yaml.Node) Schedule {
	s := Schedule{Pos: fault.Position{File: p.File, Line: n.Line, Col: n.Column}}
	p.Mapping(n, "a schedule", []string{"webhook", "url", "every", "after", "count"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "webhook":
			p.Decode(v, &s.Webhook, "webhook", "the name of a webhook in the spec")
		case "url":
			p.Decode(v, &s.URL, "url", "an absolute http:// URL")
		case "every":
			p.positive(v, &s.Every, "every")
		case "after":
			p.Decode(v, &s.After, "after", "a duration such as 1s")
		case "count":
			if p.Decode(v, &s.Count, "count", "a whole number") && s.Count < 0 {
				p.Fail(v, "use 0 (no limit) or more", "count %d is negative", s.Count)
			}
		}
	})
	if n.Kind == yaml.MappingNode && (s.Webhook == "" || s.Every == 0) {
		p.Fail(n, "write e.g. {webhook: invoice.paid, every: 10s}", "a schedule needs `webhook:` and `every:`")
	}
	return s
}

func (p *parser) rule(n *yaml.Node, before []Rule) Rule {
	r := Rule{Pos: fault.Position{File: p.File, Line: n.Line, Col: n.Column}}
	hasFault := false
	p.Mapping(n, "a fault rule", []string{"name", "webhook", "rate", "times", "fault"}, func(key string, _, v *yaml.Node) {
		switch key {
		case "name":
			p.Decode(v, &r.Name, "name", "a short unique name")
		case "webhook":
			p.Decode(v, &r.Webhook, "webhook", "a webhook name or a glob such as invoice.*")
		case "rate":
			var f float64
			if p.Decode(v, &f, "rate", "a probability such as 0.2") {
				if f < 0 || f > 1 {
					p.Fail(v, "use a probability between 0 and 1, e.g. 0.2", "rate %v is outside [0,1]", f)
				}
				r.Rate = &f
			}
		case "times":
			if p.Decode(v, &r.Times, "times", "a whole number") && r.Times < 0 {
				p.Fail(v, "use 0 (no limit) or more", "times %d is negative", r.Times)
			}
		case "fault":
			hasFault = true
			r.Fault = p.fault(v)
		}
	})
	if n.Kind != yaml.MappingNode {
		return r
	}
	if r.Name == "" {
		p.Fail(n, "add `name: something-unique`", "fault rule has no name")
	}
	for _, b := range before {
		if b.Name == r.Name && r.Name != "" {
			p.Fail(n, "give every rule a unique name", "duplicate rule name %q (first at line %d)", r.Name, b.Pos.Line)
		}
	}
	if !hasFault {
		p.Fail(n, "add e.g. `fault: duplicate` (kinds: "+strings.Join(faultKinds, ", ")+")", "rule %q has no fault", r.Name)
	}
	return r
}

// fault parses a bare kind or a mapping of kinds.
func (p *parser) fault(n *yaml.Node) Fault {
	var f Fault
	kinds := "kinds: " + strings.Join(faultKinds, ", ")
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case FaultDuplicate:
			f.Duplicate = 1
		case FaultOutOfOrder:
			f.OutOfOrder = true
		case FaultBadSignature:
			f.BadSignature = true
		case FaultStale:
			f.Stale = DefaultStale
		case FaultTimeout:
			p.Fail(n, "give the attempt's timeout, e.g. {timeout: 100ms}", "timeout needs a duration")
		default:
			p.Fail(n, kinds, "unknown webhook fault %q", n.Value)
		}
		return f
	}
	p.Mapping(n, "fault", faultKinds, func(key string, _, v *yaml.Node) {
		switch key {
		case FaultDuplicate:
			if p.Decode(v, &f.Duplicate, key, "the number of extra copies, 1 to 10") && (f.Duplicate < 1 || f.Duplicate > 10) {
				p.Fail(v, "send 1 to 10 extra copies", "duplicate %d is out of range", f.Duplicate)
			}
		case FaultOutOfOrder:
			p.outOfOrder(v, &f)
		case FaultBadSignature:
			p.Decode(v, &f.BadSignature, key, "true or false")
		case FaultStale:
			p.positive(v, &f.Stale, key)
		case FaultTimeout:
			p.positive(v, &f.Timeout, key)
		}
	})
	return f
}

// outOfOrder reads `out_of_order: true` or `out_of_order: {hold: 2s}`.
func (p *parser) outOfOrder(v *yaml.Node, f *Fault) {
	if v.Kind == yaml.ScalarNode {
		p.Decode(v, &f.OutOfOrder, FaultOutOfOrder, "true, or {hold: 2s}")
		return
	}
	f.OutOfOrder = true
	p.Mapping(v, FaultOutOfOrder, []string{"hold"}, func(_ string, _, h *yaml.Node) { p.positive(h, &f.Hold, "out_of_order.hold") })
}
