// Package recorder owns recorded traffic: loading go-vcr cassettes (format
// versions 1 and 2) and saving them crash-safely as version 2, reading HAR 1.2
// and NDJSON traffic, redacting secrets before anything touches disk or logs,
// the recording reverse proxy and its Sink, and the Player that matches
// requests to interactions for playback (plus NewRoundTripper for Go tests).
// It knows nothing of faults or specs.
package recorder
