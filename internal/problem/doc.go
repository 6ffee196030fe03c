// Package problem is the one writer of RFC 9457 problem documents
// (application/problem+json) in mockd. The mock, the recorder's player and
// proxy, the contract proxy and the fault engine all answer errors with a
// problem; each builds its own document (the mock's carries validation
// findings, the contract proxy's carries contract findings), and this package
// renders and writes every one of them the same way: one content type, an
// exact Content-Length and one fallback when a document cannot be encoded.
// It lives under internal/ and imports nothing of mockd, so the lowest
// package that writes a problem (fault, recorder) can use it without a cycle.
package problem
