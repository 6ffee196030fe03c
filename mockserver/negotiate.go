package mockserver

import (
	"mime"
	"sort"
	"strconv"
	"strings"
)

// acceptRange is one entry of an Accept header.
type acceptRange struct {
	typ, sub string  // "*" for wildcards
	params   string  // media type parameters other than q, normalised
	q        float64 // quality
	order    int     // position in the header
}

// parseAccept parses an Accept header. Entries that do not parse are skipped;
// an empty or absent header yields nil (anything is acceptable).
func parseAccept(h string) []acceptRange {
	if strings.TrimSpace(h) == "" {
		return nil
	}
	var out []acceptRange
	for i, part := range splitComma(h) {
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			// mime rejects "*" alone; treat it as */*.
			if strings.TrimSpace(part) == "*" {
				mt = "*/*"
			} else {
				continue
			}
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok {
			continue
		}
		q := 1.0
		if qs, has := params["q"]; has {
			if v, err := strconv.ParseFloat(qs, 64); err == nil && v >= 0 && v <= 1 {
				q = v
			}
			delete(params, "q")
		}
		out = append(out, acceptRange{typ: typ, sub: sub, params: normParams(params), q: q, order: i})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].q > out[j].q })
	return out
}

// splitComma splits a header on commas outside quoted strings.
func splitComma(h string) []string {
	var out []string
	quoted := false
	start := 0
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, strings.TrimSpace(h[start:i]))
				start = i + 1
			}
		}
	}
	if s := strings.TrimSpace(h[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func normParams(p map[string]string) string {
	if len(p) == 0 {
		return ""
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, strings.ToLower(k))
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strings.ToLower(p[k]))
		b.WriteByte(';')
	}
	return b.String()
}

// negotiate picks the offered media type that best satisfies accept.
// offered is in spec order; with no Accept header the first offer wins.
// It reports false when nothing offered is acceptable.
func negotiate(accept []acceptRange, offered []string) (string, bool) {
	if len(offered) == 0 {
		return "", true
	}
	if len(accept) == 0 {
		return offered[0], true
	}
	type parsedOffer struct {
		typ, sub, params string
	}
	offers := make([]parsedOffer, len(offered))
	for i, o := range offered {
		mt, params, err := mime.ParseMediaType(o)
		if err != nil {
			mt = strings.ToLower(strings.TrimSpace(o))
		}
		t, s, _ := strings.Cut(mt, "/")
		offers[i] = parsedOffer{typ: t, sub: s, params: normParams(params)}
	}
	// Highest q first (parseAccept sorted stably, so header order breaks
	// ties); within one range, an exact type beats a wildcard offer, and
	// spec order breaks the remaining ties.
	for _, a := range accept {
		if a.q == 0 {
			continue
		}
		best, bestScore := -1, -1
		for i, o := range offers {
			score := matchScore(a, o.typ, o.sub, o.params)
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		if best >= 0 && bestScore > 0 && !excluded(accept, offers[best].typ, offers[best].sub) {
			return offered[best], true
		}
	}
	return "", false
}

// matchScore says how well the range a matches an offer: 0 no match, higher
// is more specific.
func matchScore(a acceptRange, typ, sub, params string) int {
	switch {
	case a.typ == "*" && a.sub == "*":
		return 1
	case !strings.EqualFold(a.typ, typ) && typ != "*":
		return 0
	case a.sub == "*":
		return 2
	case strings.EqualFold(a.sub, sub):
		if a.params != "" && a.params != params {
			if params == "" {
				return 3 // offer without parameters serves any parameters
			}
			return 0
		}
		return 4
	case sub == "*":
		return 2
	}
	return 0
}

// excluded reports whether the header gives the concrete type q=0.
func excluded(accept []acceptRange, typ, sub string) bool {
	for _, a := range accept {
		if a.q == 0 && strings.EqualFold(a.typ, typ) && strings.EqualFold(a.sub, sub) {
			return true
		}
	}
	return false
}
