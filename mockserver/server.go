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
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockd/mockd/auth"
	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver/state"
	"github.com/mockd/mockd/recorder"

	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
	"github.com/mockd/mockd/webhook"
)

// Config configures a Server, the way httptest.Server and http.Server are
// configured: fill the fields and pass it to NewFromConfig. Start from
// DefaultConfig, which turns CORS on; the zero value leaves CORS off.
//
// Spec is the one way to give the spec: load it with validator.Load or
// validator.Parse (validator.WithFormatAssertions() checks formats as mockd
// serve does). The compatibility setters SpecFile, SpecBytes and Spec load it
// in New instead, with Logger. A Server needs a spec, cassettes, or both.
//
// Every Option func (Dynamic, Seed, Errors, ...) sets one field of Config;
// New(opts...) applies them to DefaultConfig and calls NewFromConfig.
type Config struct {
	// Spec is the served spec (nil: cassettes only).
	Spec *validator.Spec
	// Dynamic generates bodies from schemas even when examples exist.
	Dynamic bool
	// Seed fixes the seed of generated data: the same seed and the same
	// request sequence give the same bodies (nil: a random seed). It also
	// seeds the fault engine, over a `seed:` in the fault rules.
	Seed *uint64
	// Errors turns violations in generated or example responses into 500
	// problem responses (Prism's --errors).
	Errors bool
	// CORS answers preflight requests and adds CORS headers to every
	// response (Access-Control-Allow-Origin: *, no credentials; see
	// CORSOrigins). DefaultConfig turns it on.
	CORS bool
	// CORSOrigins restricts CORS to these origins and lets them send
	// credentials (see the CORSOrigins option); each must pass
	// CheckCORSOrigin.
	CORSOrigins []string
	// ProblemBodies is what a rejected request gets: ProblemBodiesSpec
	// ("" too) or ProblemBodiesMockd (see the ProblemBodies option).
	ProblemBodies string
	// CheckResponses validates every served response against the spec and
	// logs violations (a debug aid; Errors makes them fatal instead).
	CheckResponses bool
	// Logger is the structured logger (nil: discard). Each finished request
	// (admin requests aside) is logged at info level.
	Logger *slog.Logger
	// Faults are the fault rules (see package fault); they can be changed
	// at run time through the admin API or Server.Faults().
	Faults *fault.RuleSet
	// FaultFile loads the fault rules from a YAML file; it wins over Faults.
	FaultFile string
	// FaultHeader lets each request choose a fault with the X-Mockd-Fault
	// header (off by default, like Envoy's header faults).
	FaultHeader bool
	// JournalSize bounds the request journal (0: DefaultJournalSize).
	JournalSize int
	// JournalBytes bounds the journal's memory (0: DefaultJournalBytes); the
	// oldest entries go first when it or JournalSize is reached.
	JournalBytes int64
	// Redactor sets how secrets are redacted in the journal (nil: the
	// default redaction: Authorization, cookies, API keys, *token*, ...).
	Redactor *redact.Redactor
	// Cassettes answers matching requests from recorded interactions
	// first; faults apply to them as to spec responses.
	Cassettes *recorder.Player
	// OnMiss is what happens when no recorded interaction matches (""
	// means MissSpec with a spec, MissError without).
	OnMiss MissMode
	// Upstream is the server that MissProxy and MissRecord forward to.
	Upstream *url.URL
	// RecordTo is where MissRecord appends new interactions (a
	// recorder.Sink on the cassette file, typically).
	RecordTo recorder.InteractionSink
	// Limits bound what clients can hold on the server Start runs (zero
	// fields: defaults).
	Limits ServerLimits
	// AdminToken requires `Authorization: Bearer <token>` on every admin
	// API request (see the AdminToken option).
	AdminToken string
	// AdminAddr serves the admin API on its own listener at this address
	// (see the AdminAddr option).
	AdminAddr string
	// RefuseMax bounds every refuse window (0: fault.DefaultRefuseMax).
	RefuseMax time.Duration
	// Stateful answers the operations of the resources inferred from the
	// spec from a store (create, read, update, delete, lists; see package
	// mockserver/state and stateful.go); State configures it.
	Stateful bool
	// State configures the stateful mode (snapshot file, paging,
	// Idempotency-Key).
	State StateConfig
	// WebhookURL is the receiver of webhooks and of callbacks fired
	// without a triggering request (webhooks.go).
	WebhookURL string
	// WebhookSecret signs webhooks and callbacks; without it they are off.
	// It is redacted everywhere the Redactor looks.
	WebhookSecret webhook.Secret
	// WebhookScheme is the signature scheme: github (""), stripe or standard.
	WebhookScheme string
	// WebhookFile is the webhooks file: retry policy, schedules, faults.
	WebhookFile string
	// Auth is how the security stage checks credentials: AuthPresence (""
	// too, the default) or AuthStrict (see auth.go).
	Auth AuthMode
	// AuthConfig configures the mock authorization server served at the
	// spec's OAuth flow URLs (nil: package auth's defaults).
	AuthConfig *auth.Config

	// specFile and specBytes are set by the SpecFile and SpecBytes
	// setters: New loads them with Logger, when Spec is nil.
	specFile  string
	specBytes []byte
}

