package httpserver

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Listen listens on addr (TCP) and applies l.MaxConns.
func Listen(addr string, l Limits, logger *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another server using the port? try another --port)", addr, err)
	}
	return Wrap(ln, l, logger), nil
}

// Wrap applies l.MaxConns to ln: Accept waits while MaxConns accepted
// connections are open. With no cap it returns ln itself.
func Wrap(ln net.Listener, l Limits, logger *slog.Logger) net.Listener {
	max := l.resolved().MaxConns
	if max <= 0 {
		return ln
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &capListener{Listener: ln, sem: make(chan struct{}, max), done: make(chan struct{}), logger: logger}
}

// capListener is a net.Listener that holds at most cap(sem) connections.
type capListener struct {
	net.Listener
	sem    chan struct{}
	done   chan struct{}
	once   sync.Once
	logger *slog.Logger
	full   atomic.Bool // a warning was logged and no slot has freed since
}

// Accept takes a slot (waiting for one while the cap is reached), then
// accepts.
func (l *capListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	default:
		if !l.full.Swap(true) {
			l.logger.Warn("connection cap reached: new connections wait until one closes (raise --max-conns)",
				"max_conns", cap(l.sem), "addr", l.Addr().String())
		}
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &capConn{Conn: c, l: l}, nil
}

// Close stops listening and wakes an Accept waiting for a slot.
func (l *capListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *capListener) release() {
	<-l.sem
	l.full.Store(false)
}

// capConn gives its slot back when closed (once).
type capConn struct {
	net.Conn
	l    *capListener
	once sync.Once
}

// Close closes the connection and frees its slot.
func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}

// NetConn returns the wrapped connection (for SO_LINGER and the like).
func (c *capConn) NetConn() net.Conn { return c.Conn }

// bodyDeadline puts a read deadline on a request body and lifts it when the
// body reaches its end, so a stalled upload fails but the handler may then
// take as long as it likes to answer, and a connection it hijacks carries no
// stale deadline.
type bodyDeadline struct {
	next http.Handler
	d    time.Duration
}

func (b bodyDeadline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		b.next.ServeHTTP(w, r)
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(b.d)); err != nil {
		b.next.ServeHTTP(w, r) // not a net/http connection (a test recorder): nothing to bound
		return
	}
	// A shallow copy: net/http decides whether the connection can be reused
	// from the type and state of the Body of its own *Request, so that one
	// must keep its original body.
	r2 := new(http.Request)
	*r2 = *r
	r2.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
	b.next.ServeHTTP(w, r2)
}

// deadlineBody clears the connection's read deadline at the body's end.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (d *deadlineBody) Read(p []byte) (int, error) {
	n, err := d.ReadCloser.Read(p)
	if err == io.EOF && !d.done {
		d.done = true
		_ = d.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
