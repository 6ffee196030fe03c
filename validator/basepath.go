package validator

import "strings"

// BarePath strips from the request path p the longest server base path of
// the operation that leaves a path its template matches (p itself when p
// already matches without one).
func (op *Operation) BarePath(p string) string {
	if op.bare != nil && op.bare.MatchString(p) && !hasAnyBase(op, p) {
		return p
	}
	for _, base := range op.BasePaths {
		if base == "" {
			continue
		}
		if rest, ok := StripBase(p, base); ok && (op.bare == nil || op.bare.MatchString(rest)) {
			return rest
		}
	}
	return p
}

func hasAnyBase(op *Operation, p string) bool {
	for _, base := range op.BasePaths {
		if base != "" && (p == base || strings.HasPrefix(p, base+"/")) {
			return true
		}
	}
	return false
}

// StripBase removes the server base path base from the request path p; ok
// is false when p is not under base. An empty base (the root) strips nothing.
func StripBase(p, base string) (rest string, ok bool) {
	base = strings.TrimRight(base, "/")
	if base == "" {
		return p, true
	}
	if p == base {
		return "/", true
	}
	if strings.HasPrefix(p, base+"/") {
		return p[len(base):], true
	}
	return p, false
}
