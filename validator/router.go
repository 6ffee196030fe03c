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
	mux      *mux.Router
	routes   []*route
	byRoute  map[*mux.Route]*route
	Warnings []string // paths that cannot be routed
}

type route struct {
	pattern string // base path + route path, as in the spec
	op      *Operation
	mux     *mux.Route
}

var routeVar = regexp.MustCompile(`\{[^{}/]*\}`)

// Router returns the spec's router.
func (s *Spec) Router() *Router { return s.router }

func newRouter(ops []*Operation) *Router {
	// Routing on the escaped path keeps a percent-encoded '/' (%2F) inside
	// its path parameter (AWS ARNs, file paths) instead of splitting it.
	rt := &Router{mux: mux.NewRouter().SkipClean(true).UseEncodedPath(), byRoute: map[*mux.Route]*route{}}
	seen := map[string]bool{}
	for _, op := range ops {
		for _, base := range append([]string{""}, op.BasePaths...) {
			r := &route{pattern: base + op.RoutePath, op: op}
			key := op.Method + " " + r.pattern
			if op.Selector != nil {
				key += "#" + op.Selector.Name + "=" + op.Selector.Value
			}
			if !seen[key] {
				seen[key] = true
				rt.routes = append(rt.routes, r)
			}
		}
	}
	// Literal segments beat templated ones: /books/new before /books/{id};
	// then more literal characters ({name}:cancel before {name}); then
	// routes with a selector before the bare path.
	sort.SliceStable(rt.routes, func(i, j int) bool {
		if c := specificity(rt.routes[i].pattern, rt.routes[j].pattern); c != 0 {
			return c > 0
		}
		return rt.routes[i].op.Selector != nil && rt.routes[j].op.Selector == nil
	})
	kept := rt.routes[:0]
	for _, r := range rt.routes {
		tmpl := encodedTemplate(r.pattern)
		if !balanced(tmpl) {
			rt.Warnings = append(rt.Warnings, fmt.Sprintf("path %q has unbalanced braces: not routed (fix the path template)", r.pattern))
			continue
		}
		mr := rt.mux.NewRoute().Path(tmpl).Methods(r.op.Method)
		if sel := r.op.Selector; sel != nil {
			if sel.In == "header" {
				mr = mr.Headers(sel.Name, sel.Value)
			} else {
				mr = mr.Queries(sel.Name, sel.Value)
			}
		}
		if err := mr.GetError(); err != nil {
			rt.Warnings = append(rt.Warnings, fmt.Sprintf("path %q cannot be routed: %v (fix the path template)", r.pattern, err))
			continue
		}
		r.mux = mr
		rt.byRoute[mr] = r
		kept = append(kept, r)
	}
	rt.routes = kept
	return rt
}

// Find returns the operation r is for, ErrNoPath, or a
// *MethodNotAllowedError listing the methods the matched path serves.
func (rt *Router) Find(r *http.Request) (*Operation, error) {
	var m mux.RouteMatch
	if rt.mux.Match(r, &m) && m.Route != nil {
		if found, ok := rt.byRoute[m.Route]; ok {
			return found.op, nil
		}
	}
	if !errors.Is(m.MatchErr, mux.ErrMethodMismatch) {
		return nil, ErrNoPath
	}
	allowed := map[string]bool{}
	pattern := ""
	for _, route := range rt.routes {
		if allowed[route.op.Method] {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = route.op.Method
		if route.mux.Match(probe, &mux.RouteMatch{}) {
			allowed[route.op.Method] = true
			if pattern == "" {
				pattern = route.pattern
			}
		}
	}
	methods := make([]string, 0, len(allowed))
	for m := range allowed {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	return nil, &MethodNotAllowedError{Pattern: pattern, Allow: methods}
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
// against the escaped path: literal parts are escaped as a client sends
// them, and each {param} matches one escaped segment.
func encodedTemplate(pattern string) string {
	var b strings.Builder
	n, last := 0, 0
	for _, m := range routeVar.FindAllStringIndex(pattern, -1) {
		b.WriteString((&url.URL{Path: pattern[last:m[0]]}).EscapedPath())
		n++
		// [^/]* rather than gorilla's [^/]+: an empty segment reaches the
		// operation, whose validation reports the missing value.
		fmt.Fprintf(&b, "{p%d:[^/]*}", n)
		last = m[1]
	}
	b.WriteString((&url.URL{Path: pattern[last:]}).EscapedPath())
	return b.String()
}
