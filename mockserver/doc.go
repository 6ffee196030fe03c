// Package mockserver owns the http.Handler that answers as the mock backend:
// it routes requests to operations of a spec, validates them, picks a status
// and an example (or generates a body from the schema), negotiates content,
// answers CORS preflights, and writes RFC 9457 problem details for every
// rejection. cmd/mockd wires it to flags; tests embed it directly.
package mockserver
