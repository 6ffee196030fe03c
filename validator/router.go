package validator

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/gorilla/mux"
)

// ErrNoPath is returned by Router.Find when no path of the spec matches.
var ErrNoPath = errors.New("no path of the spec matches")

// MethodNotAllowedError is returned by Router.Find when a path matches but
// none of its operations has the request's method.
type MethodNotAllowedError struct {
	Pattern string   // the matched path (with its base path)
	Allow   []string // the methods the path serves, sorted
}

// Error says which methods the path serves.
func (e *MethodNotAllowedError) Error() string {
	return fmt.Sprintf("path %s is served only for %s", e.Pattern, strings.Join(e.Allow, ", "))
}

// Router finds the operation of the spec that a request is for. It is built
// with gorilla/mux: every operation is reachable with and without each of
// its servers' base paths, literal segments beat templated ones, and
// APIs-guru's "#name=value" path suffixes select by header or query.
type Router struct {
	groups   []*pathGroup // most specific first
	Warnings []string     // paths that cannot be routed
}

// pathGroup is one routable path (base path + route path, and selector)
// with the operations it serves by method.
type pathGroup struct {
	pattern string // base path + route path, as in the spec
	ops     map[string]*Operation
	mux     *mux.Route
	// slashes and prefix are what any path the template matches has: its
	// number of '/' (a parameter matches within one segment) and its
	// escaped literal start. Find tests them before the regular expression.
	slashes int
	prefix  string
}

var routeVar = regexp.MustCompile(`\{[^{}/]*\}`)

// Router returns the spec's router.
func (s *Spec) Router() *Router { return s.router }

func newRouter(ops []*Operation) *Router {
	rt := &Router{}
	byKey := map[string]*pathGroup{}
	var selectorOf = map[*pathGroup]*Selector{}
	for _, op := range ops {
		for _, base := range append([]string{""}, op.BasePaths...) {
			pattern := base + op.RoutePath
			key := pattern
			if op.Selector != nil {
				key += "#" + op.Selector.In + ":" + op.Selector.Name + "=" + op.Selector.Value
			}
			g := byKey[key]
			if g == nil {
				g = &pathGroup{pattern: pattern, ops: map[string]*Operation{}}
				byKey[key] = g
				selectorOf[g] = op.Selector
				rt.groups = append(rt.groups, g)
			}
			if _, dup := g.ops[op.Method]; !dup {
				g.ops[op.Method] = op
			}
		}
	}
	// Literal segments beat templated ones: /books/new before /books/{id};
	// then more literal characters ({name}:cancel before {name}); then
	// paths with a selector before the bare path.
	sort.SliceStable(rt.groups, func(i, j int) bool {
		if c := specificity(rt.groups[i].pattern, rt.groups[j].pattern); c != 0 {
			return c > 0
		}
		return selectorOf[rt.groups[i]] != nil && selectorOf[rt.groups[j]] == nil
	})
	// Routing on the escaped path keeps a percent-encoded '/' (%2F) inside
	// its path parameter (AWS ARNs, file paths) instead of splitting it.
	m := mux.NewRouter().SkipClean(true).UseEncodedPath()
	kept := rt.groups[:0]
	for _, g := range rt.groups {
		tmpl := encodedTemplate(g.pattern)
		if !balanced(tmpl) {
			rt.Warnings = append(rt.Warnings, fmt.Sprintf("path %q has unbalanced braces: not routed (fix the path template)", g.pattern))
			continue
		}
		mr := m.NewRoute().Path(tmpl)
		if sel := selectorOf[g]; sel != nil {
			if sel.In == "header" {
				mr = mr.Headers(sel.Name, sel.Value)
			} else {
				mr = mr.Queries(sel.Name, sel.Value)
			}
		}
		if err := mr.GetError(); err != nil {
			rt.Warnings = append(rt.Warnings, fmt.Sprintf("path %q cannot be routed: %v (fix the path template)", g.pattern, err))
			continue
		}
		g.mux = mr
		g.slashes = strings.Count(routeVar.ReplaceAllString(g.pattern, ""), "/")
		g.prefix, _, _ = strings.Cut(tmpl, "{")
		kept = append(kept, g)
	}
	rt.groups = kept
	return rt
}

