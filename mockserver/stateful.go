package mockserver

// This file is the stateful answer source (--stateful, Config.Stateful):
// requests routed to an operation that package state inferred as part of a
// resource are validated by the reject stage (reject.go), then answered
// from the store instead of the spec's examples; every other operation,
// and every request that asks for a canned answer with Prefer (code,
// example, dynamic), goes on to the spec source. POST and PATCH requests
// with an Idempotency-Key are answered once and replayed after.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mockd/mockd/mockserver/state"
	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"
)

// Sources of stateful answers.
const (
	// SourceState is an answer from the stateful store (--stateful).
	SourceState Source = "state"
	// SourceReplay is a stored answer replayed for a repeated
	// Idempotency-Key.
	SourceReplay Source = "idempotent-replay"
)

// ProblemIdempotency is the problem type of a refused Idempotency-Key
// (used with another request, or still in flight).
const ProblemIdempotency = "urn:mockd:problem:idempotency-key"

// StateConfig configures the stateful mode (Config.State).
type StateConfig struct {
	// File loads the store from this JSON snapshot at start (when it
	// exists) and Server.SaveState writes it (mockd serve: at shutdown).
	File string
	// Paging overrides the detected pagination per resource name.
	Paging map[string]state.Paging
	// IdempotencyHeader names the idempotency key header (""
	// state.DefaultIdempotencyHeader).
	IdempotencyHeader string
	// IdempotencyTTL is how long an answer is replayed (0: 24h).
	IdempotencyTTL time.Duration
	// IdempotencyBytes bounds the stored answers (0: 16 MiB).
	IdempotencyBytes int64
}

// Stateful turns the stateful mode on: the operations of inferred
// resources are answered from a store instead of examples (see
// Config.Stateful), e.g. mockserver.NewTest(t, Spec(path), Stateful()).
func Stateful() Option { return func(c *Config) error { c.Stateful = true; return nil } }

// State sets the stateful mode's configuration (snapshot file, paging,
// Idempotency-Key); it does not turn the mode on (Stateful does).
func State(sc StateConfig) Option { return func(c *Config) error { c.State = sc; return nil } }

// setupState builds the store (Config.Stateful) and loads Config.State.File.
func (s *Server) setupState() error {
	if !s.cfg.Stateful {
		return nil
	}
	if s.spec == nil {
		return errors.New("mockserver: stateful mode needs a spec (set Config.Spec, or turn Stateful off)")
	}
	sc := s.cfg.State
	switch {
	case sc.IdempotencyTTL < 0:
		return fmt.Errorf("mockserver: idempotency TTL %s must not be negative (fix: 0 for 24h)", sc.IdempotencyTTL)
	case sc.IdempotencyBytes < 0:
		return fmt.Errorf("mockserver: idempotency bytes %d must not be negative (fix: 0 for 16 MiB)", sc.IdempotencyBytes)
	}
	store, err := state.New(s.spec, state.Options{Seed: s.seed, Paging: sc.Paging})
	if err != nil {
		return fmt.Errorf("mockserver: %w", err)
	}
	if sc.File != "" {
		if err := store.Load(sc.File); err != nil {
			return fmt.Errorf("mockserver: --state: %w", err)
		}
	}
	if s.cfg.State.IdempotencyHeader == "" {
		s.cfg.State.IdempotencyHeader = state.DefaultIdempotencyHeader
	}
	s.store = store
	s.idem = state.NewIdempotency(sc.IdempotencyTTL, sc.IdempotencyBytes, nil)
	return nil
}

// Store returns the stateful store (nil unless Config.Stateful).
func (s *Server) Store() *state.Store { return s.store }

// SaveState writes the store to Config.State.File (nothing to do without a
// store or a file).
func (s *Server) SaveState() error {
	if s.store == nil || s.cfg.State.File == "" {
		return nil
	}
	return s.store.Save(s.cfg.State.File)
}

// resetState restores the initial data and forgets idempotency keys.
func (s *Server) resetState() {
	if s.store != nil {
		s.store.Reset()
		s.idem.Clear()
	}
}

