package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mockd/mockd/fault"
)

// TestServer is a Server listening on 127.0.0.1 for the length of one test,
// in the style of net/http/httptest.Server. NewTest starts it and registers
// its Close with t.Cleanup. The embedded *Server gives Journal, Reset,
// Faults, Spec and Seed.
//
// Each TestServer has its own port, journal, seed, fault counters and HTTP
// transport; nothing is shared, so parallel tests do not interfere.
type TestServer struct {
	*Server

	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string

	instance *Instance
	client   *http.Client
}

// TB is the part of testing.TB that NewTest uses. *testing.T, *testing.B,
// *testing.F, any testing.TB, and Ginkgo's GinkgoT() satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// TestClientTimeout bounds every request made with TestServer.Client, so that
// a hang fault fails a test instead of stalling it.
const TestClientTimeout = 30 * time.Second

// NewTest builds a Server from opts, starts it on a free port of 127.0.0.1
// and closes it when the test ends (t.Cleanup). tb is a *testing.T (any
// testing.TB) or GinkgoT(). A bad option or spec fails
// the test at once (t.Fatalf). Nothing needs a file on disk: Spec and
// SpecBytes take the document, Rules and FaultsYAML the fault rules.
//
//	srv := mockserver.NewTest(t, mockserver.Spec("testdata/bookstore.yaml"),
//		mockserver.Rules(rule), mockserver.Seed(7))
//	resp, err := srv.Client().Get(srv.URL + "/books")
//
// Journal entries are added when the handler returns, just after the client
// has read the response: assert on the journal with Gomega's Eventually (or
// poll Journal().Len()), not immediately after the call.
//
// Programs that embed mockd outside tests use New and Server.Start, which
// return an *Instance to Close.
func NewTest(tb TB, opts ...Option) *TestServer {
	tb.Helper()
	srv, err := New(opts...)
	if err != nil {
		tb.Fatalf("mockserver.NewTest: %v", err)
		return nil
	}
	in, err := srv.Start("127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mockserver.NewTest: %v", err)
		return nil
	}
	transport := &http.Transport{
		Proxy:                 nil, // loopback: never through HTTP_PROXY
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: TestClientTimeout,
	}
	ts := &TestServer{
		Server:   srv,
		URL:      in.URL,
		instance: in,
		client:   &http.Client{Transport: transport, Timeout: TestClientTimeout},
	}
	tb.Cleanup(func() {
		transport.CloseIdleConnections()
		if err := in.Close(); err != nil {
			tb.Logf("mockserver: closing the test server at %s: %v", in.URL, err)
		}
	})
	return ts
}

// Client returns an HTTP client for this server: its own transport (no
// proxy, no connections shared with other servers or http.DefaultClient)
// and a TestClientTimeout timeout. Its idle connections close with the test.
func (ts *TestServer) Client() *http.Client { return ts.client }

// Addr is the listening address (host:port).
func (ts *TestServer) Addr() string { return ts.instance.Addr() }

// Instance returns the listening instance (Shutdown, Done, Err).
func (ts *TestServer) Instance() *Instance { return ts.instance }

// Close stops the server before the test ends, waiting up to 2 s for
// requests in flight. Calling it is optional: t.Cleanup closes it too.
func (ts *TestServer) Close() error {
	ts.client.CloseIdleConnections()
	return ts.instance.Close()
}

// SetFaults replaces every fault rule with rules (none clears them) and
// starts their counters afresh. The rules are checked like Rules: the error
// names the rule and the fix. It is safe while serving.
func (s *Server) SetFaults(rules ...fault.Rule) error {
	rs, err := fault.NewRuleSet(rules)
	if err != nil {
		return fmt.Errorf("mockserver: SetFaults: %w", err)
	}
	if err := s.faults.SetRules(rs); err != nil {
		return fmt.Errorf("mockserver: SetFaults: %w", err)
	}
	return nil
}

