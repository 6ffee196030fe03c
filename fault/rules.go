package fault

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/mockd/mockd/internal/yamlpos"
)

// KeyKind is the part of Rule.Key before the colon: what the rule counts
// requests by.
type KeyKind string

// Key kinds.
const (
	KeyGlobal     KeyKind = "global"     // one counter for every request
	KeyHeader     KeyKind = "header"     // header:NAME, one counter per value of that header
	KeyQuery      KeyKind = "query"      // query:NAME, one counter per value of that query parameter
	KeyConnection KeyKind = "connection" // one counter per connection
)

// Valid reports whether k is one of the Key* kinds.
func (k KeyKind) Valid() bool {
	switch k {
	case KeyGlobal, KeyHeader, KeyQuery, KeyConnection:
		return true
	}
	return false
}

// named reports whether the kind takes a name after the colon.
func (k KeyKind) named() bool {
	switch k {
	case KeyHeader, KeyQuery:
		return true
	case KeyGlobal, KeyConnection:
	}
	return false
}

// splitKey checks a Rule.Key ("global", "connection", "header:NAME" or
// "query:NAME") and splits it.
func splitKey(s string) (KeyKind, string, *problem) {
	kind, name, hasName := strings.Cut(s, ":")
	k := KeyKind(kind)
	switch {
	case !k.Valid():
		return "", "", &problem{fmt.Sprintf("unknown key kind %q", kind), "use global, header:NAME, query:NAME or connection"}
	case k.named() && strings.TrimSpace(name) == "":
		return "", "", &problem{fmt.Sprintf("key %q needs a name after the colon", s), "e.g. " + kind + ":Idempotency-Key"}
	case !k.named() && hasName:
		return "", "", &problem{fmt.Sprintf("key %q takes no name", s), fmt.Sprintf("write just %q", kind)}
	}
	return k, name, nil
}

// Then says what a sequence does after its last step.
type Then string

// Then policies.
const (
	ThenPass       Then = "pass"        // pass every later request
	ThenRepeatLast Then = "repeat-last" // repeat the last step
	ThenCycle      Then = "cycle"       // start the sequence over
)

// thens lists the policies in the order messages name them.
var thens = []Then{ThenRepeatLast, ThenCycle, ThenPass}

// Valid reports whether t is one of the Then* policies.
func (t Then) Valid() bool {
	switch t {
	case ThenPass, ThenRepeatLast, ThenCycle:
		return true
	}
	return false
}

// ConnScope says which connections a rule applies to.
type ConnScope string

// Connection scopes.
const (
	ConnAny    ConnScope = "any"    // every request
	ConnFresh  ConnScope = "fresh"  // the first request on its connection
	ConnReused ConnScope = "reused" // later requests on a kept-alive connection
)

// connScopes lists the scopes in the order messages name them.
var connScopes = []ConnScope{ConnAny, ConnFresh, ConnReused}

// Valid reports whether c is one of the Conn* scopes.
func (c ConnScope) Valid() bool {
	switch c {
	case ConnAny, ConnFresh, ConnReused:
		return true
	}
	return false
}

// PhaseStart says what a phase's window is relative to.
type PhaseStart string

// Phase starts.
const (
	PhaseFromEngine PhaseStart = "engine" // relative to engine start (or Reset)
	PhaseFromArm    PhaseStart = "arm"    // dormant until Arm(name); relative to arming
)

// phaseStarts lists the starts in the order messages name them.
var phaseStarts = []PhaseStart{PhaseFromEngine, PhaseFromArm}

// Valid reports whether s is one of the PhaseFrom* starts.
func (s PhaseStart) Valid() bool {
	switch s {
	case PhaseFromEngine, PhaseFromArm:
		return true
	}
	return false
}

// problem is a finding and its fix, shared by the rule-file parser (which
// adds the place) and the checks of rules built in Go.
type problem struct{ msg, hint string }

// Error renders "msg (fix: hint)".
func (pr *problem) Error() string { return pr.msg + " (fix: " + pr.hint + ")" }

// parseEvery checks a Rule.Every ("k/n" with 0 < k <= n) and splits it.
func parseEvery(s string) (k, n uint64, pr *problem) {
	a, b, found := strings.Cut(s, "/")
	k, errK := strconv.ParseUint(strings.TrimSpace(a), 10, 32)
	n, errN := strconv.ParseUint(strings.TrimSpace(b), 10, 32)
	if !found || errK != nil || errN != nil || k == 0 || k > n {
		return 0, 0, &problem{fmt.Sprintf("every %q is not k/n with 0<k<=n", s), `e.g. "1/5"`}
	}
	return k, n, nil
}

// DefaultMaxKeys bounds the per-key counters a rule keeps; the least
// recently used key is forgotten first. WithKeyTableBytes also bounds them.
const DefaultMaxKeys = 65536

// Position is a place in a rule file.
type Position = yamlpos.Position

// RuleSet is a parsed rule file.
type RuleSet struct {
	File    string `json:"file,omitempty"`
	Seed    uint64 `json:"seed,omitempty"`
	HasSeed bool   `json:"has_seed"`
	Rules   []Rule `json:"rules"`
}

