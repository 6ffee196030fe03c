package fault

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	rfc9457 "github.com/mockd/mockd/internal/problem"
)

// Request is what the engine needs to know about one request.
type Request struct {
	Method       string
	Path         string // as requested, without the query
	PathTemplate string // the operation's path template, when the caller knows it
	Operation    string // the operation id, when the caller knows it
	Header       http.Header
	Query        url.Values
	ConnID       uint64 // the connection's id (see Engine.ConnContext)
	ConnIndex    int    // 0-based index of the request on its connection; > 0 means reused
}

// Engine decides, per request, which fault applies. It is safe for
// concurrent use. Every decision is a pure function of (seed, rule, key,
// ordinal of the request within that rule and key), plus the clock for
// time phases and token buckets.
type Engine struct {
	seed         uint64
	seedSet      bool
	headerFaults bool
	env          *serveEnv

	keyTableBytes int64
	keySeed       maphash.Seed // hashes key values for the key tables

	mu    sync.Mutex                   // serialises rule-set changes
	rules atomic.Pointer[[]*ruleState] // immutable snapshot read by Decide
	conns atomic.Uint64
}

// ruleState is one rule and its counters.
type ruleState struct {
	rule    Rule
	keySeed maphash.Seed
	maxKeys int // min(max_keys, key table bytes / KeyEntryBytes)

	mu         sync.Mutex
	seen       uint64 // requests that matched, for count phases
	phaseStart time.Time
	armed      bool
	keys       map[uint64]*keyState // by maphash of the key value
	lru        keyState             // sentinel: lru.next is the most recently used
}

// NewEngine builds an engine for rs (nil = no rules). Without a seed in the
// options or the file, it draws one from crypto/rand and logs it.
func NewEngine(rs *RuleSet, opts ...Option) *Engine {
	e := &Engine{env: &serveEnv{clock: time.Now, hangMax: DefaultHangMax, logger: slog.Default()},
		keyTableBytes: DefaultKeyTableBytes, keySeed: maphash.MakeSeed()}
	if rs != nil && rs.HasSeed {
		e.seed, e.seedSet = rs.Seed, true
	}
	for _, o := range opts {
		o(e)
	}
	if !e.seedSet {
		var b [8]byte
		if _, err := crand.Read(b[:]); err == nil {
			e.seed = binary.LittleEndian.Uint64(b[:])
		} else {
			e.seed = uint64(time.Now().UnixNano())
		}
	}
	var states []*ruleState
	if rs != nil {
		states = e.newStates(rs.Rules)
	}
	e.rules.Store(&states)
	e.env.logger.Debug("fault engine ready", "seed", e.seed, "rules", len(states))
	return e
}

func (e *Engine) newStates(rules []Rule) []*ruleState {
	now := e.env.clock()
	out := make([]*ruleState, 0, len(rules))
	for _, r := range rules {
		r.compile()
		s := &ruleState{rule: r, keySeed: e.keySeed, phaseStart: now}
		s.maxKeys = r.MaxKeys
		if s.maxKeys <= 0 {
			s.maxKeys = DefaultMaxKeys
		}
		if byBytes := e.keyTableBytes / KeyEntryBytes; int64(s.maxKeys) > byBytes {
			s.maxKeys = int(max(byBytes, 1))
		}
		s.resetKeys()
		out = append(out, s)
	}
	return out
}

// SetListener gives the engine the listener that `refuse` faults close for
// their window (the same as WithListener, for callers that create the
// listener after the engine). Call it before serving.
func (e *Engine) SetListener(l *Listener) { e.env.listener = l }

// Seed returns the seed every decision derives from.
func (e *Engine) Seed() uint64 { return e.seed }

// Rules returns a copy of the rules in evaluation order.
func (e *Engine) Rules() []Rule {
	states := *e.rules.Load()
	out := make([]Rule, len(states))
	for i, s := range states {
		out[i] = s.rule
	}
	return out
}

