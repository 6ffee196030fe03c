package mockserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver/state"

	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// Server answers HTTP requests from an OpenAPI spec. It is an http.Handler
// and is safe for concurrent use.
type Server struct {
	cfg    Config
	seed   uint64 // Config.Seed or a random one
	spec   *validator.Spec
	router *validator.Router
	// rendered holds static response bodies and headers by selection.
	rendered sync.Map // renderKey → *rendered
	// exampleOK caches whether an example validates against its schema.
	exampleOK sync.Map // renderKey → bool
	// exampleWarnings holds the last CheckExamples result (for health).
	exampleWarnings atomic.Pointer[[]string]
	// ops holds what is kept per operation (see opState).
	ops         map[*validator.Operation]*opState
	faults      *fault.Engine
	journal     *Journal
	missHandler http.Handler
	recordOnce  *recordOnce // --on-miss record with cassettes: one forward per request key
	// pipeline is the ordered list of answer sources (pipeline.go).
	pipeline []source
	admin    http.Handler
	hooks    *hooks      // webhooks and callbacks (webhooks.go)
	cors     *corsPolicy // nil: CORS off
	auth     *mockAuth   // nil: no authorization server (auth.go)
	started  time.Time
	// keptNames remembers Redactor.KeepsHeader per request header name
	// (at most maxKeptNames, counted by keptCount).
	keptNames sync.Map // string → bool
	keptCount atomic.Int64
	// store and idem are the stateful mode's items and Idempotency-Key
	// answers (nil unless Config.Stateful; stateful.go).
	store *state.Store
	idem  *state.Idempotency
}

// New builds a Server from options: each sets a field of DefaultConfig(),
// then NewFromConfig builds the Server.
func New(opts ...Option) (*Server, error) {
	cfg := DefaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return NewFromConfig(cfg)
}

// NewFromConfig builds a Server from cfg (start from DefaultConfig). It
// needs Config.Spec or Config.Cassettes (or a spec given by the SpecFile or
// SpecBytes setter); an invalid field is an error naming the fix.
func NewFromConfig(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var seed uint64
	if cfg.Seed != nil {
		seed = *cfg.Seed
	} else {
		seed = rand.Uint64()
	}
	spec := cfg.Spec
	var err error
	switch {
	case spec != nil:
	case cfg.specFile != "":
		spec, err = validator.Load(cfg.specFile, validator.WithFormatAssertions(), validator.WithLogger(cfg.Logger))
	case cfg.specBytes != nil:
		spec, err = validator.Parse(cfg.specBytes, validator.WithFormatAssertions(), validator.WithLogger(cfg.Logger))
	case cfg.Cassettes != nil:
	default:
		return nil, errors.New("mockserver: no spec and no cassette: set Config.Spec or Config.Cassettes (options: WithSpec, SpecFile, SpecBytes, Cassettes)")
	}
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, seed: seed, spec: spec, ops: map[*validator.Operation]*opState{}}
	if spec != nil {
		for _, op := range spec.Operations {
			s.ops[op] = &opState{status: defaultStatus(op)}
		}
		s.router = spec.Router()
	}
	rules := cfg.Faults
	if cfg.FaultFile != "" {
		if rules, err = fault.LoadRules(cfg.FaultFile); err != nil {
			return nil, err
		}
	}
	fopts := []fault.Option{fault.WithHeaderFaults(cfg.FaultHeader), fault.WithLogger(cfg.Logger)}
	if cfg.Seed != nil || rules == nil || !rules.HasSeed {
		fopts = append(fopts, fault.WithSeed(seed))
	}
	s.faults = fault.NewEngine(rules, fopts...)
	s.journal = NewBoundedJournal(cfg.JournalSize, cfg.JournalBytes)
	s.journal.logger = cfg.Logger
	if cfg.Redactor == nil {
		cfg.Redactor = redact.Default()
		s.cfg.Redactor = cfg.Redactor
	}
	if cfg.WebhookSecret != "" {
		if s.cfg.Redactor, err = cfg.Redactor.WithValues(cfg.WebhookSecret.Reveal()); err != nil {
			return nil, fmt.Errorf("mockserver: webhook secret: %w", err)
		}
		cfg.Redactor = s.cfg.Redactor
	}
	if err := s.setupWebhooks(); err != nil {
		return nil, err
	}
	if cfg.Cassettes != nil {
		if err := s.setupPlayback(); err != nil {
			return nil, err
		}
	}
	if err := s.setupState(); err != nil {
		return nil, err
	}
	if err := s.setupAuth(); err != nil {
		return nil, err
	}
	s.pipeline = s.sources()
	if cfg.CORS {
		s.cors = newCORSPolicy(cfg.CORSOrigins)
	}
	s.admin = s.adminHandler()
	s.started = time.Now()
	return s, nil
}

// opState is what the server keeps per operation.
type opState struct {
	dynamic atomic.Uint64 // numbers the requests for dynamic bodies
	status  int           // defaultStatus, worked out once
}