// Match selects requests; every set field must match.
type Match struct {
	Methods   []string          `json:"methods,omitempty"`
	Path      string            `json:"path,omitempty"`
	Operation string            `json:"operation,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	Query     map[string]string `json:"query,omitempty"`

	path    pathPattern
	headers []kv // canonical names, for allocation-free lookups
	query   []kv
}

type kv struct{ k, v string }

// Phase limits a rule to a window in time or in matching requests.
type Phase struct {
	After         time.Duration `json:"after,omitempty"`
	For           time.Duration `json:"for,omitempty"`
	AfterRequests uint64        `json:"after_requests,omitempty"`
	ForRequests   uint64        `json:"for_requests,omitempty"`
	From          PhaseStart    `json:"from"`
}

func (p *Phase) byCount() bool { return p.AfterRequests > 0 || p.ForRequests > 0 }

// Rule scopes faults to requests. Exactly one of Fault, Sequence and RateLimit
// is set; Rate or Every (only with Fault) thin the requests that get it.
type Rule struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Match       Match     `json:"match"`
	Key         string    `json:"key"` // KeyKind, then ":NAME" for header and query
	Fault       *Fault    `json:"fault,omitempty"`
	Sequence    []*Fault  `json:"sequence,omitempty"` // nil step = pass
	Then        Then      `json:"then,omitempty"`
	Rate        *float64  `json:"rate,omitempty"`
	Every       string    `json:"every,omitempty"`
	Phase       *Phase    `json:"phase,omitempty"`
	Connection  ConnScope `json:"connection"`
	Continue    bool      `json:"continue,omitempty"`
	// Commit runs the handler before the fault: the request takes effect
	// on the server, then its answer is replaced or lost (a terminal wire
	// fault, a status) or delayed and altered (latency, body and corrupt
	// kinds), so a latency keeps a committed request in flight.
	Commit    bool       `json:"commit,omitempty"`
	RateLimit *RateLimit `json:"rate_limit,omitempty"`
	MaxKeys   int        `json:"max_keys"`
	Pos       Position   `json:"pos"`

	everyK, everyN uint64
	keyKind        KeyKind
	keyName        string // canonical header name or query name
}

// matches reports whether r satisfies the rule's match block and connection
// scope. It does not allocate.
func (ru *Rule) matches(r *Request) bool {
	m := &ru.Match
	if len(m.Methods) > 0 {
		ok := false
		for _, meth := range m.Methods {
			if meth == r.Method {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if m.Operation != "" && m.Operation != r.Operation {
		return false
	}
	if m.Path != "" {
		if !m.path.match(r.Path) && (r.PathTemplate == "" || !m.path.match(r.PathTemplate)) {
			return false
		}
	}
	for _, h := range m.headers {
		vs := r.Header[h.k]
		if len(vs) == 0 || (h.v != "*" && vs[0] != h.v) {
			return false
		}
	}
	for _, q := range m.query {
		vs := r.Query[q.k]
		if len(vs) == 0 || (q.v != "*" && vs[0] != q.v) {
			return false
		}
	}
	switch ru.Connection {
	case ConnFresh:
		return r.ConnIndex == 0
	case ConnReused:
		return r.ConnIndex > 0
	case ConnAny:
	}
	return true
}

// compile fills the unexported lookup fields from the exported ones.
func (ru *Rule) compile() {
	m := &ru.Match
	m.path = compilePath(m.Path)
	m.headers = nil // fresh slices: a Rule copy must not write into its original's arrays
	for k, v := range m.Headers {
		m.headers = append(m.headers, kv{textproto.CanonicalMIMEHeaderKey(k), v})
	}
	m.query = nil
	for k, v := range m.Query {
		m.query = append(m.query, kv{k, v})
	}
	kind, name, _ := strings.Cut(ru.Key, ":")
	ru.keyKind = KeyKind(kind)
	if ru.keyKind == KeyHeader {
		name = http.CanonicalHeaderKey(name)
	}
	ru.keyName = name
	if ru.Every != "" && ru.everyN == 0 {
		if k, n, pr := parseEvery(ru.Every); pr == nil {
			ru.everyK, ru.everyN = k, n
		}
	}
}

// pathPattern is a compiled path literal or OpenAPI-style template.
type pathPattern struct {
	literal string
	segs    []pathSeg // nil for a literal
}

type pathSeg struct {
	param          bool
	prefix, suffix string // around the {param}, or the literal segment in prefix
}

func compilePath(p string) pathPattern {
	if !strings.Contains(p, "{") {
		return pathPattern{literal: p}
	}
	var segs []pathSeg
	for _, s := range strings.Split(p, "/") {
		open := strings.IndexByte(s, '{')
		closing := strings.IndexByte(s, '}')
		if open >= 0 && closing > open {
			segs = append(segs, pathSeg{param: true, prefix: s[:open], suffix: s[closing+1:]})
		} else {
			segs = append(segs, pathSeg{prefix: s})
		}
	}
	return pathPattern{segs: segs}
}

// match reports whether path fits the pattern, without allocating.
func (pp *pathPattern) match(path string) bool {
	if pp.segs == nil {
		return pp.literal == path
	}
	rest := path
	for i, sg := range pp.segs {
		var seg string
		if i == len(pp.segs)-1 {
			if strings.IndexByte(rest, '/') >= 0 {
				return false
			}
			seg = rest
		} else {
			j := strings.IndexByte(rest, '/')
			if j < 0 {
				return false
			}
			seg, rest = rest[:j], rest[j+1:]
		}
		if !sg.param {
			if seg != sg.prefix {
				return false
			}
			continue
		}
		if len(seg) <= len(sg.prefix)+len(sg.suffix) ||
			!strings.HasPrefix(seg, sg.prefix) || !strings.HasSuffix(seg, sg.suffix) {
			return false
		}
	}
	return true
}