// SetRules replaces every rule (and its counters) with rs.
func (e *Engine) SetRules(rs *RuleSet) error {
	if rs == nil {
		return fmt.Errorf("fault: SetRules: nil rule set (fix: pass a parsed RuleSet, or an empty one to clear)")
	}
	if err := checkNames(nil, rs.Rules); err != nil {
		return fmt.Errorf("fault: SetRules: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	states := e.newStates(rs.Rules)
	e.rules.Store(&states)
	return nil
}

// AddRules appends rs's rules after the existing ones; names must stay unique.
func (e *Engine) AddRules(rs *RuleSet) error {
	if rs == nil {
		return fmt.Errorf("fault: AddRules: nil rule set (fix: pass a parsed RuleSet)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := *e.rules.Load()
	if err := checkNames(cur, rs.Rules); err != nil {
		return fmt.Errorf("fault: AddRules: %w", err)
	}
	next := append(append([]*ruleState(nil), cur...), e.newStates(rs.Rules)...)
	e.rules.Store(&next)
	return nil
}

func checkNames(cur []*ruleState, add []Rule) error {
	seen := map[string]bool{}
	for _, s := range cur {
		seen[s.rule.Name] = true
	}
	for _, r := range add {
		if r.Name == "" {
			return fmt.Errorf("a rule has no name (fix: name every rule)")
		}
		if seen[r.Name] {
			return fmt.Errorf("duplicate rule name %q (fix: remove the existing rule first or rename)", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// RemoveRule deletes the named rule.
func (e *Engine) RemoveRule(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := *e.rules.Load()
	for i, s := range cur {
		if s.rule.Name == name {
			next := append(append([]*ruleState(nil), cur[:i]...), cur[i+1:]...)
			e.rules.Store(&next)
			return nil
		}
	}
	return fmt.Errorf("fault: remove rule %q: %w (fix: use the name of a loaded rule)", name, ErrNoRule)
}

// Arm restarts the named rule: its phase clock and request counts start now,
// every key's sequence and bucket starts over, and a `from: arm` phase wakes.
func (e *Engine) Arm(name string) error {
	for _, s := range *e.rules.Load() {
		if s.rule.Name == name {
			s.restart(e.env.clock(), true)
			return nil
		}
	}
	return fmt.Errorf("fault: arm rule %q: %w (fix: use the name of a loaded rule)", name, ErrNoRule)
}

// Reset puts every rule back to its start: counters, sequences, buckets and
// phases (rules with `from: arm` go dormant again).
func (e *Engine) Reset() {
	now := e.env.clock()
	for _, s := range *e.rules.Load() {
		s.restart(now, false)
	}
}

func (s *ruleState) restart(now time.Time, armed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen, s.phaseStart, s.armed = 0, now, armed
	s.resetKeys()
}

// ConnContext is an http.Server ConnContext hook: it tags each connection
// with an id and a request counter that NewRequest reads.
func (e *Engine) ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connTagKey{}, &connTag{id: e.conns.Add(1)})
}

type connTagKey struct{}

type connTag struct {
	id uint64
	n  atomic.Int64
}

// NewRequest describes r for Decide. It takes ConnID and ConnIndex from the
// tag set by Engine.ConnContext (and counts r on its connection, so call it
// once per request); callers fill PathTemplate and Operation if they know them.
func NewRequest(r *http.Request) *Request {
	req := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header, Query: r.URL.Query()}
	if t, ok := r.Context().Value(connTagKey{}).(*connTag); ok {
		req.ConnID = t.id
		req.ConnIndex = int(t.n.Add(1) - 1)
	}
	return req
}

// Decision is the engine's verdict for one request.
type Decision struct {
	Rule    string        `json:"rule,omitempty"`  // the first rule that applied (or matched, if none applied)
	Key     string        `json:"key,omitempty"`   // that rule's key value for the request (at most MaxDecisionKeyLen bytes + "…")
	Ordinal uint64        `json:"ordinal"`         // the request's 0-based ordinal within (rule, key)
	Seed    uint64        `json:"seed"`            // the engine seed
	Fault   *Fault        `json:"fault,omitempty"` // nil = pass
	Reason  string        `json:"reason,omitempty"`
	Label   string        `json:"label,omitempty"` // X-Mockd-Fault response value, e.g. "checkout/status+retry_after"
	Delay   time.Duration `json:"delay,omitempty"` // sampled latency
	// Commit: a rule that applied asks to run the handler before the
	// fault (and its latency); its answer is discarded when the fault
	// answers in its place.
	Commit bool `json:"commit,omitempty"`

	stream uint64 // per-decision random stream for Serve (garbage bytes)
	env    *serveEnv
}

// Applied reports whether a fault applies.
func (d Decision) Applied() bool { return d.Fault != nil }

// Replaces reports whether the fault answers in the handler's place (a
// terminal kind such as reset or close, or a status): with Commit, what
// the handler answered never reaches the client, so the request is over
// for the server as soon as the handler returns.
func (d Decision) Replaces() bool { return d.Fault.replacesNext() }

// Decide returns the decision for r. With no matching rule it does not
// allocate.
func (e *Engine) Decide(r *Request) Decision {
	d := Decision{Seed: e.seed, env: e.env}
	if e.headerFaults {
		if vs := r.Header[HeaderName]; len(vs) > 0 {
			return e.decideHeader(d, vs[0])
		}
	}
	var now time.Time
	var labels []byte
	for _, s := range *e.rules.Load() {
		ru := &s.rule
		if !ru.matches(r) {
			continue
		}
		if now.IsZero() && (ru.RateLimit != nil || (ru.Phase != nil && !ru.Phase.byCount())) {
			now = e.env.clock()
		}
		out, ok := s.decide(e.seed, r, now)
		if !ok {
			continue
		}
		if d.Rule == "" || (d.Fault == nil && out.fault != nil) {
			d.Rule, d.Key, d.Ordinal, d.Reason, d.stream = ru.Name, out.key, out.ordinal, out.reason, out.stream
		}
		if out.fault != nil {
			if d.Fault != nil {
				d.Reason += "; " + ru.Name + ": " + out.reason
			}
			d.Fault = merge(d.Fault, out.fault)
			d.Commit = d.Commit || ru.Commit
			if len(labels) > 0 {
				labels = append(labels, ',')
			}
			labels = append(labels, ru.Name...)
			labels = append(labels, '/')
			labels = append(labels, out.fault.Names()...)
		}
		if !ru.Continue {
			break
		}
	}
	if d.Rule == "" {
		d.Reason = "no rule matched"
		return d
	}
	if d.Fault != nil {
		d.Label = string(labels)
		if d.Fault.Latency != nil {
			d.Delay = d.Fault.Latency.Sample(rand.New(pcg(d.stream, 1)), e.env.hangMax)
		}
	}
	return d
}

// decideHeader decides from an X-Mockd-Fault request header: its fault, or
// a 400 problem saying what is wrong with it.
func (e *Engine) decideHeader(d Decision, v string) Decision {
	d.Rule = "header"
	f, err := ParseHeader(v)
	if err != nil {
		body := problemJSON(http.StatusBadRequest, "invalid "+HeaderName+" header: "+err.Error())
		d.Fault = &Fault{Status: &Status{Code: http.StatusBadRequest,
			Headers: map[string]string{"Content-Type": rfc9457.ContentType}, Body: &body}}
		d.Reason, d.Label = err.Error(), "header/invalid"
		return d
	}
	if f == nil {
		d.Reason = "header asked for pass"
		return d
	}
	d.Fault, d.Reason, d.Label = f, "requested by "+HeaderName+" header", "header/"+f.Names()
	d.stream = mix(e.seed, "header", v, 0)
	if f.Latency != nil {
		d.Delay = f.Latency.Sample(rand.New(pcg(d.stream, 1)), e.env.hangMax)
	}
	return d
}

type ruleOutcome struct {
	fault   *Fault
	key     string
	ordinal uint64
	reason  string
	stream  uint64
}

// decide applies the rule's phase, key counter and selection. ok is false
// when the rule's phase is inactive (the rule then does not match).
func (s *ruleState) decide(seed uint64, r *Request, now time.Time) (ruleOutcome, bool) {
	ru := &s.rule
	key := ru.keyOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.inPhase(now) {
		return ruleOutcome{}, false
	}
	ks := s.touchKey(maphash.String(s.keySeed, key), now)
	ord := ks.ordinal
	ks.ordinal++
	out := ruleOutcome{key: readableKey(key), ordinal: ord, stream: mix(seed, ru.Name, key, ord)}
	switch {
	case ru.RateLimit != nil:
		ru.RateLimit.take(ks, now, &out)
	case ru.Sequence != nil:
		ru.step(&out)
	default:
		ru.pick(&out)
	}
	return out, true
}

// inPhase reports whether the rule's phase is active for this request,
// counting it for count phases. Call with s.mu held.
func (s *ruleState) inPhase(now time.Time) bool {
	ph := s.rule.Phase
	if ph == nil {
		return true
	}
	if ph.From == PhaseFromArm && !s.armed {
		return false
	}
	if ph.byCount() {
		n := s.seen
		s.seen++
		return n >= ph.AfterRequests && (ph.ForRequests == 0 || n < ph.AfterRequests+ph.ForRequests)
	}
	el := now.Sub(s.phaseStart)
	return el >= ph.After && (ph.For == 0 || el < ph.After+ph.For)
}

// step gives out the sequence step for its ordinal, or passes when the
// sequence is done and Then says pass.
func (ru *Rule) step(out *ruleOutcome) {
	n := uint64(len(ru.Sequence))
	idx := out.ordinal
	if idx >= n {
		switch ru.Then {
		case ThenCycle:
			idx %= n
		case ThenRepeatLast:
			idx = n - 1
		case ThenPass:
			fallthrough
		default: // "" in a RuleSet built by hand means pass, as in a file
			out.reason = "sequence done (then: pass)"
			return
		}
	}
	out.fault = ru.Sequence[idx]
	out.reason = "sequence step " + strconv.FormatUint(idx+1, 10) + "/" + strconv.FormatUint(n, 10)
}

// pick gives out the rule's fault for this ordinal: exactly k of every n
// (evenly spread), with the seeded probability, or always.
func (ru *Rule) pick(out *ruleOutcome) {
	switch {
	case ru.everyN > 0:
		slot := out.ordinal % ru.everyN
		if (slot*ru.everyK)%ru.everyN < ru.everyK {
			out.fault = ru.Fault
		}
		out.reason = "every " + ru.Every + ": slot " + strconv.FormatUint(slot, 10)
	case ru.Rate != nil:
		draw := rand.New(pcg(out.stream, 0)).Float64()
		if draw < *ru.Rate {
			out.fault = ru.Fault
		}
		out.reason = "rate " + strconv.FormatFloat(*ru.Rate, 'g', -1, 64) + ": drew " + strconv.FormatFloat(draw, 'f', 4, 64)
	default:
		out.fault = ru.Fault
		out.reason = "always"
	}
}

// ErrNoRule is returned (wrapped) by engine methods naming a rule that does not exist.
var ErrNoRule = errors.New("no such rule")
