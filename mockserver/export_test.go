package mockserver

import "github.com/pb33f/libopenapi/datamodel/high/base"

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
// XML bodies as mockd writes them (the root element named by schema's
// xml.name, read without the spec's lock: tests only).
func EncodeBodyForTest(mediaType string, v any, schema *base.SchemaProxy) ([]byte, error) {
	root := ""
	if sc := schema.Schema(); sc != nil && sc.XML != nil {
		root = sc.XML.Name
	}
	return encodeBody(mediaType, v, root)
}
