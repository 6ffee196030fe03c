package redact

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// scan collects the secret values found while redacting one exchange, so
// they can be scrubbed from everywhere else in it (value propagation). A nil
// *scan collects nothing.
type scan struct {
	vals    map[string]bool
	bearing bool // some secret was seen, whatever its length
}

func newScan() *scan { return &scan{} }

func (s *scan) add(v string) {
	if s == nil {
		return
	}
	v = strings.TrimSpace(v)
	if v == "" || v == Redacted || strings.HasPrefix(v, "["+Redacted) {
		return
	}
	s.bearing = true
	if len(v) >= MinPropagated && !strings.Contains(v, Redacted) {
		if s.vals == nil {
			s.vals = map[string]bool{}
		}
		s.vals[v] = true
	}
}

func (s *scan) addUnescaped(v string) {
	if u, err := url.PathUnescape(v); err == nil && u != v {
		s.add(u)
	}
}

// leaves collects every scalar under n (the subtree of a secret key).
func (s *scan) leaves(n *jnode) {
	if s == nil || n == nil {
		return
	}
	switch n.kind {
	case jString:
		s.add(n.str)
	case jNumber:
		s.add(n.raw)
	case jArray, jObject:
		for _, v := range n.vals {
			s.leaves(v)
		}
	default:
	}
}

// list returns the values, longest first, with their encoded variants.
func (s *scan) list() []string {
	if s == nil || len(s.vals) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for v := range s.vals {
		for _, f := range []string{v, url.QueryEscape(v), url.PathEscape(v), jsonEscaped(v)} {
			if len(f) >= MinPropagated && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

func jsonEscaped(v string) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) < 2 {
		return v
	}
	return string(b[1 : len(b)-1])
}

// Scrub replaces every occurrence of the given secret values in s with
// Redacted (the values RequestParts returns, for text the redactor did not
// see, such as headers it keeps).
func Scrub(s string, secrets []string) string { return scrubString(s, secrets) }

func scrubString(s string, vals []string) string {
	for _, v := range vals {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	return s
}

func scrubBytes(b []byte, vals []string) []byte {
	for _, v := range vals {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Redacted))
		}
	}
	return b
}

// scrubNode replaces listed values inside JSON strings and keys, and
// numbers equal to a listed value.
func scrubNode(n *jnode, vals []string) {
	switch n.kind {
	case jString:
		n.str = scrubString(n.str, vals)
	case jNumber:
		for _, v := range vals {
			if n.raw == v {
				*n = *redactedNode()
				return
			}
		}
	case jObject:
		for i := range n.keys {
			n.keys[i] = scrubString(n.keys[i], vals)
		}
		fallthrough
	case jArray:
		for _, v := range n.vals {
			scrubNode(v, vals)
		}
	default:
	}
}
