// Package redact owns mockd's one redactor: the rules that keep secrets out
// of everything mockd writes — cassettes, the mock server's journal, logs and
// every contract-check report. One package so the same rules (defaults,
// flags and names derived from a spec's apiKey security schemes) run
// everywhere, and so redaction fails closed: what it cannot decode or parse
// under a secret-bearing exchange is replaced by a marker, never kept.
package redact
