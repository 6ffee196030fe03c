package fault

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
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

// Tunables of the wire code.
const (
	maxDrain       = 8 << 20                // request body bytes read before a wire fault
	lingerWait     = 500 * time.Millisecond // how long a FIN close waits for the client's FIN
	rawWriteWait   = 10 * time.Second       // write deadline for raw (hijacked) writes
	throttleSlices = 10                     // writes per second when throttling
)

// Middleware returns a handler that decides with e and serves the decision
// around next.
func Middleware(e *Engine, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.Decide(NewRequest(r)).Serve(w, r, next)
	})
}

// Serve executes the decision around next, the real response source: status,
// retry_after and rate limits replace next's response; contract faults and
// body modes transform it; latency delays it; wire faults hijack the
// connection (w, or what it unwraps to, must support http.Hijacker). It
// returns what happened on the wire. A nil next serves 404s.
func (d Decision) Serve(w http.ResponseWriter, r *http.Request, next http.Handler) Outcome {
	if next == nil {
		next = http.NotFoundHandler()
	}
	f := d.Fault
	if f == nil {
		return passThrough(w, r, next, "")
	}
	env := d.env
	if env == nil {
		env = &serveEnv{clock: time.Now, hangMax: DefaultHangMax}
	}
	ctx := r.Context()
	out := Outcome{Fault: d.Label}
	if d.Delay > 0 && !sleep(ctx, d.Delay) {
		out.End = EndClientAborted
		return out
	}
	switch {
	case f.Hang != nil:
		return d.hang(w, r, env, out)
	case f.Close:
		drain(r)
		return closeConn(w, out, false)
	case f.Reset:
		drain(r)
		return closeConn(w, out, true)
	case f.Garbage != nil:
		drain(r)
		return d.garbage(w, out)
	case f.Refuse != nil:
		drain(r)
		return refuse(w, env, f.Refuse.For, out)
	}
	onlyLatency := f.Status == nil && f.RetryAfter == nil && f.Contract == nil && len(f.bodyModes()) == 0
	if onlyLatency {
		return passThrough(w, r, next, d.Label)
	}
	resp := d.response(w, r, next, env)
	if f.Contract != nil {
		out.Fault += corrupt(resp, f.Contract)
	}
	resp.header.Set(HeaderName, d.Label)
	out.Status = resp.status
	switch {
	case f.Truncate != nil:
		return truncate(w, resp, f.Truncate, out)
	case f.MalformedChunk:
		return malformedChunk(w, resp, out)
	default:
		return writeBody(ctx, w, resp, f, env, out)
	}
}

// response is a buffered response: synthesised by a status fault or captured
// from next.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (d Decision) response(w http.ResponseWriter, r *http.Request, next http.Handler, env *serveEnv) *response {
	f := d.Fault
	if f.Status == nil && f.RetryAfter == nil {
		c := &captureWriter{header: http.Header{}}
		next.ServeHTTP(c, r)
		if c.status == 0 {
			c.status = http.StatusOK
		}
		return &response{status: c.status, header: c.header, body: c.buf.Bytes()}
	}
	code := http.StatusServiceUnavailable
	if f.Status != nil {
		code = f.Status.Code
	}
	resp := &response{status: code, header: http.Header{}}
	if f.Status != nil && f.Status.Body != nil {
		resp.body = []byte(*f.Status.Body)
		ct := "text/plain; charset=utf-8"
		if t := bytes.TrimSpace(resp.body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			ct = "application/json"
		}
		resp.header.Set("Content-Type", ct)
	} else if bodyAllowed(code) {
		resp.body = []byte(problemJSON(code, "fault injected by mockd ("+d.Label+")"))
		resp.header.Set("Content-Type", "application/problem+json")
	}
	if f.Status != nil {
		for k, v := range f.Status.Headers {
			resp.header.Set(k, v)
		}
	}
	if f.RetryAfter != nil {
		resp.header.Set("Retry-After", f.RetryAfter.Render(env.clock()))
	}
	return resp
}

func bodyAllowed(code int) bool {
	return code != http.StatusNoContent && code != http.StatusNotModified && code >= 200
}

// problemJSON renders an RFC 9457 problem document.
func problemJSON(code int, detail string) string {
	b, err := json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(code), "status": code, "detail": detail})
	if err != nil {
		return `{"type":"about:blank","status":` + strconv.Itoa(code) + `}`
	}
	return string(b)
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

func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack the connection: %w (fix: serve over HTTP/1.x with a ResponseWriter that implements http.Hijacker or Unwrap)", err)
	}
	_ = c.SetWriteDeadline(time.Now().Add(rawWriteWait))
	return c, brw, nil
}

