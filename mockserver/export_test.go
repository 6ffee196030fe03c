package mockserver

// WarnExposedForTest exposes the start-up warning decision to the tests
// (binding a non-loopback address in a test is not allowed).
var WarnExposedForTest = warnExposed

// DefaultStatusForTest exposes the status a request without preferences is
// answered with, so the conformance test can tell which response a
// generation failure was for.
var DefaultStatusForTest = defaultStatus

// EncodeBodyForTest exposes the body encoder, so generated requests carry
// XML bodies as mockd writes them.
var EncodeBodyForTest = encodeBody