// SetFaultsYAML replaces every fault rule with those of a fault file given
// as text (the format of --faults). Errors name FaultsYAML:LINE:COL. A seed
// in the text is ignored: the engine keeps its seed.
func (s *Server) SetFaultsYAML(rules string) error {
	rs, err := fault.ParseRules([]byte(rules), "FaultsYAML")
	if err != nil {
		return fmt.Errorf("mockserver: SetFaultsYAML: %w", err)
	}
	if err := s.faults.SetRules(rs); err != nil {
		return fmt.Errorf("mockserver: SetFaultsYAML: %w", err)
	}
	return nil
}

// Spec serves a spec given as a file path or as the document itself: a
// string that contains a line break or starts with '{' is the YAML or JSON
// document, anything else is a path. Use SpecFile or SpecBytes to say which
// explicitly.
func Spec(pathOrDocument string) Option {
	if IsSpecDocument(pathOrDocument) {
		return SpecBytes([]byte(pathOrDocument))
	}
	return SpecFile(pathOrDocument)
}

// IsSpecDocument reports how Spec reads s: true when s is a document (it
// contains a line break or starts with '{' after leading spaces), false
// when it is a file path.
func IsSpecDocument(s string) bool {
	return strings.ContainsAny(s, "\r\n") || strings.HasPrefix(strings.TrimSpace(s), "{")
}

// Rules adds fault rules given as values, after any given by Faults,
// FaultsYAML or earlier Rules (a later Faults replaces them all; FaultFile
// wins over every other fault option). Unset fields take the rule file's
// defaults: Key "global", Connection "any", Then "pass" for a sequence,
// phases from engine start. New fails with the rule's name and the fix when
// a rule is invalid (no name, not exactly one of Fault, Sequence and
// RateLimit, a fault that cannot compose, a bad key or rate...).
func Rules(rules ...fault.Rule) Option {
	return func(c *Config) error {
		rs, err := fault.NewRuleSet(rules)
		if err != nil {
			return fmt.Errorf("mockserver: Rules: %w", err)
		}
		merged, err := mergeRules(c.Faults, rs)
		if err != nil {
			return fmt.Errorf("mockserver: Rules: %w", err)
		}
		c.Faults = merged
		return nil
	}
}

// FaultsYAML adds the rules of a fault file given as text (the format of
// --faults, see package fault), after any given by earlier fault options.
// Parse errors name FaultsYAML:LINE:COL. A `seed:` in the text seeds the
// fault engine unless Seed is given.
func FaultsYAML(rules string) Option {
	return func(c *Config) error {
		rs, err := fault.ParseRules([]byte(rules), "FaultsYAML")
		if err != nil {
			return fmt.Errorf("mockserver: %w", err)
		}
		merged, err := mergeRules(c.Faults, rs)
		if err != nil {
			return fmt.Errorf("mockserver: FaultsYAML: %w", err)
		}
		c.Faults = merged
		return nil
	}
}

// mergeRules returns a new rule set with add's rules after base's. The seed
// of the first set that has one is kept. Neither input is modified.
func mergeRules(base, add *fault.RuleSet) (*fault.RuleSet, error) {
	if base == nil {
		return add, nil
	}
	out := &fault.RuleSet{File: base.File, Seed: base.Seed, HasSeed: base.HasSeed}
	if !out.HasSeed && add.HasSeed {
		out.Seed, out.HasSeed = add.Seed, true
	}
	out.Rules = append(append(make([]fault.Rule, 0, len(base.Rules)+len(add.Rules)), base.Rules...), add.Rules...)
	seen := map[string]bool{}
	for _, r := range out.Rules {
		if seen[r.Name] {
			return nil, fmt.Errorf("rule %q is given twice (fix: give every rule a unique name)", r.Name)
		}
		seen[r.Name] = true
	}
	return out, nil
}

// Matches reports whether f selects e. Limit is not applied (it needs the
// whole list; Journal.Entries applies it). Use it to filter entries already
// read from a journal.
func (f Filter) Matches(e *Entry) bool { return f.match(e) }
