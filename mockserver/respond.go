package mockserver

// This file drives the spec source (pipeline.go) through its three stages,
// one file each:
//
//  1. validate and reject (reject.go): Prefer, security, request media type
//     and validation; a rejected request gets the status its candidates
//     choose (422/400/4XX/default) and X-Mockd-Problem.
//  2. choose (choose.go, with negotiate.go and prefer.go): the status, the
//     declared response, the media type (Accept) and the example.
//  3. render (render.go, with encode.go): the body (example or generated),
//     the headers, the optional response check, and the write.

import (
	"net/http"

	"github.com/mockd/mockd/validator"
)

// serveOperation answers a request routed to op: validate, then respond
// with the status the client prefers or the operation's default.
func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, op *validator.Operation) Source {
	prefs, from, ok := s.admit(w, r, op)
	if !ok {
		return from
	}
	return s.respondWith(w, r, op, s.status(op, prefs), prefs)
}

// respondWith serves the response the operation declares for code: choose,
// then render and send. The reject stage also answers through it, with the
// declared error response.
func (s *Server) respondWith(w http.ResponseWriter, r *http.Request, op *validator.Operation, code int, prefs preferences) Source {
	sel, from, ok := s.choose(w, r, op, code, prefs)
	if !ok {
		return from
	}
	return s.send(w, r, op, sel, prefs)
}