// Find returns the operation r is for, ErrNoPath, or a
// *MethodNotAllowedError listing the methods the matched path serves. The
// most specific matching path decides: when it lacks the method, a less
// specific path that has it is not used (PATCH /pulls/comments is a 405
// when only GET /pulls/comments exists, even beside PATCH /pulls/{number});
// paths as specific as it (same shape, other selector) are consulted too.
func (rt *Router) Find(r *http.Request) (*Operation, error) {
	r = canonicalRequest(r)
	var first *pathGroup
	var allowed map[string]bool
	path := r.URL.EscapedPath()
	slashes := strings.Count(path, "/")
	for _, g := range rt.groups {
		if g.slashes != slashes || !strings.HasPrefix(path, g.prefix) {
			continue
		}
		if first != nil && specificity(first.pattern, g.pattern) != 0 {
			break
		}
		if !g.mux.Match(r, &mux.RouteMatch{}) {
			continue
		}
		if op := g.ops[r.Method]; op != nil {
			return op, nil
		}
		if first == nil {
			first, allowed = g, map[string]bool{}
		}
		for m := range g.ops {
			allowed[m] = true
		}
	}
	if first == nil {
		return nil, ErrNoPath
	}
	methods := make([]string, 0, len(allowed))
	for m := range allowed {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	return nil, &MethodNotAllowedError{Pattern: first.pattern, Allow: methods}
}

func balanced(p string) bool {
	depth := 0
	for _, c := range p {
		switch c {
		case '{':
			depth++
			if depth > 1 {
				return false
			}
		case '}':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// specificity orders patterns so that, where two can match the same path,
// the more specific one is tried first. Each segment ranks as literal (most
// specific), then templated with more literal characters ({name}:cancel
// before {name}); patterns compare rank by rank, then shorter first. It
// returns 1 when a is more specific, -1 when b is, 0 when equal. This is a
// total order (sorting with it is consistent).
func specificity(a, b string) int {
	ar, br := segmentRanks(a), segmentRanks(b)
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] != br[i] {
			if ar[i] < br[i] {
				return 1
			}
			return -1
		}
	}
	switch {
	case len(ar) < len(br):
		return 1
	case len(ar) > len(br):
		return -1
	}
	return 0
}

// segmentRanks ranks each segment: 0 for a literal, else a number that falls
// as the segment's literal characters grow.
func segmentRanks(p string) []int {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	ranks := make([]int, len(segs))
	for i, seg := range segs {
		if strings.Contains(seg, "{") {
			ranks[i] = 1<<20 - len(routeVar.ReplaceAllString(seg, ""))
		}
	}
	return ranks
}

// encodedTemplate turns a path template into a gorilla/mux template matched
// against the escaped path: literal parts are in canonicalPath's spelling,
// as requests are, and each {param} matches one escaped segment.
func encodedTemplate(pattern string) string {
	var b strings.Builder
	n, last := 0, 0
	for _, m := range routeVar.FindAllStringIndex(pattern, -1) {
		b.WriteString(canonicalPath((&url.URL{Path: pattern[last:m[0]]}).EscapedPath()))
		n++
		// [^/]* rather than gorilla's [^/]+: an empty segment reaches the
		// operation, whose validation reports the missing value.
		fmt.Fprintf(&b, "{p%d:[^/]*}", n)
		last = m[1]
	}
	b.WriteString(canonicalPath((&url.URL{Path: pattern[last:]}).EscapedPath()))
	return b.String()
}

// canonicalRequest returns r, or a shallow copy of it whose URL spells the
// path as canonicalPath does.
func canonicalRequest(r *http.Request) *http.Request {
	escaped := r.URL.EscapedPath()
	cp := canonicalPath(escaped)
	if cp == escaped {
		return r
	}
	clone := *r
	u := *r.URL
	u.RawPath = cp
	clone.URL = &u
	return &clone
}

// canonicalPath spells an escaped path one way: an escape of a byte that
// may stand for itself in a path segment (letters, digits, "-._~", the
// sub-delimiters "!$&'()*+,;=", ":" and "@") is decoded, any other byte is
// escaped (%XX, upper case), and %2F (a '/' inside a segment) and %25 stay
// escaped. Routes and requests are compared in this form, so /docs('1') and
// /docs%28%271%27%29 both reach /docs('{key}').
func canonicalPath(p string) string {
	const hex = "0123456789ABCDEF"
	plain := true
	for i := 0; i < len(p) && plain; i++ {
		plain = p[i] == '/' || pathLiteral(p[i])
	}
	if plain {
		return p // nothing escaped, nothing to escape: the common case costs no allocation
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			d := unhex(p[i+1])<<4 | unhex(p[i+2])
			i += 2
			if pathLiteral(d) {
				b.WriteByte(d)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[d>>4])
				b.WriteByte(hex[d&0xF])
			}
			continue
		}
		if c == '/' || pathLiteral(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
	return b.String()
}

// pathLiteral reports a byte that may appear unescaped in a path segment
// (RFC 3986 pchar without pct-encoded).
func pathLiteral(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
