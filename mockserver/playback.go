package mockserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/internal/forward"
	"github.com/mockd/mockd/recorder"
)

// MissMode says what a cassette-backed server does with a request that no
// recorded interaction matches.
type MissMode string

// Miss modes.
const (
	// MissError answers 404 problem+json listing the closest recorded
	// requests and why each did not match (default without a spec).
	MissError MissMode = "error"
	// MissSpec answers from the spec, as without cassettes (default with a
	// spec).
	MissSpec MissMode = "spec"
	// MissProxy forwards the request to the upstream.
	MissProxy MissMode = "proxy"
	// MissRecord forwards the request to the upstream and appends the
	// exchange to the recording sink (record once, new episodes).
	MissRecord MissMode = "record"
)

// ParseMissMode checks a --on-miss value.
func ParseMissMode(s string) (MissMode, error) {
	switch m := MissMode(s); m {
	case MissError, MissSpec, MissProxy, MissRecord:
		return m, nil
	}
	return "", fmt.Errorf("on-miss %q: use error, spec, proxy or record", s)
}

// Cassettes answers matching requests from recorded interactions first
// (see recorder.Player); faults apply to them as to spec responses.
func Cassettes(p *recorder.Player) Option {
	return func(c *Config) error { c.Cassettes = p; return nil }
}

// OnMiss chooses what happens when no recorded interaction matches.
func OnMiss(m MissMode) Option {
	return func(c *Config) error { c.OnMiss = m; return nil }
}

// Upstream is the server that proxy and record misses go to, given as a
// string (Config.Upstream takes the parsed URL).
func Upstream(rawURL string) Option {
	return func(c *Config) error {
		u, err := url.Parse(rawURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("upstream %q: want an absolute URL such as https://api.example.com", rawURL)
		}
		c.Upstream = u
		return nil
	}
}

// RecordTo is where MissRecord appends new interactions (a recorder.Sink
// on the cassette file, typically).
func RecordTo(sink recorder.InteractionSink) Option {
	return func(c *Config) error { c.RecordTo = sink; return nil }
}

// setupPlayback checks the playback options and builds the miss handlers.
func (s *Server) setupPlayback() error {
	cfg := &s.cfg
	if cfg.OnMiss == "" {
		cfg.OnMiss = MissError
		if s.spec != nil {
			cfg.OnMiss = MissSpec
		}
	}
	switch cfg.OnMiss {
	case MissSpec:
		if s.spec == nil {
			return fmt.Errorf("mockserver: on-miss spec needs a spec (--spec)")
		}
	case MissProxy:
		if cfg.Upstream == nil {
			return fmt.Errorf("mockserver: on-miss proxy needs an upstream (--upstream URL)")
		}
		rp := forward.ReverseProxy(cfg.Upstream, true)
		rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(w, &Problem{Type: ProblemUpstream, Title: "Upstream unreachable", Status: http.StatusBadGateway,
				Detail: fmt.Sprintf("forwarding %s %s to %s failed: %v", r.Method, r.URL.Path, cfg.Upstream.Host, err)})
		}
		s.missHandler = rp
	case MissRecord:
		if cfg.Upstream == nil || cfg.RecordTo == nil {
			return fmt.Errorf("mockserver: on-miss record needs an upstream and a cassette to record to")
		}
		sink := cfg.RecordTo
		if cfg.Cassettes != nil {
			rs := &replayableSink{next: cfg.RecordTo, player: cfg.Cassettes, source: "recorded"}
			if named, ok := cfg.RecordTo.(interface{ Path() string }); ok {
				rs.source = named.Path()
			}
			sink = rs
		}
		p, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: cfg.Upstream, Sink: sink, Redactor: cfg.Redactor, Logger: cfg.Logger})
		if err != nil {
			return err
		}
		s.missHandler = p
		if cfg.Cassettes != nil {
			s.recordOnce = newRecordOnce(cfg.Cassettes, p)
		}
	default:
	}
	return nil
}

// cassetteSource answers from the recorded interactions, and passes on a
// request none matches (noting why on the exchange).
type cassetteSource struct {
	player *recorder.Player
	logger *slog.Logger
}

func (c cassetteSource) answer(w http.ResponseWriter, x *exchange) (Source, bool) {
	it, err := c.player.Match(x.r)
	if err != nil {
		x.miss = err
		return "", false
	}
	if err := recorder.ServeInteraction(w, it); err != nil {
		c.logger.Warn("replaying an interaction failed", "path", x.r.URL.Path, "error", err)
	}
	return SourceCassette, true
}

// missErrorSource answers a cassette miss (--on-miss error) with a 404
// problem listing the closest recorded requests.
type missErrorSource struct{}

func (missErrorSource) answer(w http.ResponseWriter, x *exchange) (Source, bool) {
	p := &Problem{Type: ProblemNoInteraction, Title: "No recorded interaction matches", Status: http.StatusNotFound}
	var miss *recorder.MissError
	switch {
	case errors.As(x.miss, &miss):
		p.Detail = fmt.Sprintf("No recorded interaction matches %s %s; closest are listed with why each differs (record it, or relax matching with --ignore-query).", miss.Method, miss.URL)
		p.Closest = miss.Closest()
	case x.miss != nil:
		p.Detail = x.miss.Error()
	}
	writeProblem(w, p)
	return SourceProblem, true
}

// proxySource forwards a cassette miss to the upstream (--on-miss proxy).
type proxySource struct{ forward http.Handler }

func (p proxySource) answer(w http.ResponseWriter, x *exchange) (Source, bool) {
	if err := recorder.CheckForwardPath(x.r.URL); err != nil {
		writeProblem(w, &Problem{Type: ProblemInvalidRequest, Title: "Path not forwarded", Status: http.StatusBadRequest, Detail: err.Error()})
		return SourceProblem, true
	}
	p.forward.ServeHTTP(w, x.r)
	return SourceUpstream, true
}

// recordSource forwards a cassette miss to the upstream and records it
// (--on-miss record), once per request key (recordOnce).
type recordSource struct {
	forward http.Handler // the recording proxy
	once    *recordOnce
}

func (p recordSource) answer(w http.ResponseWriter, x *exchange) (Source, bool) {
	var miss *recorder.MissError
	if errors.As(x.miss, &miss) && p.once != nil {
		return p.once.serve(w, x.r, miss.Key()), true
	}
	p.forward.ServeHTTP(w, x.r)
	return SourceRecorded, true
}

// replayableSink stores a recorded miss and makes it playable at once, so
// `--on-miss record` records a request once and replays it afterwards; it
// also hands the interaction to the requests waiting for it (recordOnce).
type replayableSink struct {
	next   recorder.InteractionSink
	player *recorder.Player
	source string
}

func (r *replayableSink) Append(ctx context.Context, it *cassette.Interaction) error {
	if err := r.next.Append(ctx, it); err != nil {
		return err
	}
	if err := r.player.Add(it, r.source); err != nil {
		return err
	}
	recorded(ctx, it)
	return nil
}