// tcpConn finds the *net.TCPConn under c (through NetConn() wrappers).
func tcpConn(c net.Conn) *net.TCPConn {
	tc, _ := findConn[*net.TCPConn](c)
	return tc
}

// findConn finds the connection of type T that is c or that c wraps
// (through NetConn() methods, at most 8 deep).
func findConn[T net.Conn](c net.Conn) (T, bool) {
	for range 8 {
		if t, ok := c.(T); ok {
			return t, true
		}
		w, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = w.NetConn()
	}
	var zero T
	return zero, false
}

// finish ends a hijacked connection with RST (SO_LINGER=0) or a FIN that
// waits briefly for the client's FIN so unread bytes do not turn it into RST.
func finish(c net.Conn, rst bool) (End, string) {
	tc := tcpConn(c)
	if rst {
		if tc == nil {
			_ = c.Close()
			return EndFIN, " (reset degraded to close: not a TCP connection)"
		}
		_ = tc.SetLinger(0)
		_ = c.Close() // through any wrapper (a connection-capping listener counts closes)
		return EndRST, ""
	}
	if tc != nil {
		_ = tc.CloseWrite()
		_ = tc.SetReadDeadline(time.Now().Add(lingerWait))
		_, _ = io.Copy(io.Discard, io.LimitReader(tc, maxDrain))
	}
	_ = c.Close()
	return EndFIN, ""
}

// unhijackable answers 500 when a wire fault cannot reach the socket.
func unhijackable(w http.ResponseWriter, out Outcome, err error) Outcome {
	body := problemJSON(http.StatusInternalServerError, err.Error())
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set(HeaderName, out.Fault)
	w.WriteHeader(http.StatusInternalServerError)
	n, _ := io.WriteString(w, body)
	out.Status, out.BytesWritten, out.Err = http.StatusInternalServerError, int64(n), err.Error()
	out.Fault += " (not applied: connection not hijackable)"
	return out
}

func closeConn(w http.ResponseWriter, out Outcome, rst bool) Outcome {
	c, brw, err := hijack(w)
	if err != nil {
		return unhijackable(w, out, err)
	}
	_ = brw.Flush()
	var note string
	out.End, note = finish(c, rst)
	out.Fault += note
	return out
}

func (d Decision) hang(w http.ResponseWriter, r *http.Request, env *serveEnv, out Outcome) Outcome {
	drain(r)
	max := d.Fault.Hang.Max
	if max <= 0 {
		max = env.hangMax
	}
	if !sleep(r.Context(), max) {
		out.End = EndClientAborted
		return out
	}
	c, brw, err := hijack(w)
	if err != nil {
		return unhijackable(w, out, err)
	}
	_ = brw.Flush()
	finish(c, false)
	out.End = EndHung
	return out
}

// garbageBytes returns n seeded bytes that cannot start a status line: the
// first line has no space (so clients report a malformed response, not a
// malformed version) and does not start with 'H'.
func garbageBytes(stream uint64, n int) []byte {
	rng := rand.New(pcg(stream, 2))
	b := make([]byte, n)
	for i := range b {
		for {
			c := byte(rng.Uint32())
			if c != ' ' && c != '\r' && c != '\n' && (i > 0 || c != 'H') {
				b[i] = c
				break
			}
		}
	}
	if n >= 2 {
		b[n-2], b[n-1] = '\r', '\n'
	}
	return b
}

func (d Decision) garbage(w http.ResponseWriter, out Outcome) Outcome {
	c, brw, err := hijack(w)
	if err != nil {
		return unhijackable(w, out, err)
	}
	_ = brw.Flush()
	n, err := c.Write(garbageBytes(d.stream, d.Fault.Garbage.Bytes))
	out.BytesWritten = int64(n)
	if err != nil {
		out.Err = err.Error()
	}
	var note string
	out.End, note = finish(c, false)
	out.Fault += note
	return out
}

func refuse(w http.ResponseWriter, env *serveEnv, window time.Duration, out Outcome) Outcome {
	if env.listener == nil {
		err := errors.New("refuse needs the server's listener (fix: build the server on fault.NewListener and pass fault.WithListener)")
		return unhijackable(w, out, err)
	}
	if err := env.listener.startRefuse(window); err != nil && !errors.Is(err, ErrRefusing) {
		out.Err = err.Error()
	}
	c, brw, err := hijack(w)
	if err != nil {
		return unhijackable(w, out, err)
	}
	_ = brw.Flush()
	var note string
	out.End, note = finish(c, true)
	out.Fault += note
	return out
}

