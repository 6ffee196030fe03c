package mockserver

// Source says where the answer to a request came from. The journal's
// Entry.Source and the request log line carry it; the admin API's JSON
// shows it as the plain string.
type Source string

// Sources of an answer.
const (
	// SourceExample is the example of the response's media type (its
	// `example`); a named one of its `examples` is ExampleSource(name).
	SourceExample Source = "example"
	// SourceSchemaExample is the example of the response's schema.
	SourceSchemaExample Source = "schema-example"
	// SourceGenerated is a body generated from the response's schema.
	SourceGenerated Source = "generated"
	// SourceEmpty is an empty body: the media type has no schema and no
	// example.
	SourceEmpty Source = "empty"
	// SourceCassette is a recorded interaction replayed.
	SourceCassette Source = "cassette"
	// SourceUpstream is the upstream's answer (--on-miss proxy).
	SourceUpstream Source = "upstream"
	// SourceRecorded is the upstream's answer, recorded (--on-miss record).
	SourceRecorded Source = "recorded"
	// SourceProxy is what a recording or contract proxy forwarded (mockd
	// record, contract proxy request lines).
	SourceProxy Source = "proxy"
	// SourceFault is a fault that answered in place of everything else (a
	// status fault, a reset, a hang).
	SourceFault Source = "fault"
	// SourceProblem is one of mockd's RFC 9457 problems (no route, invalid
	// request, no such example, ...).
	SourceProblem Source = "problem"
	// SourcePanic is the 500 problem written when answering panicked.
	SourcePanic Source = "panic"
	// SourceCORSPreflight is the answer to a CORS preflight request.
	SourceCORSPreflight Source = "cors-preflight"
	// SourceBodyError is the answer to a request whose body could not be
	// read.
	SourceBodyError Source = "body-error"
)

// exampleSourcePrefix starts the Source of a named example.
const exampleSourcePrefix = "example:"

// ExampleSource is the Source of the example named name among the
// `examples` of the response's media type: "example:NAME".
func ExampleSource(name string) Source { return Source(exampleSourcePrefix + name) }

// String returns the source as the journal and the log line spell it.
func (s Source) String() string { return string(s) }
