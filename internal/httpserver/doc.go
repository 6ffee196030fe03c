// Package httpserver builds the http.Server, and the listener under it, that
// every server mockd starts runs on: `mockd serve` (mockserver.Start), the
// recording proxy of `mockd record`, and `contract proxy`. All three take the
// same limits (header, body and idle timeouts, header size, a connection
// cap) and the same flags, so they live here once instead of in three copies
// that drift apart; the README's limits table describes this package.
package httpserver
