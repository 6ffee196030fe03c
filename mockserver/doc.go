// Package mockserver owns the http.Handler that answers as the mock backend:
// for each request it decides faults (package fault), answers from recorded
// cassettes (package recorder) or from the spec (routing, validation, status,
// media type and example selection or generated bodies, RFC 9457 problems),
// and journals what happened. It also serves the admin API under /__mockd/.
// cmd/mockd wires it to flags; Go tests embed it with Start or NewTest.
package mockserver
