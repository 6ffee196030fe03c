package fault

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// RateLimit answers 429 with a Retry-After computed from a token bucket per
// key: Capacity tokens, one more every RefillEvery. It is a rule's fault
// source (beside Fault and Sequence), not a catalogue kind: it decides which
// requests fail, and they get status+retry_after.
//
// YAML: `rate_limit: {capacity: 5, refill_every: 1s}` in a rule.
type RateLimit struct {
	Capacity    int           `json:"capacity"`
	RefillEvery time.Duration `json:"refill_every"`
}

// check checks a RateLimit built in Go.
func (rl *RateLimit) check() error {
	if rl.Capacity < 1 || rl.RefillEvery <= 0 {
		return fmt.Errorf("rate limit needs Capacity >= 1 and RefillEvery > 0, got %d and %s (fix: e.g. Capacity 5, RefillEvery time.Second)", rl.Capacity, rl.RefillEvery)
	}
	return nil
}

// rateLimit parses {capacity, refill_every}.
func (p *parser) rateLimit(n *yaml.Node) *RateLimit {
	rl := &RateLimit{}
	before := len(p.Errs)
	var capSet, refillSet bool
	p.Mapping(n, "rate_limit", []string{"capacity", "refill_every"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "capacity":
			if c, ok := p.integer(v, "rate_limit.capacity", 1, 1<<30); ok {
				rl.Capacity, capSet = int(c), true
			}
		case "refill_every":
			if d, ok := p.duration(v, "rate_limit.refill_every"); ok {
				if d == 0 {
					p.Fail(v, "use a positive duration such as 1s", "rate_limit.refill_every must be positive")
					return
				}
				rl.RefillEvery, refillSet = d, true
			}
		}
	})
	if n.Kind == yaml.MappingNode && (!capSet || !refillSet) && len(p.Errs) == before {
		p.Fail(n, "write e.g. {capacity: 5, refill_every: 1s}", "rate_limit needs capacity and refill_every")
	}
	return rl
}

// take refills the key's bucket up to now and takes a token: the outcome
// passes while tokens last, then gets 429 with the wait for the next token
// (at least 1 s) as Retry-After.
func (rl *RateLimit) take(ks *keyState, now time.Time, out *ruleOutcome) {
	ks.tokens = math.Min(float64(rl.Capacity), ks.tokens+float64(now.Sub(ks.last))/float64(rl.RefillEvery))
	ks.last = now
	if ks.tokens >= 1 {
		ks.tokens--
		out.reason = "token bucket: " + strconv.Itoa(int(ks.tokens)) + " left"
		return
	}
	wait := time.Duration((1 - ks.tokens) * float64(rl.RefillEvery))
	secs := int64(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	out.fault = &Fault{Status: &Status{Code: http.StatusTooManyRequests},
		RetryAfter: &RetryAfter{Kind: RetryAfterSeconds, Seconds: secs}}
	out.reason = "token bucket empty: next token in " + wait.String()
}
