package fault

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	rfc9457 "github.com/mockd/mockd/internal/problem"
)

// This file is the wire code the kinds share: hijacking the connection,
// ending it with FIN or RST, raw heads, and a flushed body writer.

// Tunables of the wire code.
const (
	maxDrain     = 8 << 20                // request body bytes read before a wire fault
	lingerWait   = 500 * time.Millisecond // how long a FIN close waits for the client's FIN
	rawWriteWait = 10 * time.Second       // write deadline for raw (hijacked) writes
)

// hijack takes the raw connection from w.
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
// The note says when a reset had to degrade.
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

// finish ends the hijacked connection and records how in the outcome.
func (x *exchange) finish(c net.Conn, rst bool) {
	var note string
	x.out.End, note = finish(c, rst)
	x.out.Fault += note
}

// unhijackable answers 500 when a wire fault cannot reach the socket.
func (x *exchange) unhijackable(err error) Outcome {
	body := problemJSON(http.StatusInternalServerError, err.Error())
	x.w.Header().Set("Content-Type", rfc9457.ContentType)
	x.w.Header().Set(HeaderName, x.out.Fault)
	x.w.WriteHeader(http.StatusInternalServerError)
	n, _ := io.WriteString(x.w, body)
	x.out.Status, x.out.BytesWritten, x.out.Err = http.StatusInternalServerError, int64(n), err.Error()
	x.out.Fault += " (not applied: connection not hijackable)"
	return x.out
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
	_, _ = bw.WriteString("\r\n")
}

// bodyWriter sends a buffered response's body through the ResponseWriter,
// flushing every piece, and counts it in the exchange's outcome.
type bodyWriter struct {
	x  *exchange
	rc *http.ResponseController
}

// startBody sends resp's status and headers (with its Content-Length),
// flushing them at once when flushHead (the body will be slow), and returns
// the writer for its body.
func (x *exchange) startBody(resp *response, flushHead bool) *bodyWriter {
	h := x.w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Del("Transfer-Encoding")
	if bodyAllowed(resp.status) {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	x.w.WriteHeader(resp.status)
	b := &bodyWriter{x: x, rc: http.NewResponseController(x.w)}
	if flushHead {
		_ = b.rc.Flush()
	}
	return b
}

// write sends p and flushes; false means the client is gone.
func (b *bodyWriter) write(p []byte) bool {
	n, err := b.x.w.Write(p)
	b.x.out.BytesWritten += int64(n)
	if err == nil {
		err = b.rc.Flush()
	}
	if err != nil && !errors.Is(err, http.ErrNotSupported) {
		b.x.out.Err = err.Error()
		b.x.out.End = EndClientAborted
		return false
	}
	return true
}
