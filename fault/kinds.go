package fault

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Class says how a fault kind composes with the others in one Fault.
type Class string

// Classes of fault kinds.
const (
	// ClassDelay waits before the response (latency); it composes with
	// everything.
	ClassDelay Class = "delay"
	// ClassResponse replaces or alters the response (status, retry_after,
	// corrupt).
	ClassResponse Class = "response"
	// ClassTerminal ends the connection instead of answering (hang, close,
	// reset, refuse, garbage): at most one, and no response or body kind
	// beside it.
	ClassTerminal Class = "terminal"
	// ClassBody says how the body goes out (stall_body, dribble, throttle,
	// truncate, malformed_chunk): at most one.
	ClassBody Class = "body"
)

// Valid reports whether c is one of the Class constants.
func (c Class) Valid() bool {
	switch c {
	case ClassDelay, ClassResponse, ClassTerminal, ClassBody:
		return true
	}
	return false
}

// KindInfo describes one entry of the fault catalogue.
type KindInfo struct {
	Name    string   // the key in rule files and in X-Mockd-Fault, e.g. "retry_after"
	Aliases []string // older names still accepted, e.g. "contract" for "corrupt"
	Class   Class    // how it composes with the other kinds
	Bare    bool     // whether it may be named alone, without a value (`fault: reset`)
	Summary string   // what it does on the wire, in one line
}

// kind is one entry of the catalogue: everything the package knows about one
// fault, built by a constructor in the kind's own file.
type kind struct {
	KindInfo
	replaces bool                                      // ClassResponse: next is not called, statusResponse is sent instead
	has      func(f *Fault) bool                       // whether f sets this kind
	take     func(dst, src *Fault)                     // copy this kind's value from src into dst
	parse    func(p *parser, v *yaml.Node, f *Fault)   // its YAML value (the header form arrives as YAML too)
	check    func(f *Fault) error                      // its value in a Fault built in Go; nil when any value is fine
	end      func(x *exchange) Outcome                 // ClassTerminal: serve it instead of a response
	alter    func(x *exchange, resp *response) string  // ClassResponse: change the buffered response (nil: status builds it)
	send     func(x *exchange, resp *response) Outcome // ClassBody: send the buffered response
}

// catalogue is every fault kind, in the order their names are joined in
// labels ("latency+status"). It is the only list of kinds: names in error
// messages, bare names, composition and Catalogue all derive from it.
var catalogue = [...]kind{
	latencyKind(),
	statusKind(),
	retryAfterKind(),
	hangKind(),
	closeKind(),
	resetKind(),
	refuseKind(),
	garbageKind(),
	stallBodyKind(),
	dribbleKind(),
	throttleKind(),
	truncateKind(),
	malformedChunkKind(),
	corruptKind(),
}

// Catalogue describes every fault kind, in label order.
func Catalogue() []KindInfo {
	out := make([]KindInfo, len(catalogue))
	for i := range catalogue {
		out[i] = catalogue[i].KindInfo
		out[i].Aliases = slices.Clone(out[i].Aliases)
	}
	return out
}

// kindNamed finds a kind by its name or an alias.
func kindNamed(name string) *kind {
	for i := range catalogue {
		k := &catalogue[i]
		if k.Name == name || slices.Contains(k.Aliases, name) {
			return k
		}
	}
	return nil
}

// kindList lists the catalogue's names (not aliases).
func kindList() []string {
	names := make([]string, len(catalogue))
	for i := range catalogue {
		names[i] = catalogue[i].Name
	}
	return names
}

// kindNames lists the catalogue's names (not aliases), comma-separated.
func kindNames() string { return strings.Join(kindList(), ", ") }

// isBare reports whether name is a kind that may be named without a value.
func isBare(name string) bool {
	k := kindNamed(name)
	return k != nil && k.Bare
}

// bareNames lists the bare kinds, sorted, comma-separated.
func bareNames() string {
	var names []string
	for i := range catalogue {
		if catalogue[i].Bare {
			names = append(names, catalogue[i].Name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
