package yamlpos

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Walker reads a user-written YAML tree and collects positioned problems
// instead of stopping at the first. The zero value with File set is ready.
type Walker struct {
	// File names the file in every Position.
	File string
	// Max bounds how many problems are kept; 0 keeps every one.
	Max int
	// Errs are the problems found so far, in the order found.
	Errs []*Error
}

// Fail records a problem at n (the file's start when n has no place).
func (w *Walker) Fail(n *yaml.Node, hint, format string, args ...any) {
	if w.Max > 0 && len(w.Errs) >= w.Max {
		return
	}
	pos := Position{File: w.File, Line: 1, Col: 1}
	if n != nil && n.Line > 0 {
		pos.Line, pos.Col = n.Line, n.Column
	}
	w.Errs = append(w.Errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// Syntax records a YAML syntax error of yaml.Unmarshal at the line it names.
func (w *Walker) Syntax(err error) {
	line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				line, msg = n, tail
			}
		}
	}
	w.Fail(&yaml.Node{Line: line, Column: 1}, "check indentation and quoting near this line", "invalid YAML: %s", msg)
}

// Plain rejects an alias: it could make the tree cyclic or explode its size.
func (w *Walker) Plain(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		w.Fail(n, "repeat the value instead of using an alias", "YAML aliases are not supported here")
		return false
	}
	return true
}

// Mapping visits the pairs of the mapping n (named where in messages),
// rejecting non-scalar, duplicate and unknown keys and aliased values; the
// unknown-key hint lists allowed and suggests the nearest one.
func (w *Walker) Mapping(n *yaml.Node, where string, allowed []string, fn func(key string, k, v *yaml.Node)) {
	w.Walk(n, where, allowed, func(key string) (string, bool) { return key, slices.Contains(allowed, key) }, fn)
}

// Walk is Mapping with resolve mapping each key to the name fn receives (an
// old spelling to the current one) and saying whether it is known; known
// are the names the unknown-key hint lists.
func (w *Walker) Walk(n *yaml.Node, where string, known []string, resolve func(string) (string, bool), fn func(key string, k, v *yaml.Node)) {
	if !w.Plain(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		w.Fail(n, "write "+where+" as `key: value` pairs", "%s must be a mapping, not %s", where, Describe(n))
		return
	}
	seen := map[string]string{} // resolved name → the key as written
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			w.Fail(k, "use plain names as keys", "keys in %s must be plain names", where)
			continue
		}
		key, ok := resolve(k.Value)
		if !ok {
			key = k.Value // an unknown key counts as itself for duplicates
		}
		if prev, dup := seen[key]; dup {
			if prev == k.Value {
				w.Fail(k, "remove one of them", "duplicate key %q in %s", k.Value, where)
			} else {
				w.Fail(k, "remove one of them", "keys %q and %q in %s name the same thing", prev, k.Value, where)
			}
			continue
		}
		seen[key] = k.Value
		if !ok {
			w.Fail(k, unknownKeyHint(k.Value, known), "unknown key %q in %s", k.Value, where)
			continue
		}
		if w.Plain(v) {
			fn(key, k, v)
		}
	}
}

// unknownKeyHint lists the known keys, and the one key probably meant.
func unknownKeyHint(key string, known []string) string {
	hint := "allowed keys: " + strings.Join(known, ", ")
	if s := Suggest(key, known); s != "" {
		hint += fmt.Sprintf("; did you mean %q?", s)
	}
	return hint
}

// List visits the items of the list n (named where in messages).
func (w *Walker) List(n *yaml.Node, where string, fn func(*yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		w.Fail(n, "write `"+where+":` followed by `- ...` items", "%s must be a list, not %s", where, Describe(n))
		return
	}
	for _, it := range n.Content {
		fn(it)
	}
}

// Scalar returns the single value n holds.
func (w *Walker) Scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		w.Fail(n, "give a single value", "%s must be a single value, not %s", what, Describe(n))
		return "", false
	}
	return n.Value, true
}

// Decode decodes the scalar n into out (yaml.v3 reads durations such as
// 500ms); want describes a valid value for the hint.
func (w *Walker) Decode(n *yaml.Node, out any, what, want string) bool {
	if n.Kind != yaml.ScalarNode {
		w.Fail(n, "give "+want, "%s must be a single value, not %s", what, Describe(n))
		return false
	}
	if err := n.Decode(out); err != nil {
		w.Fail(n, "give "+want, "%s %q is not valid", what, n.Value)
		return false
	}
	return true
}

// Suggest returns the name of known nearest to key (ignoring case, at most
// two edits and fewer edits than key has letters), or "" when none is near.
func Suggest(key string, known []string) string {
	best, bestDist := "", 3
	lk := strings.ToLower(key)
	for _, k := range known {
		d := editDistance(lk, strings.ToLower(k))
		if d < bestDist && d < len(key) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
