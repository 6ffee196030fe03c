package mockserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mockd/mockd/fault"
)

// Instance is a Server listening on a socket, for programs and tests that
// embed mockd. Close it when done.
type Instance struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string

	srv      *http.Server
	ln       *fault.Listener
	done     chan struct{}
	serveErr error
}

// Start listens on addr (e.g. "127.0.0.1:0" for a free port) and serves s in
// the background. The listener supports `refuse` faults, and connections
// are tagged for the journal.
func (s *Server) Start(addr string) (*Instance, error) {
	ln, err := fault.NewListener(addr)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			err = opErr
		}
		return nil, fmt.Errorf("listen on %s: %w (is another server using the port? try another --port)", addr, err)
	}
	s.faults.SetListener(ln)
	hs := &http.Server{
		Handler:           s,
		ConnContext:       s.ConnContext,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.logger.Handler(), slog.LevelWarn),
	}
	in := &Instance{URL: "http://" + ln.Addr().String(), srv: hs, ln: ln, done: make(chan struct{})}
	go func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			in.serveErr = err
		}
		close(in.done)
	}()
	return in, nil
}

// Addr is the listening address (host:port).
func (in *Instance) Addr() string { return in.ln.Addr().String() }

// Done is closed when serving has stopped; Err then says why.
func (in *Instance) Done() <-chan struct{} { return in.done }

// Err is the error that stopped serving, nil after Shutdown or Close. Read
// it after Done is closed.
func (in *Instance) Err() error { return in.serveErr }

// Shutdown stops accepting connections and waits for requests in flight,
// until ctx ends.
func (in *Instance) Shutdown(ctx context.Context) error { return in.srv.Shutdown(ctx) }

// Close shuts down gracefully, waiting up to closeGrace for requests in
// flight, then closes what is left (such as connections a client opened but
// never used, which net/http's Shutdown otherwise waits 5 s for). It reports
// only errors of closing, not that requests had to be cut.
func (in *Instance) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	if err := in.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return errors.Join(err, in.srv.Close())
	}
	return in.srv.Close()
}

// closeGrace is how long Close waits for requests in flight.
const closeGrace = 2 * time.Second