// stateSource answers stateful operations from the store.
type stateSource struct{ s *Server }

func (p stateSource) answer(w http.ResponseWriter, x *exchange) (from Source, handled bool) {
	if x.op == nil || x.routeErr != nil {
		return "", false
	}
	res, kind, ok := p.s.store.Lookup(x.op)
	if !ok || state.SuccessStatus(x.op, wantStatus(kind)) == 0 {
		return "", false
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			p.s.cfg.Logger.Error("panic while serving from state", "method", x.r.Method, "path", x.r.URL.Path, "panic", fmt.Sprint(v))
			writeProblem(w, &Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError,
				Detail: fmt.Sprintf("mockd failed while answering %s %s from state: %v (please report it with the spec)", x.r.Method, x.r.URL.Path, v)})
			from, handled = SourcePanic, true
		}
	}()
	return p.s.serveState(w, x, res, kind), true
}

// wantStatus is the status a kind prefers when the operation declares it.
func wantStatus(k state.Kind) int {
	switch k {
	case state.KindCreate:
		return http.StatusCreated
	case state.KindDelete:
		return http.StatusNoContent
	default:
		return http.StatusOK
	}
}

// serveState validates the request, then answers it from the store: a
// canned answer when Prefer asks for one, a replay for a known
// Idempotency-Key.
func (s *Server) serveState(w http.ResponseWriter, x *exchange, res *state.Resource, kind state.Kind) Source {
	r, op := x.r, x.op
	prefs, from, ok := s.admit(w, r, op)
	if !ok {
		return from
	}
	if prefs.code != 0 || prefs.example != "" || prefs.dynamic != nil {
		return s.respondWith(w, r, op, s.status(op, prefs), prefs)
	}
	code := state.SuccessStatus(op, wantStatus(kind))
	sel, from, ok := s.choose(w, r, op, code, prefs)
	if !ok {
		return from
	}
	key := r.Header.Get(s.cfg.State.IdempotencyHeader)
	if key == "" || (kind != state.KindCreate && kind != state.KindPatch) {
		return s.stateAnswer(w, x, sel, prefs)
	}
	sum := sha256.Sum256(x.body)
	rec, verdict := s.idem.Begin(key, r.Method+" "+r.URL.Path+" "+hex.EncodeToString(sum[:]))
	switch verdict {
	case state.Replay:
		h := w.Header()
		for k, vs := range rec.Header {
			h[k] = append([]string(nil), vs...)
		}
		h.Set(state.ReplayedHeader, "true")
		w.WriteHeader(rec.Status)
		_, _ = w.Write(rec.Body)
		return SourceReplay
	case state.Mismatch:
		return s.reject(w, r, op, &Problem{Type: ProblemIdempotency, Title: "Idempotency key reused", Status: http.StatusUnprocessableEntity,
			Detail: fmt.Sprintf("The %s was used with another request (method, path or body); use a new key for a new request.", s.cfg.State.IdempotencyHeader)},
			[]candidate{{"422", 422}, {"409", 409}, {"4XX", 422}, {"default", 422}}, preferences{})
	case state.InFlight:
		return s.reject(w, r, op, &Problem{Type: ProblemIdempotency, Title: "Idempotency key in use", Status: http.StatusConflict,
			Detail: fmt.Sprintf("A request with this %s is still being answered; retry when it is done.", s.cfg.State.IdempotencyHeader)},
			[]candidate{{"409", 409}, {"4XX", 409}, {"default", 409}}, preferences{})
	case state.Proceed: // a new key: answer, and remember the answer
	}
	// The key stays in flight until the response has been written, past
	// a commit: true fault's latency (ServeHTTP runs x.done); the answer
	// replayed is the one recorded here, before any fault altered it.
	rw := &recordingWriter{ResponseWriter: w}
	x.written = func() {
		if rw.status >= 500 || rw.status == 0 {
			s.idem.Abort(key)
		} else {
			s.idem.Finish(key, &state.Recorded{Status: rw.status, Header: rw.header, Body: rw.body})
		}
	}
	return s.stateAnswer(rw, x, sel, prefs)
}

