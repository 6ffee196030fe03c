// Package content owns the one HTTP content decoder of mockd: it undoes a
// body's Content-Encoding (identity, gzip, x-gzip, deflate, br, zstd and
// stacked codings) under inflation budgets — a per-body output limit, a
// compression-ratio limit and a per-run Budget shared across a whole run — so
// that a gzip bomb in a cassette or on the wire cannot exhaust memory.
package content
