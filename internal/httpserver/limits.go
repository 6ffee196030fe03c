package httpserver

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Default limits (see Limits).
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyReadTimeout   = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 1 << 20
	DefaultMaxConns          = 1024
)

// Limits bound what one client can hold on a server. A zero field takes its
// default; a negative one turns that limit off.
//
// There is no WriteTimeout by default: it cuts responses, so it would kill
// mockd's own slow answers (latency, dribble, throttle, hang faults). The
// client's upload is bounded by BodyReadTimeout, a read deadline lifted as
// soon as the body has been read to its end, so it never limits what mockd
// does afterwards (including on connections a wire fault hijacks).
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds reading a request body, counted from the start
	// of the handler: a client that declares a body and stalls gets a read
	// error. It ends when the body reaches EOF; responses are not bounded.
	BodyReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits this long for
	// its next request.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing a response (default off; if set, keep it
	// above the longest latency/hang fault you use).
	WriteTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (431 above it).
	MaxHeaderBytes int
	// MaxConns caps open connections. Connections beyond it are not
	// accepted until one closes: they wait in the kernel's listen backlog
	// (clients see a slow connect, not an error), and a warning is logged.
	MaxConns int
}

// DefaultLimits returns the defaults.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		BodyReadTimeout:   DefaultBodyReadTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		WriteTimeout:      -1,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		MaxConns:          DefaultMaxConns,
	}
}

// resolved fills zero fields with defaults and turns negative ones into 0
// ("off"), the form net/http understands.
func (l Limits) resolved() Limits {
	d := DefaultLimits()
	dur := func(v, def time.Duration) time.Duration {
		switch {
		case v == 0:
			v = def
		case v < 0:
			return 0
		}
		return max(v, 0)
	}
	num := func(v, def int) int {
		switch {
		case v == 0:
			v = def
		case v < 0:
			return 0
		}
		return max(v, 0)
	}
	return Limits{
		ReadHeaderTimeout: dur(l.ReadHeaderTimeout, d.ReadHeaderTimeout),
		BodyReadTimeout:   dur(l.BodyReadTimeout, d.BodyReadTimeout),
		IdleTimeout:       dur(l.IdleTimeout, d.IdleTimeout),
		WriteTimeout:      dur(l.WriteTimeout, d.WriteTimeout),
		MaxHeaderBytes:    num(l.MaxHeaderBytes, d.MaxHeaderBytes),
		MaxConns:          num(l.MaxConns, d.MaxConns),
	}
}

// New returns an http.Server for h with l's limits and an error log on
// logger (nil: slog.Default()). Serve it on a listener from Listen or
// Wrap, which apply MaxConns. Set ConnContext and the like on the result.
func New(h http.Handler, l Limits, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = slog.Default()
	}
	r := l.resolved()
	if r.BodyReadTimeout > 0 {
		h = bodyDeadline{next: h, d: r.BodyReadTimeout}
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: r.ReadHeaderTimeout,
		IdleTimeout:       r.IdleTimeout,
		WriteTimeout:      r.WriteTimeout,
		MaxHeaderBytes:    r.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Flags are the command-line flags for Limits, shared by every command
// that starts a server.
type Flags struct {
	readHeader, bodyRead, idle, write time.Duration
	maxHeader, maxConns               int
}

// RegisterFlags adds --read-header-timeout, --body-read-timeout,
// --idle-timeout, --write-timeout, --max-header-bytes and --max-conns to fs
// (0 turns a limit off).
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.DurationVar(&f.readHeader, "read-header-timeout", DefaultReadHeaderTimeout, "limit: time to read a request's headers (0: no limit)")
	fs.DurationVar(&f.bodyRead, "body-read-timeout", DefaultBodyReadTimeout, "limit: time to read a request body; mockd's own slow responses are not limited (0: no limit)")
	fs.DurationVar(&f.idle, "idle-timeout", DefaultIdleTimeout, "limit: close keep-alive connections idle this long (0: no limit)")
	fs.DurationVar(&f.write, "write-timeout", 0, "limit: time to write a response; keep it above your latency/hang faults (0: no limit)")
	fs.IntVar(&f.maxHeader, "max-header-bytes", DefaultMaxHeaderBytes, "limit: bytes of request line and headers (larger: 431)")
	fs.IntVar(&f.maxConns, "max-conns", DefaultMaxConns, "limit: open connections; more wait to be accepted (0: no limit)")
	return f
}

// Limits returns the limits the flags ask for, or an error naming a
// negative flag.
func (f *Flags) Limits() (Limits, error) {
	for name, v := range map[string]time.Duration{"read-header-timeout": f.readHeader, "body-read-timeout": f.bodyRead,
		"idle-timeout": f.idle, "write-timeout": f.write} {
		if v < 0 {
			return Limits{}, fmt.Errorf("--%s %s is negative (fix: a positive duration such as 30s, or 0 for no limit)", name, v)
		}
	}
	if f.maxHeader < 1 {
		return Limits{}, fmt.Errorf("--max-header-bytes %d must be positive (fix: e.g. %d)", f.maxHeader, DefaultMaxHeaderBytes)
	}
	if f.maxConns < 0 {
		return Limits{}, fmt.Errorf("--max-conns %d is negative (fix: e.g. %d, or 0 for no limit)", f.maxConns, DefaultMaxConns)
	}
	off := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d
	}
	conns := f.maxConns
	if conns == 0 {
		conns = -1
	}
	return Limits{ReadHeaderTimeout: off(f.readHeader), BodyReadTimeout: off(f.bodyRead), IdleTimeout: off(f.idle),
		WriteTimeout: off(f.write), MaxHeaderBytes: f.maxHeader, MaxConns: conns}, nil
}