// writeHead serialises a status line and headers for a raw write.
func writeHead(bw *bufio.Writer, resp *response) {
	text := http.StatusText(resp.status)
	if text == "" {
		text = "Status " + strconv.Itoa(resp.status)
	}
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", resp.status, text)
	keys := make([]string, 0, len(resp.header))
	for k := range resp.header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range resp.header[k] {
			fmt.Fprintf(bw, "%s: %s\r\n", k, strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
		}
	}
	bw.WriteString("\r\n")
}

func truncate(w http.ResponseWriter, resp *response, t *Truncate, out Outcome) Outcome {
	body := resp.body
	if len(body) == 0 {
		body = []byte{'\n'}
	}
	send := truncatedLength(t, len(body))
	resp.header.Del("Transfer-Encoding")
	resp.header.Set("Content-Length", strconv.Itoa(len(body)))
	c, brw, err := hijack(w)
	if err != nil {
		return unhijackable(w, out, err)
	}
	writeHead(brw.Writer, resp)
	brw.Write(body[:send])
	if err := brw.Flush(); err != nil {
		out.Err = err.Error()
	} else {
		out.BytesWritten = send
	}
	var note string
	out.End, note = finish(c, t.End == EndResetName)
	out.Fault += note
	return out
}

// truncatedLength is how many of n body bytes a truncate fault sends. Bytes
// wins when set (> 0, or >= 0 with no fraction: the parser writes -1 for
// "unset"); otherwise Fraction applies, so the Go zero value Bytes: 0 with
// Fraction: 0.5 sends half the body. It is always below n.
func truncatedLength(t *Truncate, n int) int64 {
	send := int64(float64(n) * t.Fraction)
	if t.Bytes > 0 || (t.Bytes == 0 && t.Fraction == 0) {
		send = t.Bytes
	}
	if send >= int64(n) {
		send = int64(n) - 1
	}
	return send
}

func malformedChunk(w http.ResponseWriter, resp *response, out Outcome) Outcome {
	resp.header.Del("Content-Length")
	resp.header.Set("Transfer-Encoding", "chunked")
	c, brw, err := hijack(w)
	if err != nil {
		return unhijackable(w, out, err)
	}
	writeHead(brw.Writer, resp)
	half := resp.body[:len(resp.body)/2]
	if len(half) > 0 {
		fmt.Fprintf(brw, "%x\r\n%s\r\n", len(half), half)
	}
	brw.WriteString("zz\r\nnot a chunk\r\n")
	if err := brw.Flush(); err != nil {
		out.Err = err.Error()
	} else {
		out.BytesWritten = int64(len(half))
	}
	var note string
	out.End, note = finish(c, false)
	out.Fault += note
	return out
}

// writeBody writes a buffered response through w, paced by the body mode.
func writeBody(ctx context.Context, w http.ResponseWriter, resp *response, f *Fault, env *serveEnv, out Outcome) Outcome {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Del("Transfer-Encoding")
	if bodyAllowed(resp.status) {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	rc := http.NewResponseController(w)
	write := func(p []byte) bool {
		n, err := w.Write(p)
		out.BytesWritten += int64(n)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil && !errors.Is(err, http.ErrNotSupported) {
			out.Err = err.Error()
			out.End = EndClientAborted
			return false
		}
		return true
	}
	body := resp.body
	switch {
	case f.StallBody != nil:
		_ = rc.Flush()
		max := f.StallBody.Max
		if max <= 0 {
			max = env.hangMax
		}
		if !sleep(ctx, max) {
			out.End = EndClientAborted
			return out
		}
		if c, brw, err := hijack(w); err == nil {
			_ = brw.Flush()
			finish(c, false)
		}
		out.End = EndHung
	case f.Dribble != nil:
		_ = rc.Flush()
		chunks := f.Dribble.Chunks
		if chunks > len(body) {
			chunks = max(len(body), 1)
		}
		gap := f.Dribble.Duration / time.Duration(chunks)
		for i := range chunks {
			if !sleep(ctx, gap) {
				out.End = EndClientAborted
				return out
			}
			lo, hi := len(body)*i/chunks, len(body)*(i+1)/chunks
			if !write(body[lo:hi]) {
				return out
			}
		}
	case f.Throttle != nil:
		_ = rc.Flush()
		bps := f.Throttle.BytesPerSecond
		slice := max(bps/throttleSlices, 1)
		start := time.Now()
		for sent := int64(0); sent < int64(len(body)); {
			n := min(slice, int64(len(body))-sent)
			if !write(body[sent : sent+n]) {
				return out
			}
			sent += n
			due := start.Add(time.Duration(float64(sent) / float64(bps) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 && sent < int64(len(body)) && !sleep(ctx, wait) {
				out.End = EndClientAborted
				return out
			}
		}
	default:
		if len(body) > 0 {
			write(body)
		}
	}
	return out
}
