package validator

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// CheckPatternNotChecked is the warning for schema patterns whose matches
// ran out of time: the value was NOT checked (it is not rejected either).
const CheckPatternNotChecked = "pattern.not_checked"

// Regex time limits. JSON Schema patterns that Go's linear-time RE2 engine
// cannot compile (lookaround, backreferences) run on regexp2, which
// backtracks and can take exponential time on hostile input. Each such
// match may run for regexMatchTimeout, and all of them within one
// validation share regexRequestBudget: once it is spent, further matches
// are skipped. A match that times out or is skipped counts as passing and
// is reported as "not checked" (CheckPatternNotChecked), never as a
// mismatch. So a validation spends at most budget + one match timeout on
// such patterns, however many values use them (50 array items with a
// catastrophic pattern took 10.9 s with a per-match limit alone).
const (
	regexMatchTimeout  = 50 * time.Millisecond
	regexRequestBudget = 200 * time.Millisecond
)

// regexEngine compiles the patterns of one Spec and holds the regex budget
// of each validation in flight. The JSON Schema library calls
// Regexp.MatchString without a context, on the goroutine that called the
// validator, so a budget is found by goroutine id: begin starts one, arm
// registers it for the calling goroutine, and end removes it and returns
// what was not checked. Matches on goroutines without a budget get only the
// per-match timeout (and still pass on timeout).
//
// Finding the goroutine id costs more than most validations (runtime.Stack:
// about half of the CPU of a small GET), so a validation registers its
// budget only when a backtracking match can happen in it: once a pattern
// has been compiled for regexp2, or while the validation may compile
// schemas itself (see regexScope.arm). Specs whose patterns all run on RE2
// never pay for it.
type regexEngine struct {
	mu      sync.Mutex
	budgets map[uint64]*regexBudget
	// backtracking is set when the first pattern is compiled for regexp2.
	backtracking atomic.Bool
	// registered counts budgets registered (tests check it stays 0 when
	// no pattern backtracks).
	registered atomic.Int64
}

func newRegexEngine() *regexEngine { return &regexEngine{budgets: map[uint64]*regexBudget{}} }

// regexBudget is one validation's allowance for backtracking matches.
type regexBudget struct {
	deadline time.Time
	timedOut int             // matches that ran out of time
	skipped  int             // matches not run: the budget was spent
	patterns map[string]bool // patterns concerned
}

// regexScope is the regex budget of one validation.
type regexScope struct {
	e  *regexEngine
	b  regexBudget
	id uint64 // the goroutine the budget is registered for; 0: not registered
}

// begin starts a validation's budget; call arm on the goroutine that
// validates, and end when done.
func (e *regexEngine) begin() *regexScope {
	return &regexScope{e: e, b: regexBudget{deadline: time.Now().Add(regexRequestBudget)}}
}

// arm registers the budget for the calling goroutine when a backtracking
// match can happen: a pattern was compiled for regexp2, or compiling is set
// (the validation may compile schemas, and so such patterns, itself). It
// may be called again; the first registration stays.
func (sc *regexScope) arm(compiling bool) {
	if sc.id != 0 || !compiling && !sc.e.backtracking.Load() {
		return
	}
	sc.id = goroutineID()
	sc.e.registered.Add(1)
	sc.e.mu.Lock()
	sc.e.budgets[sc.id] = &sc.b
	sc.e.mu.Unlock()
}

// end removes the budget and returns a warning finding when some pattern
// match was not checked (nil otherwise).
func (sc *regexScope) end() *Finding {
	if sc.id != 0 {
		sc.e.mu.Lock()
		delete(sc.e.budgets, sc.id)
		sc.e.mu.Unlock()
	}
	b := &sc.b
	if b.timedOut+b.skipped == 0 {
		return nil
	}
	var first string
	for p := range b.patterns {
		if first == "" || p < first {
			first = p
		}
	}
	return &Finding{Check: CheckPatternNotChecked, Severity: SeverityWarning,
		Message: fmt.Sprintf("pattern %q not checked: %d match(es) timed out and %d skipped after the %s regex budget of the request was spent",
			first, b.timedOut, b.skipped, regexRequestBudget),
		Hint: "the values were not rejected; simplify the pattern (avoid nested quantifiers, e.g. (a+)+) or make it RE2-compatible"}
}

// budget returns the calling goroutine's budget, or nil.
func (e *regexEngine) budget() *regexBudget {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.budgets) == 0 {
		return nil
	}
	return e.budgets[goroutineID()]
}

// goroutineID parses "goroutine N [" from the runtime's stack header. It
// is called only when a backtracking (regexp2) pattern can run.
func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	s := string(buf[:n])
	const prefix = "goroutine "
	if len(s) < len(prefix) {
		return 0
	}
	s = s[len(prefix):]
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	id, _ := strconv.ParseUint(s[:end], 10, 64)
	return id
}

// compile is the regex engine given to libopenapi-validator. JSON Schema
// patterns are ECMA-262 regular expressions; Go's RE2 engine handles most of
// them fast, and the rest (lookaround, backreferences: common in real specs
// such as AWS's) fall back to regexp2's ECMAScript mode, under the budget,
// instead of failing to compile the whole schema.
func (e *regexEngine) compile(pattern string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(pattern); err == nil {
		return re, nil
	}
	re, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = regexMatchTimeout
	e.backtracking.Store(true)
	return ecmaRegexp{re: re, engine: e}, nil
}

// patternCompiles reports why neither engine accepts pattern (nil when one
// does).
func patternCompiles(pattern string) error {
	if _, err := regexp.Compile(pattern); err == nil {
		return nil
	}
	_, err := regexp2.Compile(pattern, regexp2.ECMAScript)
	return err
}

// ecmaRegexp adapts regexp2 (ECMAScript syntax) to the JSON Schema
// compiler, charging its matches to the validation's budget.
type ecmaRegexp struct {
	re     *regexp2.Regexp
	engine *regexEngine
}

// MatchString reports whether s matches; a match that times out, or is
// skipped because the budget is spent, passes (and is recorded as not
// checked).
func (r ecmaRegexp) MatchString(s string) bool {
	b := r.engine.budget()
	if b != nil && !time.Now().Before(b.deadline) {
		b.note(r.re.String(), false)
		return true
	}
	ok, err := r.re.MatchString(s)
	if err != nil { // regexp2 only fails on timeout
		if b != nil {
			b.note(r.re.String(), true)
		}
		return true
	}
	return ok
}

func (r ecmaRegexp) String() string { return r.re.String() }

// note records a match not checked. A budget belongs to one goroutine, so
// it needs no lock.
func (b *regexBudget) note(pattern string, timedOut bool) {
	if timedOut {
		b.timedOut++
	} else {
		b.skipped++
	}
	if b.patterns == nil {
		b.patterns = map[string]bool{}
	}
	b.patterns[pattern] = true
}
