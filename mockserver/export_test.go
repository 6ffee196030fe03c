package mockserver

// WarnExposedForTest exposes the start-up warning decision to the tests
// (binding a non-loopback address in a test is not allowed).
var WarnExposedForTest = warnExposed
