package mockserver

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

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
	router *validator.Router
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
	s.router = spec.Router()
	return s, nil
}

// Spec returns the served spec.
func (s *Server) Spec() *validator.Spec { return s.spec }

// Seed returns the seed used for generated data.
func (s *Server) Seed() uint64 { return s.cfg.seed }

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
	op, err := s.router.Find(r)
	var mna *validator.MethodNotAllowedError
	switch {
	case err == nil:
		s.serveOperation(w, r, op)
	case errors.As(err, &mna):
		allow := strings.Join(mna.Allow, ", ")
		w.Header().Set("Allow", allow)
		writeProblem(w, &Problem{
			Type:   ProblemMethodNotAllowed,
			Title:  "Route resolved, but no method matched",
			Status: http.StatusMethodNotAllowed,
			Detail: fmt.Sprintf("The route %s has been matched, but it does not have %q method defined (allowed: %s).", mna.Pattern, strings.ToLower(r.Method), allow),
		})
	default:
		s.notFound(w, r)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, &Problem{
		Type:   ProblemNotFound,
		Title:  "Route not resolved, no path matched",
		Status: http.StatusNotFound,
		Detail: fmt.Sprintf("The spec has no path matching %s (check the path and the servers' base path).", r.URL.Path),
	})
}
