package fault

import (
	"log/slog"
	"time"
)

// Option configures an Engine.
type Option func(*Engine)

// WithSeed overrides the rule file's seed.
func WithSeed(seed uint64) Option {
	return func(e *Engine) { e.seed, e.seedSet = seed, true }
}

// WithClock sets the clock used for phases, token buckets and Retry-After
// dates (default time.Now). Waits (latency, hang) always use real time.
func WithClock(now func() time.Time) Option {
	return func(e *Engine) {
		if now != nil {
			e.env.clock = now
		}
	}
}

// WithHeaderFaults makes Decide honour the X-Mockd-Fault request header.
func WithHeaderFaults(on bool) Option {
	return func(e *Engine) { e.headerFaults = on }
}

// WithHangMax bounds hangs and stalled bodies that set no max (default
// DefaultHangMax); it also caps latency draws.
func WithHangMax(d time.Duration) Option {
	return func(e *Engine) {
		if d > 0 {
			e.env.hangMax = d
		}
	}
}

// WithKeyTableBytes bounds the memory of each rule's key table (default
// DefaultKeyTableBytes). A rule keeps at most min(max_keys,
// bytes/KeyEntryBytes) keys; when full, the least recently used key is
// forgotten (its sequence and token bucket start over if it comes back).
func WithKeyTableBytes(bytes int64) Option {
	return func(e *Engine) {
		if bytes > 0 {
			e.keyTableBytes = bytes
		}
	}
}

// WithListener gives the engine the listener that `refuse` takes down.
func WithListener(l *Listener) Option {
	return func(e *Engine) { e.env.listener = l }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.env.logger = l
		}
	}
}

// serveEnv is what Decision.Serve needs from its engine.
type serveEnv struct {
	clock    func() time.Time
	hangMax  time.Duration
	listener *Listener
	logger   *slog.Logger
}