// defaultStatus is the operation's default status (see the function).
func (s *Server) defaultStatus(op *validator.Operation) int {
	if st, ok := s.ops[op]; ok {
		return st.status
	}
	return defaultStatus(op)
}

// Faults returns the fault engine (rules can be changed while serving).
func (s *Server) Faults() *fault.Engine { return s.faults }

// Journal returns the request journal.
func (s *Server) Journal() *Journal { return s.journal }

// ConnContext tags each connection so that the journal and `connection:
// fresh|reused` rules know which connection a request came on. Set it as
// http.Server.ConnContext (Start does).
func (s *Server) ConnContext(ctx context.Context, c net.Conn) context.Context {
	return s.faults.ConnContext(ctx, c)
}

// Reset rewinds the server: fault counters and phases, the journal (and the
// webhook delivery journal and fault counters), the per-operation counters
// of dynamic bodies, and (stateful) the store's initial data and the
// Idempotency-Key answers.
func (s *Server) Reset() {
	s.resetState()
	if s.cfg.Cassettes != nil {
		s.cfg.Cassettes.Reset()
	}
	s.faults.Reset()
	s.journal.Clear()
	if s.hooks.d != nil {
		s.hooks.d.Reset()
	}
	for _, st := range s.ops {
		st.dynamic.Store(0)
	}
}

// Spec returns the served spec.
func (s *Server) Spec() *validator.Spec { return s.spec }

// Seed returns the seed used for generated data.
func (s *Server) Seed() uint64 { return s.seed }

// AdminPrefix is the path prefix of the admin API. Requests under it are
// never faulted nor journalled.
const AdminPrefix = "/__mockd/"

// maxRequestBody bounds the request bodies mockd reads (to validate, match,
// hash and record them); larger ones get 413.
const maxRequestBody = 16 << 20

// ServeHTTP answers one request: admin API; or body read, CORS, fault
// decision, then the answer sources in order (pipeline.go: cassettes, spec,
// upstream), then the journal entry.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.serveAdmin(w, r, nil)
		return
	}
	e := Entry{Seq: s.journal.begin(), Received: time.Now(), Method: r.Method, Path: r.URL.Path}
	defer s.journal.done()
	freq := fault.NewRequest(r)
	e.ConnID, e.ConnIndex = freq.ConnID, freq.ConnIndex
	var op *validator.Operation
	routeErr := validator.ErrNoPath
	if s.router != nil {
		op, routeErr = s.router.Find(r)
	}
	if op != nil {
		freq.Operation, freq.PathTemplate = op.ID, op.Path
		e.Operation = op.ID
	}
	e.Query, e.Headers = s.journalRequest(r.URL.RawQuery, r.Header)
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
		_ = r.Body.Close()
		if err != nil {
			s.bodyReadFailed(s.withCORS(w, r), r, &e, len(body), err)
			return
		}
		if len(body) > maxRequestBody {
			// Never validate or record a truncated body: say so instead.
			writeProblem(s.withCORS(w, r), &Problem{Type: ProblemTooLarge, Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("mockd reads request bodies of at most %d MiB; this one is larger.", maxRequestBody>>20)})
			s.journalEarly(&e, http.StatusRequestEntityTooLarge, SourceProblem)
			return
		}
		if len(body) > 0 {
			sum := sha256.Sum256(body)
			e.BodyHash, e.BodyBytes = hex.EncodeToString(sum[:]), int64(len(body))
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}

	if s.cors != nil && s.preflight(w, r) {
		s.journalEarly(&e, http.StatusNoContent, SourceCORSPreflight)
		return
	}
	w = s.withCORS(w, r)
	d := s.faults.Decide(freq)
	e.Rule, e.Key, e.Ordinal, e.Seed, e.Reason = d.Rule, journalKey(s.cfg.Redactor, r, d.Key), d.Ordinal, d.Seed, d.Reason
	tw := &timingWriter{ResponseWriter: w}
	x := &exchange{body: body, op: op, routeErr: routeErr}
	defer x.done() // also when a handler panics
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Applied() {
			// A fault may capture the response and write it on the raw
			// connection, past the CORS writer outside.
			w = s.withCORS(w, r)
		}
		if h := s.authRoute(r, op); h != nil {
			h(w, r)
			tw.source = SourceAuth
			return
		}
		x.r = withProblemNote(r, &x.problem)
		tw.source = s.answer(w, x)
		if d.Commit && d.Replaces() {
			// The fault drops this answer (a reset, a status): the request
			// is over, and a client retrying at once must get the replay.
			x.done()
		}
	})
	out := d.Serve(tw, r, next)
	x.done() // before the journal: a client that saw the end may already retry

	e.Finished = time.Now()
	e.Elapsed = e.Finished.Sub(e.Received)
	e.Started = tw.started
	e.Status, e.Bytes, e.End, e.Fault, e.Source = out.Status, out.BytesWritten, out.End.String(), out.Fault, tw.source
	e.Problem = x.problem
	if out.Err != "" {
		e.Error = out.Err
	}
	s.journal.add(e)
	if op != nil && e.Fault == "" {
		s.afterAnswer(r, op, body, e.Status)
	}
}

