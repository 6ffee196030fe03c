package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

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
	return func(c *config) error { c.player = p; return nil }
}

// OnMiss chooses what happens when no recorded interaction matches.
func OnMiss(m MissMode) Option {
	return func(c *config) error {
		if _, err := ParseMissMode(string(m)); err != nil {
			return err
		}
		c.onMiss = m
		return nil
	}
}

// Upstream is the server that proxy and record misses go to.
func Upstream(rawURL string) Option {
	return func(c *config) error {
		u, err := url.Parse(rawURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("upstream %q: want an absolute URL such as https://api.example.com", rawURL)
		}
		c.upstream = u
		return nil
	}
}

// RecordTo is where MissRecord appends new interactions (a recorder.Sink
// on the cassette file, typically).
func RecordTo(sink recorder.InteractionSink) Option {
	return func(c *config) error { c.sink = sink; return nil }
}

// setupPlayback checks the playback options and builds the miss handlers.
func (s *Server) setupPlayback() error {
	cfg := &s.cfg
	if cfg.onMiss == "" {
		cfg.onMiss = MissError
		if s.spec != nil {
			cfg.onMiss = MissSpec
		}
	}
	switch cfg.onMiss {
	case MissSpec:
		if s.spec == nil {
			return fmt.Errorf("mockserver: on-miss spec needs a spec (--spec)")
		}
	case MissProxy:
		if cfg.upstream == nil {
			return fmt.Errorf("mockserver: on-miss proxy needs an upstream (--upstream URL)")
		}
		upstream := *cfg.upstream
		rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&upstream) // also sends the upstream's own Host header
			pr.SetXForwarded()
		}}
		rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			writeProblem(w, &Problem{Type: ProblemUpstream, Title: "Upstream unreachable", Status: http.StatusBadGateway,
				Detail: fmt.Sprintf("forwarding %s %s to %s failed: %v", r.Method, r.URL.Path, cfg.upstream.Host, err)})
		}
		s.missHandler = rp
	case MissRecord:
		if cfg.upstream == nil || cfg.sink == nil {
			return fmt.Errorf("mockserver: on-miss record needs an upstream and a cassette to record to")
		}
		sink := cfg.sink
		if cfg.player != nil {
			rs := &replayableSink{next: cfg.sink, player: cfg.player, source: "recorded"}
			if named, ok := cfg.sink.(interface{ Path() string }); ok {
				rs.source = named.Path()
			}
			sink = rs
		}
		p, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: cfg.upstream, Sink: sink, Redactor: cfg.redactor, Logger: cfg.logger})
		if err != nil {
			return err
		}
		s.missHandler = p
		if cfg.player != nil {
			s.recordOnce = newRecordOnce(cfg.player, p)
		}
	}
	return nil
}

// playback answers from the cassettes. It reports false when the request
// should go on to the spec.
func (s *Server) playback(w http.ResponseWriter, r *http.Request) (source string, done bool) {
	it, err := s.cfg.player.Match(r)
	if err == nil {
		if err := recorder.ServeInteraction(w, it); err != nil {
			s.cfg.logger.Warn("replaying an interaction failed", "path", r.URL.Path, "error", err)
		}
		return "cassette", true
	}
	switch s.cfg.onMiss {
	case MissSpec:
		return "", false
	case MissProxy:
		if err := recorder.CheckForwardPath(r.URL); err != nil {
			writeProblem(w, &Problem{Type: ProblemInvalidRequest, Title: "Path not forwarded", Status: http.StatusBadRequest, Detail: err.Error()})
			return "problem", true
		}
		s.missHandler.ServeHTTP(w, r)
		return "upstream", true
	case MissRecord:
		if miss, ok := err.(*recorder.MissError); ok && s.recordOnce != nil {
			return s.recordOnce.serve(w, r, miss.Key()), true
		}
		s.missHandler.ServeHTTP(w, r)
		return "recorded", true
	}
	p := &Problem{Type: ProblemNoInteraction, Title: "No recorded interaction matches", Status: http.StatusNotFound,
		Detail: err.Error()}
	if miss, ok := err.(*recorder.MissError); ok {
		p.Detail = fmt.Sprintf("No recorded interaction matches %s %s; closest are listed with why each differs (record it, or relax matching with --ignore-query).", miss.Method, miss.URL)
		p.Closest = miss.Closest()
	}
	writeProblem(w, p)
	return "problem", true
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
