package mockserver

// This file owns the order in which mockd looks for an answer. ServeHTTP
// (server.go) reads the request, journals it and lets the fault engine
// decide; then the answer sources built once by New are asked in order,
// and the first that handles the request answers it:
//
//	no cassettes                 spec
//	cassettes, --on-miss spec    cassette → spec
//	cassettes, --on-miss error   cassette → no-interaction problem
//	cassettes, --on-miss proxy   cassette → upstream
//	cassettes, --on-miss record  cassette → record (upstream, then cassette)
//
// With --stateful (Config.Stateful) the state source (stateful.go) comes
// just before the spec source: it answers the operations of inferred
// resources from the store and passes the others on.
//
// The spec source (respond.go and the files it names) and the sources that
// end the list always handle the request; only the cassette source passes a
// request on, when no recorded interaction matches it.

import (
	"bytes"
	"io"
	"net/http"

	"github.com/mockd/mockd/validator"
)

// source is one place an answer can come from.
type source interface {
	// answer writes the answer to x's request and returns where it came
	// from (the journal's Source), or returns handled false having written
	// nothing, so the next source is asked.
	answer(w http.ResponseWriter, x *exchange) (from Source, handled bool)
}

// exchange is what the sources know of one request: the request itself
// (its body buffered, so a source that reads it can hand it on), where the
// router took it, and what the sources before learned of it.
type exchange struct {
	r *http.Request
	// body is the request body as read once by ServeHTTP (nil: none).
	body []byte
	// op is the operation the router found (nil: none); routeErr is why
	// not (validator.ErrNoPath, *validator.MethodNotAllowedError).
	op       *validator.Operation
	routeErr error
	// miss is why no recorded interaction matched, set by the cassette
	// source for the sources after it (a *recorder.MissError, usually).
	miss error
	// problem is mockd's explanation of a rejected request, noted by the
	// reject stage (noteProblem) for the journal.
	problem *Problem
	// written runs once the response has been written, faults included
	// (ServeHTTP defers it): an Idempotency-Key stays in flight until then.
	written func()
}

// done runs x.written, once.
func (x *exchange) done() {
	if f := x.written; f != nil {
		x.written = nil
		f()
	}
}

// sources builds the ordered list of answer sources the options ask for.
// With cassettes, setupPlayback has checked the --on-miss mode and built
// its handlers.
func (s *Server) sources() []source {
	spec := []source{specSource{s}}
	if s.store != nil {
		spec = []source{stateSource{s}, specSource{s}}
	}
	if s.cfg.Cassettes == nil {
		return spec
	}
	list := []source{cassetteSource{player: s.cfg.Cassettes, logger: s.cfg.Logger}}
	switch s.cfg.OnMiss {
	case MissSpec:
		return append(list, spec...)
	case MissProxy:
		return append(list, proxySource{forward: s.missHandler})
	case MissRecord:
		return append(list, recordSource{forward: s.missHandler, once: s.recordOnce})
	default:
	}
	return append(list, missErrorSource{})
}

// answer asks the sources in order and returns where the answer came from.
// A source that passes the request on may have read its body: the next one
// gets the body afresh.
func (s *Server) answer(w http.ResponseWriter, x *exchange) Source {
	for i, src := range s.pipeline {
		if i > 0 {
			x.r.Body = io.NopCloser(bytes.NewReader(x.body))
		}
		if from, handled := src.answer(w, x); handled {
			return from
		}
	}
	// Every list New builds ends in a source that always answers.
	writeProblem(w, &Problem{Type: ProblemInternal, Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "mockd has no answer source left for " + x.r.Method + " " + x.r.URL.Path + " (please report it with the options used)"})
	return SourceProblem
}

// specSource answers from the spec: routing result, security, validation,
// then the declared response (respond.go).
type specSource struct{ s *Server }

func (p specSource) answer(w http.ResponseWriter, x *exchange) (Source, bool) {
	return p.s.mock(w, x.r, x.op, x.routeErr), true
}
