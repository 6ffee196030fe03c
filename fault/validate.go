package fault

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NewRuleSet checks rules built in Go the way ParseRules checks a rule file
// (names, keys, values of every fault and how they compose) and fills in the
// defaults a file would give them. The caller's values are copied, not
// modified.
func NewRuleSet(rules []Rule) (*RuleSet, error) {
	rs := &RuleSet{File: "Rules", Rules: make([]Rule, 0, len(rules))}
	seen := map[string]int{}
	for i, r := range rules {
		if err := normaliseRule(&r); err != nil {
			name := r.Name
			if name == "" {
				name = "#" + strconv.Itoa(i+1)
			}
			return nil, fmt.Errorf("rule %s: %w", name, err)
		}
		if prev, dup := seen[r.Name]; dup {
			return nil, fmt.Errorf("rules #%d and #%d are both named %q (fix: give every rule a unique name)", prev+1, i+1, r.Name)
		}
		seen[r.Name] = i
		rs.Rules = append(rs.Rules, r)
	}
	return rs, nil
}

// normaliseRule applies the checks and defaults of the rule parser to a rule
// built in Go.
func normaliseRule(r *Rule) error {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return fmt.Errorf("the rule has no name (fix: set Name, e.g. \"checkout-retries\")")
	case strings.ContainsAny(r.Name, badNameChars):
		return fmt.Errorf("name %q contains '/', ',', ';' or a line break (fix: use letters, digits, '-' and '_')", r.Name)
	}
	if len(r.Match.Methods) > 0 {
		methods := make([]string, len(r.Match.Methods))
		for i, m := range r.Match.Methods {
			methods[i] = strings.ToUpper(strings.TrimSpace(m))
		}
		r.Match.Methods = methods
	}
	for _, step := range []func(*Rule) error{normaliseSource, normaliseSelection, normaliseKey, normaliseConnection, normalisePhase} {
		if err := step(r); err != nil {
			return err
		}
	}
	if r.MaxKeys < 0 {
		return fmt.Errorf("MaxKeys %d is negative (fix: 0 for the default %d)", r.MaxKeys, DefaultMaxKeys)
	}
	if r.MaxKeys == 0 {
		r.MaxKeys = DefaultMaxKeys
	}
	return nil
}

// normaliseSource checks that exactly one of Fault, Sequence and RateLimit is
// set and valid, and Then.
func normaliseSource(r *Rule) error {
	kinds := 0
	for _, set := range []bool{r.Fault != nil, r.Sequence != nil, r.RateLimit != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return fmt.Errorf("%d of Fault, Sequence and RateLimit are set (fix: set exactly one)", kinds)
	}
	if r.Fault != nil {
		if err := checkFault(r.Fault); err != nil {
			return fmt.Errorf("fault: %w", err)
		}
	}
	if r.Sequence != nil {
		if err := normaliseSequence(r); err != nil {
			return err
		}
	}
	if r.Then != "" {
		if err := checkEnum(r.Then, "then", thens, true); err != nil {
			return err
		}
		if r.Sequence == nil {
			return fmt.Errorf("then %q applies only to a sequence (fix: set Sequence or clear Then)", r.Then)
		}
	}
	if rl := r.RateLimit; rl != nil {
		return rl.check()
	}
	return nil
}

// normaliseSequence checks every step and defaults Then to pass.
func normaliseSequence(r *Rule) error {
	if len(r.Sequence) == 0 {
		return fmt.Errorf("the sequence is empty (fix: list at least one step; a nil step passes)")
	}
	for i, step := range r.Sequence {
		if step == nil {
			continue
		}
		if err := checkFault(step); err != nil {
			return fmt.Errorf("sequence step %d: %w", i+1, err)
		}
	}
	if r.Then == "" {
		r.Then = ThenPass
	}
	return nil
}

// normaliseSelection checks Rate and Every.
func normaliseSelection(r *Rule) error {
	if r.Rate != nil && r.Every != "" {
		return fmt.Errorf("fields Rate and Every are both set (fix: keep one)")
	}
	if (r.Rate != nil || r.Every != "") && r.Fault == nil {
		return fmt.Errorf("fields Rate and Every apply only to Fault (fix: a Sequence already says which requests fail)")
	}
	if r.Rate != nil && (math.IsNaN(*r.Rate) || *r.Rate < 0 || *r.Rate > 1) {
		return fmt.Errorf("rate %v is outside [0,1] (fix: use a probability such as 0.2)", *r.Rate)
	}
	if r.Every != "" {
		if _, _, pr := parseEvery(r.Every); pr != nil {
			return pr
		}
	}
	return nil
}

// normaliseKey checks r.Key, defaulting to global.
func normaliseKey(r *Rule) error {
	if r.Key == "" {
		r.Key = string(KeyGlobal)
		return nil
	}
	if _, _, pr := splitKey(r.Key); pr != nil {
		return pr
	}
	return nil
}

// normaliseConnection checks r.Connection, defaulting to any.
func normaliseConnection(r *Rule) error {
	if r.Connection == "" {
		r.Connection = ConnAny
		return nil
	}
	return checkEnum(r.Connection, "connection scope", connScopes, true)
}

// normalisePhase checks r.Phase and gives the rule its own copy.
func normalisePhase(r *Rule) error {
	if r.Phase == nil {
		return nil
	}
	cp := *r.Phase
	if cp.From == "" {
		cp.From = PhaseFromEngine
	}
	if err := checkEnum(cp.From, "phase start", phaseStarts, true); err != nil {
		return err
	}
	timed := cp.After != 0 || cp.For != 0
	counted := cp.AfterRequests != 0 || cp.ForRequests != 0
	if timed && counted {
		return fmt.Errorf("the phase mixes time and request counts (fix: use After/For or AfterRequests/ForRequests)")
	}
	if cp.After < 0 || cp.For < 0 {
		return fmt.Errorf("phase durations must not be negative (fix: After and For >= 0)")
	}
	r.Phase = &cp
	return nil
}

// checkFault checks the values of a fault built in Go the way the rule
// parser checks a file, each kind by its own check, then how the kinds
// compose (Fault.Validate).
func checkFault(f *Fault) error {
	for i := range catalogue {
		if k := &catalogue[i]; k.check != nil && k.has(f) {
			if err := k.check(f); err != nil {
				return err
			}
		}
	}
	return f.Validate()
}
