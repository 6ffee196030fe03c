package fault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// ErrRefusing is returned by RefuseFor while a refuse window is already open.
var ErrRefusing = errors.New("listener is already refusing connections")

// DefaultRefuseMax bounds a refuse window that asks for more (a rule's
// `refuse: 1h`, or a client's X-Mockd-Fault: refuse=1h): longer windows are
// cut to it, so a listener never stays down for long.
const DefaultRefuseMax = 60 * time.Second

// relistenTries bounds how long the listener retries binding its address
// again after a refuse window.
const (
	relistenTries = 50
	relistenGap   = 20 * time.Millisecond
)

// Listener is a TCP listener that can really stop listening for a window
// (the kernel then refuses connections with RST at SYN) and listen again on
// the same address. Accept blocks across the window, so an http.Server built
// on it keeps serving. With a RefuseGate the socket stays bound instead and
// only the connections the gate admits are served during a window; the
// others are reset.
type Listener struct {
	addr      net.Addr
	logger    *slog.Logger
	refuseMax time.Duration

	mu       sync.Mutex
	inner    net.Listener  // nil while a window has closed the socket
	ready    chan struct{} // closed when inner is set again
	closed   chan struct{}
	done     bool
	err      error       // a failed re-listen, returned by Accept
	refusing bool        // a window is open
	gate     *RefuseGate // nil: windows close the socket
	gateSaid bool        // the gated-window log line was written
	resets   int         // connections the gate reset in this window
}

// NewListener listens on addr (e.g. "127.0.0.1:0").
func NewListener(addr string) (*Listener, error) {
	in, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fault: listen on %s: %w (fix: choose a free address, e.g. 127.0.0.1:0)", addr, err)
	}
	return &Listener{addr: in.Addr(), inner: in, closed: make(chan struct{}), logger: slog.Default(), refuseMax: DefaultRefuseMax}, nil
}

// SetRefuseMax bounds every refuse window to max (DefaultRefuseMax when max
// <= 0). Call it before serving.
func (l *Listener) SetRefuseMax(max time.Duration) {
	if max <= 0 {
		max = DefaultRefuseMax
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refuseMax = max
}

// SetLogger sets the logger of re-listen failures and cut windows (default
// slog.Default()).
func (l *Listener) SetLogger(lg *slog.Logger) {
	if lg != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.logger = lg
	}
}

// bound cuts a refuse window to the listener's maximum, saying so.
func (l *Listener) bound(d time.Duration) time.Duration {
	l.mu.Lock()
	max, lg := l.refuseMax, l.logger
	l.mu.Unlock()
	if d > max {
		lg.Warn("fault listener: refuse window cut to the maximum", "addr", l.addr.String(), "asked", d, "max", max)
		return max
	}
	return d
}

// Addr returns the address, stable across refuse windows.
func (l *Listener) Addr() net.Addr { return l.addr }

// Accept waits for the next connection, waiting out refuse windows.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		in, ready, done, lerr := l.inner, l.ready, l.done, l.err
		l.mu.Unlock()
		if done {
			return nil, net.ErrClosed
		}
		if lerr != nil {
			return nil, lerr
		}
		if in == nil {
			select {
			case <-ready:
			case <-l.closed:
			}
			continue
		}
		c, err := in.Accept()
		if err == nil {
			return l.gated(c), nil
		}
		l.mu.Lock()
		swapped := l.inner != in && !l.done
		l.mu.Unlock()
		if swapped {
			continue
		}
		return nil, err
	}
}

// Close stops listening for good and ends any refuse window.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return nil
	}
	l.done = true
	close(l.closed)
	if l.inner != nil {
		return l.inner.Close()
	}
	return nil
}

// Refusing reports whether a refuse window is open.
func (l *Listener) Refusing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refusing && !l.done
}

// gated wraps a connection accepted during a gated window.
func (l *Listener) gated(c net.Conn) net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.refusing || l.gate == nil {
		return c
	}
	return &gateConn{Conn: c, gate: l.gate, reset: l.countReset}
}

func (l *Listener) countReset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.resets++
}

// RefuseFor closes the listening socket (or, with a RefuseGate, gates it),
// waits d (at most the refuse max; or until ctx is done or the listener is
// closed), then listens again on the same address. It blocks for the window.
func (l *Listener) RefuseFor(ctx context.Context, d time.Duration) error {
	d = l.bound(d)
	if err := l.stop(); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-l.closed:
		return nil
	}
	return l.relisten()
}

// startRefuse closes (or gates) the socket now and re-listens after d (at
// most the refuse max) in the background.
func (l *Listener) startRefuse(d time.Duration) error {
	d = l.bound(d)
	if err := l.stop(); err != nil {
		return err
	}
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			if err := l.relisten(); err != nil {
				l.logger.Error("fault listener: re-listen after refuse window failed", "addr", l.addr.String(), "err", err)
			}
		case <-l.closed:
		}
	}()
	return nil
}

func (l *Listener) stop() error {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return fmt.Errorf("fault: refuse on %s: %w", l.addr, net.ErrClosed)
	}
	if l.refusing {
		l.mu.Unlock()
		return fmt.Errorf("fault: refuse on %s: %w", l.addr, ErrRefusing)
	}
	l.refusing = true
	if l.gate != nil { // the socket stays bound; Accept gates new connections
		l.resets = 0
		first, hint, lg := !l.gateSaid, l.gate.Hint, l.logger
		l.gateSaid = true
		l.mu.Unlock()
		if first {
			lg.Info("fault listener: refuse window keeps the socket open for the connections its gate admits; others are reset (connection reset by peer), not refused",
				"addr", l.addr.String(), "fix", hint)
		}
		return nil
	}
	defer l.mu.Unlock()
	in := l.inner
	l.inner, l.ready = nil, make(chan struct{})
	if err := in.Close(); err != nil {
		return fmt.Errorf("fault: close listener %s for refuse window: %w", l.addr, err)
	}
	return nil
}

func (l *Listener) relisten() error {
	l.mu.Lock()
	if l.inner != nil { // a gated window: the socket stayed bound
		l.refusing = false
		resets := l.resets
		l.mu.Unlock()
		l.logger.Info("fault listener: refuse window over", "addr", l.addr.String(), "connections_reset", resets)
		return nil
	}
	l.mu.Unlock()
	var lastErr error
	for range relistenTries {
		l.mu.Lock()
		if l.done {
			l.mu.Unlock()
			return nil
		}
		in, err := net.Listen("tcp", l.addr.String())
		if err == nil {
			l.inner, l.refusing = in, false
			close(l.ready)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		lastErr = err
		time.Sleep(relistenGap)
	}
	err := fmt.Errorf("fault: listen again on %s after refuse window: %w (fix: make sure nothing else took the port)", l.addr, lastErr)
	l.mu.Lock()
	l.err = err
	if l.ready != nil {
		close(l.ready)
	}
	l.mu.Unlock()
	return err
}
