package fault

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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
	case strings.ContainsAny(r.Name, "/,;\r\n"):
		return fmt.Errorf("name %q contains '/', ',', ';' or a line break (fix: use letters, digits, '-' and '_')", r.Name)
	}
	if len(r.Match.Methods) > 0 {
		methods := make([]string, len(r.Match.Methods))
		for i, m := range r.Match.Methods {
			methods[i] = strings.ToUpper(strings.TrimSpace(m))
		}
		r.Match.Methods = methods
	}
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
	}
	switch r.Then {
	case "":
	case ThenPass, ThenRepeatLast, ThenCycle:
		if r.Sequence == nil {
			return fmt.Errorf("then %q applies only to a sequence (fix: set Sequence or clear Then)", r.Then)
		}
	default:
		return fmt.Errorf("unknown then %q (fix: use %q, %q or %q)", r.Then, ThenRepeatLast, ThenCycle, ThenPass)
	}
	if rl := r.RateLimit; rl != nil && (rl.Capacity < 1 || rl.RefillEvery <= 0) {
		return fmt.Errorf("rate limit needs Capacity >= 1 and RefillEvery > 0, got %d and %s (fix: e.g. Capacity 5, RefillEvery time.Second)", rl.Capacity, rl.RefillEvery)
	}
	if r.Rate != nil && r.Every != "" {
		return fmt.Errorf("Rate and Every are both set (fix: keep one)")
	}
	if (r.Rate != nil || r.Every != "") && r.Fault == nil {
		return fmt.Errorf("Rate and Every apply only to Fault (fix: a Sequence already says which requests fail)")
	}
	if r.Rate != nil && (math.IsNaN(*r.Rate) || *r.Rate < 0 || *r.Rate > 1) {
		return fmt.Errorf("rate %v is outside [0,1] (fix: use a probability such as 0.2)", *r.Rate)
	}
	if r.Every != "" {
		a, b, ok := strings.Cut(r.Every, "/")
		k, errK := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
		n, errN := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
		if !ok || errK != nil || errN != nil || k == 0 || k > n {
			return fmt.Errorf("every %q is not k/n with 0<k<=n (fix: e.g. \"1/5\")", r.Every)
		}
	}
	if err := normaliseKey(r); err != nil {
		return err
	}
	switch r.Connection {
	case "":
		r.Connection = ConnAny
	case ConnAny, ConnFresh, ConnReused:
	default:
		return fmt.Errorf("unknown connection scope %q (fix: use %q, %q or %q)", r.Connection, ConnAny, ConnFresh, ConnReused)
	}
	if ph := r.Phase; ph != nil {
		cp := *ph
		switch cp.From {
		case "":
			cp.From = PhaseFromEngine
		case PhaseFromEngine, PhaseFromArm:
		default:
			return fmt.Errorf("unknown phase start %q (fix: use %q or %q)", cp.From, PhaseFromEngine, PhaseFromArm)
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
	}
	if r.MaxKeys < 0 {
		return fmt.Errorf("MaxKeys %d is negative (fix: 0 for the default %d)", r.MaxKeys, DefaultMaxKeys)
	}
	if r.MaxKeys == 0 {
		r.MaxKeys = DefaultMaxKeys
	}
	return nil
}

// normaliseKey checks r.Key ("global", "connection", "header:NAME" or
// "query:NAME"), defaulting to global.
func normaliseKey(r *Rule) error {
	if r.Key == "" {
		r.Key = KeyGlobal
		return nil
	}
	kind, name, hasName := strings.Cut(r.Key, ":")
	switch kind {
	case KeyGlobal, KeyConnection:
		if hasName {
			return fmt.Errorf("key %q takes no name (fix: write just %q)", r.Key, kind)
		}
	case KeyHeader, KeyQuery:
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("key %q needs a name after the colon (fix: e.g. %s:Idempotency-Key)", r.Key, kind)
		}
	default:
		return fmt.Errorf("unknown key kind %q (fix: use global, header:NAME, query:NAME or connection)", kind)
	}
	return nil
}

