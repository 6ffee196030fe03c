// Package mockserver owns the http.Handler that answers as the mock backend:
// for each request it decides faults (package fault), then asks its answer
// sources in the order built from the options (pipeline.go): recorded
// cassettes (package recorder), the spec (respond.go: validate and reject,
// choose status, media type and example, render examples or generated
// bodies), the upstream; and it journals what happened, with the answer's
// Source. It also serves the admin API under /__mockd/ and, at the paths of
// the spec's OAuth flows, the mock authorization server of package auth
// (auth.go; Config.Auth strict verifies credentials with it). cmd/mockd wires it
// to flags; Go tests embed it with Start or NewTest. docs/ARCHITECTURE.md
// walks through the files.
package mockserver
