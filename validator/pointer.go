package validator

import (
	"strconv"
	"strings"
)

// EscapePointer escapes one JSON pointer segment (RFC 6901: "~" as "~0",
// "/" as "~1").
func EscapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// SplitPointer splits a JSON pointer (with or without a leading "#") into
// its unescaped segments; the root pointer gives none.
func SplitPointer(p string) []string {
	p = strings.TrimPrefix(p, "#")
	if p == "" || p == "/" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = unescapePointer(s)
	}
	return segs
}

// ValueAt returns the value at the pointer segments inst in a decoded JSON
// document (objects and arrays), or nil when there is none.
func ValueAt(v any, inst []string) any {
	for _, seg := range inst {
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}
