package mockserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/internal/httpserver"
)

// Instance is a Server listening on a socket, for programs and tests that
// embed mockd. Close it when done.
type Instance struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string

	// AdminURL is the base URL of the admin API: URL, or the separate
	// address given with AdminAddr.
	AdminURL string

	srv       *http.Server
	admin     *http.Server // nil: the admin API is on srv
	ln        *fault.Listener
	done      chan struct{}
	serveErr  error
	stopHooks func() // ends the webhook schedules (webhooks_admin.go)
}

// ServerLimits bound what clients can hold on the server Start runs:
// header, body and idle timeouts, header size and a connection cap. A zero
// field takes its default, a negative one turns that limit off (see
// DefaultServerLimits and the README's limits table).
type ServerLimits = httpserver.Limits

// DefaultServerLimits returns the limits Start uses by default.
func DefaultServerLimits() ServerLimits { return httpserver.DefaultLimits() }

// Limits sets the limits of the server Start runs (DefaultServerLimits by
// default).
func Limits(l ServerLimits) Option { return func(c *Config) error { c.Limits = l; return nil } }

// Start listens on addr (e.g. "127.0.0.1:0" for a free port) and serves s in
// the background with the configured Limits. The listener supports `refuse`
// faults, and connections are tagged for the journal. With the admin API on
// its own address (AdminAddr) a refuse window closes the mock's socket
// (clients see `connection refused`); with the admin API on the same port
// the socket stays bound, admin requests are served and every other new
// connection is reset (`connection reset by peer`).
func (s *Server) Start(addr string) (*Instance, error) {
	ln, err := fault.NewListener(addr)
	if err != nil {
		var opErr *net.OpError
		if errors.As(err, &opErr) {
			err = opErr
		}
		return nil, fmt.Errorf("listen on %s: %w (is another server using the port? try another --port)", addr, err)
	}
	ln.SetLogger(s.cfg.Logger)
	ln.SetRefuseMax(s.cfg.RefuseMax)
	s.faults.SetListener(ln)
	var adminLn net.Listener
	if s.cfg.AdminAddr != "" {
		if adminLn, err = net.Listen("tcp", s.cfg.AdminAddr); err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("listen for the admin API on %s: %w (fix: choose a free --admin-addr)", s.cfg.AdminAddr, err)
		}
	}
	hs := httpserver.New(s.trafficHandler(adminLn == nil, adminHosts(ln.Addr())), s.cfg.Limits, s.cfg.Logger)
	hs.ConnContext = s.ConnContext
	if adminLn == nil {
		ln.SetRefuseGate(refuseGate(s.cfg.Limits.ReadHeaderTimeout))
		hs.ConnContext = s.connContext
	}
	in := &Instance{URL: "http://" + ln.Addr().String(), srv: hs, ln: ln, done: make(chan struct{})}
	in.AdminURL = in.URL
	if adminLn != nil {
		in.AdminURL = "http://" + adminLn.Addr().String()
		in.admin = s.adminServer(adminLn)
		warnExposed(s.cfg.Logger, adminLn.Addr(), s.cfg.AdminToken)
	} else {
		warnExposed(s.cfg.Logger, ln.Addr(), s.cfg.AdminToken)
	}
	in.stopHooks = s.startSchedules()
	capped := httpserver.Wrap(ln, s.cfg.Limits, s.cfg.Logger)
	go func() {
		if err := hs.Serve(capped); !errors.Is(err, http.ErrServerClosed) {
			in.serveErr = err
		}
		close(in.done)
	}()
	return in, nil
}

// trafficHandler serves the mock, and the admin API too when withAdmin
// (checking the Host against hosts). Without it, admin paths are 404: the
// admin API is on its own address.
func (s *Server) trafficHandler(withAdmin bool, hosts map[string]bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, AdminPrefix) {
			s.ServeHTTP(w, r)
			return
		}
		if !withAdmin {
			adminError(w, http.StatusNotFound, "the admin API is served on its own address (--admin-addr), not on this port")
			return
		}
		if acceptedDuringRefuse(r.Context()) {
			w.Header().Set("Connection", "close")
		}
		s.serveAdmin(w, r, hosts)
	})
}

// adminServer serves the admin API alone on ln, a plain listener that no
// fault ever refuses.
func (s *Server) adminServer(ln net.Listener) *http.Server {
	hosts := adminHosts(ln.Addr())
	hs := httpserver.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, AdminPrefix) {
			adminError(w, http.StatusNotFound, "this is mockd's admin address: the admin API is under "+AdminPrefix+", the mock is on the other port")
			return
		}
		s.serveAdmin(w, r, hosts)
	}), s.cfg.Limits, s.cfg.Logger)
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("admin API stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	return hs
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
func (in *Instance) Shutdown(ctx context.Context) error {
	in.stopHooks()
	if in.admin != nil {
		_ = in.admin.Shutdown(ctx)
	}
	return in.srv.Shutdown(ctx)
}

// Close shuts down gracefully, waiting up to closeGrace for requests in
// flight, then closes what is left (such as connections a client opened but
// never used, which net/http's Shutdown otherwise waits 5 s for). It reports
// only errors of closing, not that requests had to be cut.
func (in *Instance) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	in.stopHooks()
	var adminErr error
	if in.admin != nil {
		adminErr = in.admin.Close()
	}
	if err := in.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return errors.Join(err, in.srv.Close(), adminErr)
	}
	return errors.Join(in.srv.Close(), adminErr)
}

// closeGrace is how long Close waits for requests in flight.
const closeGrace = 2 * time.Second
