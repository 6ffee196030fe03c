package fault

import (
	"fmt"
	"strings"
	"time"
)

// HeaderName is the request header that carries per-request faults (when the
// engine enables it) and the response header that names the applied fault.
const HeaderName = "X-Mockd-Fault"

// DefaultHangMax bounds a hang (and a stalled body) that sets no max of its own.
const DefaultHangMax = 5 * time.Minute

// Fault is one planned fault: a composition of catalogue entries, one field
// per kind (see Catalogue; each kind lives in its own file). A nil *Fault
// means "pass". Latency composes with everything; at most one terminal wire
// fault (hang, close, reset, refuse, garbage) may be set and it excludes the
// response faults; at most one body mode (stall_body, dribble, throttle,
// truncate, malformed_chunk) may be set.
type Fault struct {
	Status         *Status     `json:"status,omitempty"`
	RetryAfter     *RetryAfter `json:"retry_after,omitempty"`
	Latency        *Latency    `json:"latency,omitempty"`
	Hang           *Hang       `json:"hang,omitempty"`
	Close          bool        `json:"close,omitempty"`
	Reset          bool        `json:"reset,omitempty"`
	Refuse         *Refuse     `json:"refuse,omitempty"`
	StallBody      *StallBody  `json:"stall_body,omitempty"`
	Dribble        *Dribble    `json:"dribble,omitempty"`
	Throttle       *Throttle   `json:"throttle,omitempty"`
	Truncate       *Truncate   `json:"truncate,omitempty"`
	MalformedChunk bool        `json:"malformed_chunk,omitempty"`
	Garbage        *Garbage    `json:"garbage,omitempty"`
	Corrupt        *Corrupt    `json:"corrupt,omitempty"`
}

// Names returns the set fault names joined with "+", e.g. "latency+status".
func (f *Fault) Names() string {
	if b := f.appendNames(nil); len(b) > 0 {
		return string(b)
	}
	return "pass"
}

// appendNames appends the set kinds' names, joined with "+", to b.
func (f *Fault) appendNames(b []byte) []byte {
	if f == nil {
		return b
	}
	start := len(b)
	for i := range catalogue {
		if catalogue[i].has(f) {
			if len(b) > start {
				b = append(b, '+')
			}
			b = append(b, catalogue[i].Name...)
		}
	}
	return b
}

// namesOf lists the names of the kinds of class c that f sets.
func (f *Fault) namesOf(c Class) []string {
	var names []string
	for i := range catalogue {
		if catalogue[i].Class == c && catalogue[i].has(f) {
			names = append(names, catalogue[i].Name)
		}
	}
	return names
}

// first returns the first kind of class c that f sets, or nil.
func (f *Fault) first(c Class) *kind {
	for i := range catalogue {
		if catalogue[i].Class == c && catalogue[i].has(f) {
			return &catalogue[i]
		}
	}
	return nil
}

// isEmpty reports whether no fault is set.
func (f *Fault) isEmpty() bool {
	return f == nil || len(f.appendNames(nil)) == 0
}

// Validate checks that the composition makes sense; the error says why not.
func (f *Fault) Validate() error {
	if f.isEmpty() {
		return fmt.Errorf("no fault given (fix: name one of %s, or write `pass`)", kindNames())
	}
	t := f.namesOf(ClassTerminal)
	if len(t) > 1 {
		return fmt.Errorf("faults %s cannot compose: each ends the connection (fix: keep one)", strings.Join(t, " and "))
	}
	if len(t) == 1 {
		resp := append(f.namesOf(ClassResponse), f.namesOf(ClassBody)...)
		if len(resp) > 0 {
			return fmt.Errorf("%s sends no response, so %s cannot apply (fix: drop one of them)", t[0], strings.Join(resp, ", "))
		}
	}
	if b := f.namesOf(ClassBody); len(b) > 1 {
		return fmt.Errorf("body faults %s cannot compose (fix: keep one)", strings.Join(b, " and "))
	}
	return nil
}

// merge returns a copy of f with the kinds of g that f leaves unset. Terminal
// faults of g are skipped when f already sends a response, and vice versa,
// so the result always validates when f and g do.
func merge(f, g *Fault) *Fault {
	if f == nil {
		return g
	}
	if g == nil {
		return f
	}
	out := *f
	fTerm := f.first(ClassTerminal) != nil
	fResp := f.first(ClassResponse) != nil || f.first(ClassBody) != nil
	takeClass := func(c Class, onlyUnset bool) {
		for i := range catalogue {
			if k := &catalogue[i]; k.Class == c && (!onlyUnset || !k.has(&out)) {
				k.take(&out, g)
			}
		}
	}
	takeClass(ClassDelay, true)
	if fTerm {
		return &out
	}
	if !fResp && g.first(ClassTerminal) != nil {
		takeClass(ClassTerminal, false)
		return &out
	}
	takeClass(ClassResponse, true)
	if out.first(ClassBody) == nil {
		takeClass(ClassBody, false)
	}
	return &out
}
