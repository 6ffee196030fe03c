package fault

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"time"
)

// MaxGatePeek bounds how much of a connection's first request line a
// RefuseGate reads before deciding: the gate's Admit sees at most this many
// bytes (the start of a longer line).
const MaxGatePeek = 8 << 10

// DefaultGateTimeout bounds reading the first request line of a connection
// accepted during a gated refuse window when RefuseGate.Timeout is not set.
const DefaultGateTimeout = 10 * time.Second

// ErrGateRefused is the read error of a connection a RefuseGate turned away
// (after resetting it): an http.Server closes such a connection silently.
var ErrGateRefused = errors.New("connection reset: the listener is refusing connections")

// RefuseGate keeps a Listener's socket bound during refuse windows, for a
// server that must stay reachable for some requests (mockd's admin API when
// it shares the mock's port). Each connection accepted during a window is
// held until its first request line has been read (bounded in bytes and
// time); Admit decides whether it is served. Every other connection is reset
// (SO_LINGER 0) before a byte is written, so its client sees `connection
// reset by peer` instead of the `connection refused` of a closed socket.
// Connections open before the window are not affected, as with a closed
// socket.
type RefuseGate struct {
	// Admit reports whether a connection whose first request line starts
	// with line (no line end; at most MaxGatePeek bytes) is served during a
	// window. It must not keep line.
	Admit func(line []byte) bool
	// Timeout bounds reading that line (DefaultGateTimeout when <= 0); a
	// client that has not sent it by then is reset.
	Timeout time.Duration
	// Hint ends the log line written when the first gated window opens,
	// e.g. how to get true connection-refused windows instead.
	Hint string
}

// SetRefuseGate makes refuse windows keep the socket bound and serve only
// the connections g admits (see RefuseGate). A nil g.Admit turns the gate
// off: windows close the socket again. Call it before serving.
func (l *Listener) SetRefuseGate(g RefuseGate) {
	if g.Timeout <= 0 {
		g.Timeout = DefaultGateTimeout
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if g.Admit == nil {
		l.gate = nil
		return
	}
	l.gate = &g
}

// AcceptedDuringRefuse reports whether c (or the connection it wraps, found
// through NetConn methods) was accepted during a gated refuse window, so
// that any request read from it is one the gate admitted. A server should
// close such a connection after answering (Connection: close), so that a
// client cannot reuse it for a request the gate would have refused.
func AcceptedDuringRefuse(c net.Conn) bool {
	_, ok := findConn[*gateConn](c)
	return ok
}

// gateConn is a connection accepted during a gated window: its first Read
// reads the request line, asks the gate, and either replays those bytes to
// the server or resets the connection.
type gateConn struct {
	net.Conn
	gate   *RefuseGate
	reset  func() // counts a reset connection
	mu     sync.Mutex
	decide sync.Once
	err    error     // the decision's error (the connection was reset)
	peeked []byte    // bytes read to decide, not yet returned
	dl     time.Time // the read deadline the server last set
}

// Read decides on the first call, then returns the peeked bytes, then reads
// on.
func (c *gateConn) Read(p []byte) (int, error) {
	c.decide.Do(c.peek)
	if c.err != nil {
		return 0, c.err
	}
	if len(c.peeked) > 0 {
		n := copy(p, c.peeked)
		if c.peeked = c.peeked[n:]; len(c.peeked) == 0 {
			c.peeked = nil
		}
		return n, nil
	}
	return c.Conn.Read(p)
}

// SetReadDeadline sets the deadline and remembers it, so the peek's own
// deadline can be lifted without losing the server's.
func (c *gateConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.dl = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines, remembering the read one.
func (c *gateConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.dl = t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

// NetConn returns the accepted connection (for SO_LINGER and the like).
func (c *gateConn) NetConn() net.Conn { return c.Conn }

// peek reads up to the first line end (at most MaxGatePeek bytes, within the
// gate's timeout or the server's earlier deadline) and decides.
func (c *gateConn) peek() {
	c.mu.Lock()
	serverDL := c.dl
	c.mu.Unlock()
	dl := time.Now().Add(c.gate.Timeout)
	if !serverDL.IsZero() && serverDL.Before(dl) {
		dl = serverDL
	}
	_ = c.Conn.SetReadDeadline(dl)
	buf := make([]byte, MaxGatePeek)
	n, eol := 0, false
	for n < len(buf) && !eol {
		m, err := c.Conn.Read(buf[n:])
		eol = bytes.IndexByte(buf[n:n+m], '\n') >= 0
		n += m
		if err != nil {
			break // decided below on what arrived: an incomplete line is not admitted
		}
	}
	buf = buf[:n]
	line, _, complete := bytes.Cut(buf, []byte{'\n'})
	if (complete || len(buf) >= MaxGatePeek) && c.gate.Admit(bytes.TrimSuffix(line, []byte{'\r'})) {
		_ = c.Conn.SetReadDeadline(serverDL)
		c.peeked = buf
		return
	}
	if tc := tcpConn(c.Conn); tc != nil {
		_ = tc.SetLinger(0)
	}
	_ = c.Conn.Close()
	c.reset()
	c.err = &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: ErrGateRefused}
}
