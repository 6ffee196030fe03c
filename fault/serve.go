package fault

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	rfc9457 "github.com/mockd/mockd/internal/problem"
)

// End says how a response ended on the wire.
type End int

// Ends of a response.
const (
	EndNormal        End = iota // complete response, connection left to the server
	EndFIN                      // connection closed with FIN by the fault
	EndRST                      // connection reset (SO_LINGER=0) by the fault
	EndClientAborted            // the client left (request context done) first
	EndHung                     // the fault waited its max, then closed with FIN
)

// String names the end for journals.
func (e End) String() string {
	switch e {
	case EndNormal:
		return "normal"
	case EndFIN:
		return "fin"
	case EndRST:
		return "rst"
	case EndClientAborted:
		return "client_aborted"
	case EndHung:
		return "hung"
	}
	return "end(" + strconv.Itoa(int(e)) + ")"
}

// MarshalText renders the end's name.
func (e End) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// Outcome is what happened on the wire.
type Outcome struct {
	Status       int    `json:"status,omitempty"` // status sent (0 when none was)
	BytesWritten int64  `json:"bytes_written"`    // body bytes written
	End          End    `json:"end"`
	Fault        string `json:"fault,omitempty"` // the decision's label, plus notes when a fault had to degrade
	Err          string `json:"err,omitempty"`   // write or hijack error, if any
}

// Middleware returns a handler that decides with e and serves the decision
// around next.
func Middleware(e *Engine, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.Decide(NewRequest(r)).Serve(w, r, next)
	})
}

// Serve executes the decision around next, the real response source: status,
// retry_after and rate limits replace next's response; corrupt faults and
// body modes transform it; latency delays it; wire faults hijack the
// connection (w, or what it unwraps to, must support http.Hijacker). It
// returns what happened on the wire. A nil next serves 404s.
//
// The order: with Commit, next runs first (its answer kept unless a kind
// replaces it); wait out the latency; a terminal kind ends the connection
// (kind.end); else the response is built (status) or captured from next, the
// response kinds alter it in catalogue order (kind.alter), and the body kind
// sends it (kind.send, or all at once).
func (d Decision) Serve(w http.ResponseWriter, r *http.Request, next http.Handler) Outcome {
	if next == nil {
		next = http.NotFoundHandler()
	}
	f := d.Fault
	if f == nil {
		return passThrough(w, r, next, "")
	}
	x := &exchange{d: d, w: w, r: r, env: d.env, out: Outcome{Fault: d.Label}}
	if x.env == nil {
		x.env = &serveEnv{clock: time.Now, hangMax: DefaultHangMax}
	}
	var committed *response
	if d.Commit {
		// The request takes effect before the fault: a fault that answers
		// in its place loses the answer, any other delays and alters it.
		committed = capture(next, r)
		if x.skipsNext() {
			committed = nil
		}
	}
	if !x.delay() {
		return x.out
	}
	if k := f.first(ClassTerminal); k != nil {
		drain(r)
		return k.end(x)
	}
	if committed == nil && f.first(ClassResponse) == nil && f.first(ClassBody) == nil {
		return passThrough(w, r, next, d.Label) // latency alone
	}
	resp := x.response(next, committed)
	resp.header.Set(HeaderName, d.Label)
	x.out.Status = resp.status
	if k := f.first(ClassBody); k != nil {
		return k.send(x, resp)
	}
	b := x.startBody(resp, false)
	if len(resp.body) > 0 {
		b.write(resp.body)
	}
	return x.out
}

// skipsNext reports whether the fault answers without calling next.
func (x *exchange) skipsNext() bool { return x.d.Fault.replacesNext() }

// replacesNext reports whether f answers without next: a terminal kind, or
// a response kind that replaces next's answer.
func (f *Fault) replacesNext() bool {
	if f == nil {
		return false
	}
	if f.first(ClassTerminal) != nil {
		return true
	}
	for i := range catalogue {
		if catalogue[i].replaces && catalogue[i].has(f) {
			return true
		}
	}
	return false
}

// exchange is one Serve call in progress: the decision, the connection, and
// the outcome so far.
type exchange struct {
	d   Decision
	w   http.ResponseWriter
	r   *http.Request
	env *serveEnv
	out Outcome
}

// response is a buffered response: synthesised by a status fault or captured
// from next.
type response struct {
	status int
	header http.Header
	body   []byte
}

// response builds the response: status's when a kind that replaces next's
// is set (status, retry_after), else next's (committed when it already ran,
// else captured now); then every response kind alters it in catalogue order.
func (x *exchange) response(next http.Handler, committed *response) *response {
	f := x.d.Fault
	var resp *response
	replaced := false
	for i := range catalogue {
		replaced = replaced || (catalogue[i].replaces && catalogue[i].has(f))
	}
	switch {
	case replaced:
		resp = statusResponse(f.Status, x.d.Label)
	case committed != nil:
		resp = committed
	default:
		resp = capture(next, x.r)
	}
	for i := range catalogue {
		if k := &catalogue[i]; k.alter != nil && k.has(f) {
			x.out.Fault += k.alter(x, resp)
		}
	}
	return resp
}

// capture runs next and buffers its response.
func capture(next http.Handler, r *http.Request) *response {
	c := &captureWriter{header: http.Header{}}
	next.ServeHTTP(c, r)
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return &response{status: c.status, header: c.header, body: c.buf.Bytes()}
}

// bodyAllowed reports whether a response with this status may have a body.
func bodyAllowed(code int) bool {
	return code != http.StatusNoContent && code != http.StatusNotModified && code >= 200
}

// problemJSON renders an RFC 9457 problem document.
func problemJSON(code int, detail string) string {
	body, _ := rfc9457.Marshal(rfc9457.Doc("about:blank", http.StatusText(code), code, detail), code)
	return string(body)
}

// captureWriter buffers a handler's response.
type captureWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.buf.Write(p)
}

// countingWriter passes a response through, counting status and bytes.
type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

// Flush forwards to the wrapped writer when it can flush.
func (c *countingWriter) Flush() { _ = http.NewResponseController(c.ResponseWriter).Flush() }

// Unwrap exposes the wrapped writer to http.ResponseController.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func passThrough(w http.ResponseWriter, r *http.Request, next http.Handler, label string) Outcome {
	if label != "" {
		w.Header().Set(HeaderName, label)
	}
	cw := &countingWriter{ResponseWriter: w}
	next.ServeHTTP(cw, r)
	out := Outcome{Status: cw.status, BytesWritten: cw.n, Fault: label}
	if out.Status == 0 {
		out.Status = http.StatusOK
	}
	if r.Context().Err() != nil {
		out.End = EndClientAborted
	}
	return out
}

// wait waits d or until the client leaves; false means it left (and the
// outcome says so).
func (x *exchange) wait(d time.Duration) bool {
	if !sleep(x.r.Context(), d) {
		x.out.End = EndClientAborted
		return false
	}
	return true
}

// sleep waits d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// drain reads (a bounded amount of) the request body so that closing the
// connection sends the intended FIN/RST rather than one caused by unread data.
func drain(r *http.Request) {
	if r.Body != nil {
		_, _ = io.CopyN(io.Discard, r.Body, maxDrain)
	}
}
