package mockserver

// WarnExposedForTest exposes the start-up warning decision to the tests
// (binding a non-loopback address in a test is not allowed).
var WarnExposedForTest = warnExposed

// RecordWaitersForTest is the number of `--on-miss record` requests waiting
// for an identical request being forwarded.
func RecordWaitersForTest(s *Server) int64 {
	if s.recordOnce == nil {
		return 0
	}
	return s.recordOnce.waiting.Load()
}

// IsAdminRequestLineForTest exposes the refuse gate's decision.
var IsAdminRequestLineForTest = isAdminRequestLine

// DefaultStatusForTest exposes the status a request without preferences is
// answered with, so the conformance test can tell which response a
// generation failure was for.
var DefaultStatusForTest = defaultStatus

// EncodeBodyForTest exposes the body encoder, so generated requests carry
// XML bodies as mockd writes them.
var EncodeBodyForTest = encodeBody
