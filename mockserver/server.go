package mockserver

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorilla/mux"

	"github.com/mockd/mockd/validator"
)

// Option configures a Server.
type Option func(*config) error

type config struct {
	spec           *validator.Spec
	specFile       string
	specBytes      []byte
	dynamic        bool
	seed           uint64
	seedSet        bool
	errors         bool
	cors           bool
	checkResponses bool
	logger         *slog.Logger
}

// WithSpec serves an already loaded spec.
func WithSpec(s *validator.Spec) Option {
	return func(c *config) error { c.spec = s; return nil }
}

// SpecFile loads and serves the spec at path.
func SpecFile(path string) Option {
	return func(c *config) error { c.specFile = path; return nil }
}

// SpecBytes parses and serves a spec given as bytes (YAML or JSON).
func SpecBytes(data []byte) Option {
	return func(c *config) error { c.specBytes = data; return nil }
}

// Dynamic generates bodies from schemas even when examples exist.
func Dynamic(on bool) Option { return func(c *config) error { c.dynamic = on; return nil } }

// Seed fixes the seed of generated data: the same seed and the same request
// sequence give the same bodies. Without it a random seed is chosen.
func Seed(n uint64) Option {
	return func(c *config) error { c.seed, c.seedSet = n, true; return nil }
}

// Errors turns violations in generated or example responses into 500
// problem responses (Prism's --errors).
func Errors(on bool) Option { return func(c *config) error { c.errors = on; return nil } }

// CORS answers preflight requests and adds permissive CORS headers to every
// response. On by default.
func CORS(on bool) Option { return func(c *config) error { c.cors = on; return nil } }

// CheckResponses validates every served response against the spec and logs
// violations (a debug aid; Errors makes them fatal instead).
func CheckResponses(on bool) Option {
	return func(c *config) error { c.checkResponses = on; return nil }
}

// Logger sets the structured logger. The default discards.
func Logger(l *slog.Logger) Option { return func(c *config) error { c.logger = l; return nil } }

// Server answers HTTP requests from an OpenAPI spec. It is an http.Handler
// and is safe for concurrent use.
type Server struct {
	cfg    config
	spec   *validator.Spec
	router *mux.Router
	routes []*route
	// rendered holds static response bodies and headers by selection.
	rendered sync.Map // renderKey → *rendered
	// exampleOK caches whether an example validates against its schema.
	exampleOK sync.Map // renderKey → bool
	// counters number the requests per operation for dynamic bodies.
	counters map[*validator.Operation]*atomic.Uint64
}

// New builds a Server from options. A spec is required.
func New(opts ...Option) (*Server, error) {
	cfg := config{cors: true}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if !cfg.seedSet {
		cfg.seed = rand.Uint64()
	}
	spec := cfg.spec
	var err error
	switch {
	case spec != nil:
	case cfg.specFile != "":
		spec, err = validator.Load(cfg.specFile, validator.WithFormatAssertions(), validator.WithLogger(cfg.logger))
	case cfg.specBytes != nil:
		spec, err = validator.Parse(cfg.specBytes, validator.WithFormatAssertions(), validator.WithLogger(cfg.logger))
	default:
		return nil, errors.New("mockserver: no spec: use SpecFile, SpecBytes or WithSpec")
	}
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, spec: spec, counters: map[*validator.Operation]*atomic.Uint64{}}
	for _, op := range spec.Operations {
		s.counters[op] = new(atomic.Uint64)
	}
	if err := s.buildRouter(); err != nil {
		return nil, err
	}
	return s, nil
}

// Spec returns the served spec.
func (s *Server) Spec() *validator.Spec { return s.spec }

// Seed returns the seed used for generated data.
func (s *Server) Seed() uint64 { return s.cfg.seed }

// route is one operation reachable at one URL pattern (a base path plus the
// spec path).
type route struct {
	pattern string // base path + route path, as in the spec
	op      *validator.Operation
	mux     *mux.Route
}

var pathVar = regexp.MustCompile(`\{[^{}/]*\}`)