// checkFault checks the values of a fault built in Go the way the rule
// parser checks a file, then how the faults compose (Fault.Validate).
func checkFault(f *Fault) error {
	if st := f.Status; st != nil {
		if st.Code < 200 || st.Code > 599 {
			return fmt.Errorf("status code %d is not a valid final HTTP status (fix: use 200 to 599)", st.Code)
		}
		for name, value := range st.Headers {
			if !isToken(name) {
				return fmt.Errorf("invalid status header name %q (fix: use a header token such as X-Reason)", name)
			}
			if strings.ContainsAny(value, "\r\n") {
				return fmt.Errorf("status header %s value contains a line break (fix: keep it on one line)", name)
			}
		}
	}
	if ra := f.RetryAfter; ra != nil {
		switch ra.Kind {
		case RetryAfterSeconds, RetryAfterPast, RetryAfterHuge, RetryAfterInvalid:
		case RetryAfterIn:
			if ra.In <= 0 {
				return fmt.Errorf("retry_after in %s is not positive (fix: e.g. In: 30 * time.Second)", ra.In)
			}
		case RetryAfterDate, RetryAfterRaw:
			if strings.ContainsAny(ra.Raw, "\r\n") {
				return fmt.Errorf("retry_after raw value contains a line break (fix: keep it on one line)")
			}
		default:
			return fmt.Errorf("unknown retry_after kind %q (fix: use one of the RetryAfter* kinds)", ra.Kind)
		}
		if ra.Seconds < 0 {
			return fmt.Errorf("retry_after %d is negative (fix: 0 or more seconds; Kind RetryAfterInvalid for a broken value)", ra.Seconds)
		}
	}
	if l := f.Latency; l != nil {
		switch l.Dist {
		case DistFixed, DistUniform, DistNormal, DistLognormal:
		default:
			return fmt.Errorf("unknown latency dist %q (fix: use fixed, uniform, normal or lognormal)", l.Dist)
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
	}
	switch {
	case f.Hang != nil && f.Hang.Max < 0, f.StallBody != nil && f.StallBody.Max < 0:
		return fmt.Errorf("hang and stall_body take a max >= 0 (fix: 0 for the engine's default)")
	case f.Refuse != nil && f.Refuse.For <= 0:
		return fmt.Errorf("refuse needs a positive window (fix: e.g. Refuse{For: 2 * time.Second})")
	case f.Dribble != nil && (f.Dribble.Chunks < 1 || f.Dribble.Chunks > 1<<20 || f.Dribble.Duration <= 0):
		return fmt.Errorf("dribble needs 1 to %d chunks and a positive duration (fix: e.g. Dribble{Chunks: 5, Duration: 2 * time.Second})", 1<<20)
	case f.Throttle != nil && f.Throttle.BytesPerSecond < 1:
		return fmt.Errorf("throttle needs bytes_per_second >= 1 (fix: e.g. Throttle{BytesPerSecond: 1024})")
	case f.Garbage != nil && (f.Garbage.Bytes < 1 || f.Garbage.Bytes > 1<<20):
		return fmt.Errorf("garbage needs 1 to %d bytes (fix: e.g. Garbage{Bytes: 64})", 1<<20)
	}
	if t := f.Truncate; t != nil {
		switch {
		case t.Bytes < 0:
			return fmt.Errorf("truncate.bytes %d is negative (fix: 0 or more)", t.Bytes)
		case math.IsNaN(t.Fraction) || t.Fraction < 0 || t.Fraction >= 1:
			return fmt.Errorf("truncate.fraction %v is outside [0,1) (fix: e.g. 0.5)", t.Fraction)
		case t.Bytes > 0 && t.Fraction > 0:
			return fmt.Errorf("truncate.bytes and truncate.fraction cannot both be set (fix: keep one)")
		case t.End != "" && t.End != EndFINName && t.End != EndResetName:
			return fmt.Errorf("unknown truncate end %q (fix: use fin or reset)", t.End)
		}
	}
	if c := f.Contract; c != nil {
		switch c.Kind {
		case ContractWrongContentType, ContractInvalidJSON, ContractSchemaViolation:
		default:
			return fmt.Errorf("unknown contract fault %q (fix: use wrong_content_type, invalid_json or schema_violation)", c.Kind)
		}
	}
	return f.Validate()
}

// isToken reports whether s is an HTTP header field name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