// journalEarly journals a request answered before the fault decision.
func (s *Server) journalEarly(e *Entry, status int, source Source) {
	e.Finished = time.Now()
	e.Elapsed, e.Status, e.End, e.Source = e.Finished.Sub(e.Received), status, fault.EndNormal.String(), source
	s.journal.add(*e)
}

// mock answers as the spec says (CORS, routing result, operation) and says
// where the answer came from.
func (s *Server) mock(w http.ResponseWriter, r *http.Request, op *validator.Operation, routeErr error) (source Source) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.cfg.Logger.Error("panic while serving", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
			writeProblem(w, &Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError,
				Detail: fmt.Sprintf("mockd failed while answering %s %s: %v (please report it with the spec)", r.Method, r.URL.Path, p)})
			source = SourcePanic
		}
	}()
	var mna *validator.MethodNotAllowedError
	switch {
	case routeErr == nil:
		return s.serveOperation(w, r, op)
	case errors.As(routeErr, &mna):
		allow := strings.Join(mna.Allow, ", ")
		w.Header().Set("Allow", allow)
		writeProblem(w, &Problem{
			Type:   ProblemMethodNotAllowed,
			Title:  "Route resolved, but no method matched",
			Status: http.StatusMethodNotAllowed,
			Detail: fmt.Sprintf("The route %s has been matched, but it does not have %q method defined (allowed: %s).", mna.Pattern, strings.ToLower(r.Method), allow),
		})
		return SourceProblem
	default:
		s.notFound(w, r)
		return SourceProblem
	}
}

// timingWriter notes when the status line goes out. It unwraps to the
// underlying writer so that wire faults can hijack the connection.
type timingWriter struct {
	http.ResponseWriter
	started time.Time
	source  Source
}

func (t *timingWriter) WriteHeader(code int) {
	if t.started.IsZero() {
		t.started = time.Now()
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *timingWriter) Write(p []byte) (int, error) {
	if t.started.IsZero() {
		t.started = time.Now()
	}
	return t.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the underlying writer.
func (t *timingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// journalRequest redacts the raw query and flattens the request headers for
// the journal (values joined with ", "), secrets redacted and propagated
// (redact.Redactor.RequestParts). Names the redactor leaves alone are copied
// straight (the answer is remembered per name); only the others go through
// the redactor, so a request costs one map and no copy of the headers.
func (s *Server) journalRequest(rawQuery string, h http.Header) (string, map[string]string) {
	var out map[string]string
	var secret http.Header
	if len(h) > 0 {
		out = make(map[string]string, len(h))
	}
	for k, vs := range h {
		if s.keepsHeader(k) {
			out[k] = strings.Join(vs, ", ")
			continue
		}
		if secret == nil {
			secret = make(http.Header, 2)
		}
		secret[k] = vs
	}
	query, red, vals := s.cfg.Redactor.RequestParts(rawQuery, secret)
	if len(vals) > 0 {
		// A secret found in the query or a secret header is scrubbed
		// from the kept headers too (value propagation).
		for k, v := range out {
			out[k] = redact.Scrub(v, vals)
		}
	}
	for k, vs := range red {
		out[k] = strings.Join(vs, ", ")
	}
	return query, out
}

// maxKeptNames bounds the header names whose redaction verdict is
// remembered (clients can send any names; the rest are asked each time).
const maxKeptNames = 1024

// keepsHeader is Redactor.KeepsHeader, remembered per name.
func (s *Server) keepsHeader(name string) bool {
	if v, ok := s.keptNames.Load(name); ok {
		return v.(bool)
	}
	keeps := s.cfg.Redactor.KeepsHeader(name)
	if s.keptCount.Load() < maxKeptNames {
		if _, loaded := s.keptNames.LoadOrStore(name, keeps); !loaded {
			s.keptCount.Add(1)
		}
	}
	return keeps
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, &Problem{
		Type:   ProblemNotFound,
		Title:  "Route not resolved, no path matched",
		Status: http.StatusNotFound,
		Detail: fmt.Sprintf("The spec has no path matching %s (check the path and the servers' base path).", r.URL.Path),
	})
}

// journalKey is the fault key as the journal shows it: a value taken from a
// secret header or query parameter becomes "header:NAME=[REDACTED:<hash>]"
// (the same hash for the same value, so per-key assertions still work).
func journalKey(red *redact.Redactor, r *http.Request, key string) string {
	if key == "" {
		return key
	}
	for name, vs := range r.Header {
		if red.IsSecretHeader(name) && slices.Contains(vs, key) {
			return "header:" + name + "=" + red.Fingerprint(key)
		}
	}
	for name, vs := range r.URL.Query() {
		if red.IsSecretQuery(name) && slices.Contains(vs, key) {
			return "query:" + name + "=" + red.Fingerprint(key)
		}
	}
	return key
}