func (s *Server) buildRouter() error {
	var routes []*route
	seen := map[string]bool{}
	for _, op := range s.spec.Operations {
		for _, base := range append([]string{""}, op.BasePaths...) {
			rt := &route{pattern: base + op.RoutePath, op: op}
			key := op.Method + " " + rt.pattern
			if op.Selector != nil {
				key += "#" + op.Selector.Name + "=" + op.Selector.Value
			}
			if !seen[key] {
				seen[key] = true
				routes = append(routes, rt)
			}
		}
	}
	// Literal segments beat templated ones: /books/new before /books/{id};
	// then more literal characters ({name}:cancel before {name}); then
	// routes with a selector before the bare path.
	sort.SliceStable(routes, func(i, j int) bool {
		if c := specificity(routes[i].pattern, routes[j].pattern); c != 0 {
			return c > 0
		}
		return routes[i].op.Selector != nil && routes[j].op.Selector == nil
	})

	r := mux.NewRouter().SkipClean(true)
	for _, rt := range routes {
		n := 0
		tmpl := pathVar.ReplaceAllStringFunc(rt.pattern, func(string) string {
			n++
			// [^/]* rather than gorilla's [^/]+: an empty segment reaches
			// the operation, whose validation reports the missing value.
			return fmt.Sprintf("{p%d:[^/]*}", n)
		})
		if !balanced(tmpl) {
			s.spec.Warnings = append(s.spec.Warnings, fmt.Sprintf("path %q has unbalanced braces: not served (fix the path template)", rt.pattern))
			continue
		}
		mr := r.NewRoute().Path(tmpl).Methods(rt.op.Method)
		if sel := rt.op.Selector; sel != nil {
			if sel.In == "header" {
				mr = mr.Headers(sel.Name, sel.Value)
			} else {
				mr = mr.Queries(sel.Name, sel.Value)
			}
		}
		if err := mr.GetError(); err != nil {
			s.spec.Warnings = append(s.spec.Warnings, fmt.Sprintf("path %q cannot be routed: %v (fix the path template)", rt.pattern, err))
			continue
		}
		op := rt.op
		mr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveOperation(w, r, op) }))
		rt.mux = mr
	}
	s.routes = routes
	r.NotFoundHandler = http.HandlerFunc(s.notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(s.methodNotAllowed)
	s.router = r
	return nil
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

// specificity compares two patterns segment by segment: at the first
// segment where one is literal and the other templated the literal one is
// more specific; where both are templated, the one with more literal
// characters is. It returns 1 when a is more specific, -1 when b is.
func specificity(a, b string) int {
	as := strings.Split(strings.Trim(a, "/"), "/")
	bs := strings.Split(strings.Trim(b, "/"), "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		at, bt := strings.Contains(as[i], "{"), strings.Contains(bs[i], "{")
		switch {
		case at != bt && !at:
			return 1
		case at != bt:
			return -1
		case at && bt:
			al, bl := len(pathVar.ReplaceAllString(as[i], "")), len(pathVar.ReplaceAllString(bs[i], ""))
			if al != bl {
				if al > bl {
					return 1
				}
				return -1
			}
		}
	}
	return 0
}

// methodNotAllowed answers 405 with the methods that the matched path
// does serve.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	allowed := map[string]bool{}
	pattern := ""
	for _, rt := range s.routes {
		if rt.mux == nil || allowed[rt.op.Method] {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = rt.op.Method
		if rt.mux.Match(probe, &mux.RouteMatch{}) {
			allowed[rt.op.Method] = true
			if pattern == "" {
				pattern = rt.pattern
			}
		}
	}
	methods := make([]string, 0, len(allowed))
	for m := range allowed {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	allow := strings.Join(methods, ", ")
	w.Header().Set("Allow", allow)
	writeProblem(w, &Problem{
		Type:   ProblemMethodNotAllowed,
		Title:  "Route resolved, but no method matched",
		Status: http.StatusMethodNotAllowed,
		Detail: fmt.Sprintf("The route %s has been matched, but it does not have %q method defined (allowed: %s).", pattern, strings.ToLower(r.Method), allow),
	})
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.cfg.logger.Error("panic while serving", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
			writeProblem(w, &Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError,
				Detail: fmt.Sprintf("mockd failed while answering %s %s: %v (please report it with the spec)", r.Method, r.URL.Path, p)})
		}
	}()
	if s.cfg.cors {
		if s.preflight(w, r) {
			return
		}
		addCORSHeaders(w.Header(), r)
	}
	s.router.ServeHTTP(w, r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, &Problem{
		Type:   ProblemNotFound,
		Title:  "Route not resolved, no path matched",
		Status: http.StatusNotFound,
		Detail: fmt.Sprintf("The spec has no path matching %s (check the path and the servers' base path).", r.URL.Path),
	})
}