// DefaultConfig is the configuration New starts from: CORS on, the spec's
// error responses for rejected requests, everything else off or default.
func DefaultConfig() Config {
	return Config{CORS: true, ProblemBodies: ProblemBodiesSpec}
}

// check validates the fields New cannot take as they are; each error says
// the fix.
func (c *Config) check() error {
	switch {
	case c.JournalSize < 0:
		return fmt.Errorf("mockserver: journal size %d must not be negative", c.JournalSize)
	case c.JournalBytes < 0:
		return fmt.Errorf("mockserver: journal bytes %d must not be negative (fix: 0 for the default %d)", c.JournalBytes, DefaultJournalBytes)
	case c.RefuseMax < 0:
		return fmt.Errorf("mockserver: refuse max %s must not be negative (fix: 0 for the default %s)", c.RefuseMax, fault.DefaultRefuseMax)
	}
	for _, o := range c.CORSOrigins {
		if err := CheckCORSOrigin(o); err != nil {
			return fmt.Errorf("mockserver: %w", err)
		}
	}
	if c.OnMiss != "" {
		if _, err := ParseMissMode(string(c.OnMiss)); err != nil {
			return err
		}
	}
	switch c.ProblemBodies {
	case ProblemBodiesSpec, ProblemBodiesMockd:
	case "":
		c.ProblemBodies = ProblemBodiesSpec
	default:
		return fmt.Errorf("mockserver: problem bodies %q: use %q (the spec's error responses) or %q (mockd's problem+json)", c.ProblemBodies, ProblemBodiesSpec, ProblemBodiesMockd)
	}
	return nil
}

// Option sets one field of Config (see New).
type Option func(*Config) error

// WithSpec sets Config.Spec: it serves an already loaded spec.
func WithSpec(s *validator.Spec) Option {
	return func(c *Config) error { c.Spec = s; return nil }
}

// SpecFile loads and serves the spec at path (a compatibility setter: New
// loads it with validator.Load, format assertions and Config.Logger, unless
// Config.Spec is set).
func SpecFile(path string) Option {
	return func(c *Config) error { c.specFile = path; return nil }
}

// SpecBytes parses and serves a spec given as bytes, YAML or JSON (a
// compatibility setter, as SpecFile).
func SpecBytes(data []byte) Option {
	return func(c *Config) error { c.specBytes = data; return nil }
}

// Dynamic generates bodies from schemas even when examples exist.
func Dynamic(on bool) Option { return func(c *Config) error { c.Dynamic = on; return nil } }

// Seed fixes the seed of generated data: the same seed and the same request
// sequence give the same bodies. Without it a random seed is chosen.
func Seed(n uint64) Option {
	return func(c *Config) error { c.Seed = &n; return nil }
}

// Errors turns violations in generated or example responses into 500
// problem responses (Prism's --errors).
func Errors(on bool) Option { return func(c *Config) error { c.Errors = on; return nil } }

// CORS answers preflight requests and adds CORS headers to every response
// (Access-Control-Allow-Origin: *, no credentials; see CORSOrigins). On by
// default.
func CORS(on bool) Option { return func(c *Config) error { c.CORS = on; return nil } }

// CheckResponses validates every served response against the spec and logs
// violations (a debug aid; Errors makes them fatal instead).
func CheckResponses(on bool) Option {
	return func(c *Config) error { c.CheckResponses = on; return nil }
}

// Faults loads fault rules (see package fault). Rules can also be changed at
// run time through the admin API or Server.Faults().
func Faults(rs *fault.RuleSet) Option { return func(c *Config) error { c.Faults = rs; return nil } }

// FaultFile loads fault rules from a YAML file.
func FaultFile(path string) Option { return func(c *Config) error { c.FaultFile = path; return nil } }

// FaultHeader lets each request choose a fault with the X-Mockd-Fault
// header (off by default, like Envoy's header faults).
func FaultHeader(on bool) Option { return func(c *Config) error { c.FaultHeader = on; return nil } }

// JournalSize bounds the request journal (DefaultJournalSize by default).
func JournalSize(n int) Option {
	return func(c *Config) error { c.JournalSize = n; return nil }
}

// JournalBytes bounds the request journal's memory (DefaultJournalBytes by
// default); the oldest entries go first when it or JournalSize is reached.
func JournalBytes(n int64) Option {
	return func(c *Config) error { c.JournalBytes = n; return nil }
}

// Redactor sets how secrets are redacted in the journal (recorder's default
// redaction otherwise: Authorization, cookies, API keys, *token*, ...).
func Redactor(r *redact.Redactor) Option {
	return func(c *Config) error { c.Redactor = r; return nil }
}

// Logger sets the structured logger. The default discards. Each finished
// request (admin requests aside) is logged at info level: method, path,
// status, source, fault rule and duration.
func Logger(l *slog.Logger) Option { return func(c *Config) error { c.Logger = l; return nil } }

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
	})
	out := d.Serve(tw, r, next)

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