// stateAnswer runs the request on the store and writes the answer in sel's
// media type (errors as rejections, an absent item as the spec's 404).
func (s *Server) stateAnswer(w http.ResponseWriter, x *exchange, sel selection, prefs preferences) Source {
	r, op := x.r, x.op
	out, err := s.store.Handle(state.Request{Op: op, Path: r.URL.Path, Query: r.URL.Query(), Body: x.body, ContentType: r.Header.Get("Content-Type")})
	switch {
	case errors.Is(err, state.ErrBadBody), errors.Is(err, state.ErrInvalidResult), errors.Is(err, state.ErrBadPage):
		return s.reject(w, r, op, &Problem{Type: ProblemInvalidRequest, Title: "Invalid request", Status: http.StatusUnprocessableEntity,
			Detail: err.Error()}, invalidCandidates(op, nil), preferences{})
	case err != nil:
		writeProblem(w, &Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError, Detail: err.Error()})
		return SourceProblem
	case out.NotFound:
		if declared(op, "404") == nil {
			writeProblem(w, &Problem{Type: ProblemNotFound, Title: "Not found", Status: http.StatusNotFound,
				Detail: fmt.Sprintf("Nothing is stored at %s (create it first, or GET the collection).", r.URL.Path)})
			return SourceProblem
		}
		return s.respondWith(w, r, op, http.StatusNotFound, preferences{key: "404", anyMedia: true})
	}
	var body []byte
	if out.Body != nil && sel.mediaType != "" {
		if body, err = json.Marshal(out.Body); err != nil {
			writeProblem(w, &Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError,
				Detail: "encoding the stored item: " + err.Error()})
			return SourceProblem
		}
	}
	return s.writeState(w, r, op, sel, out.Header, body, prefs)
}

// writeState writes a stateful answer: the store's headers, the other
// declared headers (examples), the body (render.go's write checks it under
// --errors and --check-responses).
func (s *Server) writeState(w http.ResponseWriter, r *http.Request, op *validator.Operation, sel selection, extra http.Header, body []byte, prefs preferences) Source {
	out := &rendered{body: body, source: SourceState}
	for k, vs := range extra {
		for _, v := range vs {
			out.headers = append(out.headers, [2]string{k, v})
		}
	}
	for _, kv := range s.headers(sel.resp, false, schemagen.Options{}) {
		if extra.Get(kv[0]) == "" {
			out.headers = append(out.headers, kv)
		}
	}
	return s.write(w, r, op, sel, out, prefs)
}

// recordingWriter keeps a copy of the answer for idempotent replays.
type recordingWriter struct {
	http.ResponseWriter
	status int
	header http.Header
	body   []byte
}

func (rw *recordingWriter) WriteHeader(code int) {
	if rw.status == 0 {
		rw.status = code
		rw.header = rw.ResponseWriter.Header().Clone()
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recordingWriter) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	rw.body = append(rw.body, p...)
	return rw.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the underlying writer.
func (rw *recordingWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// adminState serves GET /__mockd/state: the inferred resources (paths,
// paging, filters) and the stored items.
func (s *Server) adminState(w http.ResponseWriter, _ *http.Request) {
	if s.store == nil {
		adminError(w, http.StatusNotFound, "the server is not stateful (start it with --stateful)")
		return
	}
	type resourceInfo struct {
		Name       string            `json:"name"`
		Collection string            `json:"collection"`
		Item       string            `json:"item"`
		IDProperty string            `json:"id_property,omitempty"`
		Paging     state.Paging      `json:"paging"`
		Filters    map[string]string `json:"filters,omitempty"`
	}
	infos := []resourceInfo{}
	for _, r := range s.store.Resources() {
		infos = append(infos, resourceInfo{Name: r.Name, Collection: r.CollectionPath, Item: r.ItemPath,
			IDProperty: r.IDProperty, Paging: r.Paging, Filters: r.Filters})
	}
	writeJSON(w, http.StatusOK, map[string]any{"resources": infos, "state": s.store.Snapshot(),
		"idempotency_bytes": s.idem.Bytes()})
}
