package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/internal/httpserver"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// serveCommand is `mockd serve`: its flags are bound straight into cfg,
// the mockserver.Config it builds the server from.
type serveCommand struct {
	stdout, stderr io.Writer

	cfg          mockserver.Config
	spec         string
	host         string
	port         int
	seed         string
	corsOrigins  string
	log          cli.LogFlags
	cassettes    []string
	onMiss       string
	upstream     string
	matchBody    bool
	matchHeaders []string
	ignoreQuery  []string
	redaction    redact.Config
	limitFlags   *httpserver.Flags
	lenient      bool
	webhooks     webhookFlags
	auth         authFlags
}

// serveHeader opens `mockd serve --help`.
const serveHeader = `Usage: mockd serve --spec FILE [flags]
       mockd serve --cassette FILE [--cassette FILE ...] [--spec FILE] [flags]

Serves every operation of the spec (or replays the cassettes) on --host:--port,
one log line per request on stderr.`

// parse parses and checks the flags before anything is loaded: a bad
// command line is a usage error (cli.ErrUsage), --help flag.ErrHelp.
func (c *serveCommand) parse(args []string) error {
	c.cfg = mockserver.DefaultConfig()
	cfg := &c.cfg
	fs := flag.NewFlagSet("mockd serve", flag.ContinueOnError)
	fs.StringVar(&c.spec, "spec", "", "OpenAPI 3.0/3.1 or Swagger 2.0 spec to serve (YAML or JSON)")
	fs.StringVar(&c.host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&c.port, "port", 4010, "port to listen on (0 picks a free one)")
	fs.BoolVar(&cfg.Dynamic, "dynamic", false, "generate bodies from schemas even when examples exist")
	fs.StringVar(&c.seed, "seed", "", "seed for generated data (default: random, printed at start-up)")
	fs.BoolVar(&cfg.Errors, "errors", false, "answer 500 with the violations when a mock response does not match the spec")
	fs.BoolVar(&cfg.CORS, "cors", true, "answer CORS preflights and add CORS headers (--cors=false to disable)")
	fs.StringVar(&c.corsOrigins, "cors-origins", "", "comma-separated origins allowed with credentials (default: * without credentials)")
	fs.StringVar(&cfg.ProblemBodies, "problem-bodies", mockserver.ProblemBodiesSpec, "what a rejected request gets: spec (the spec's declared error response; mockd's explanation in X-Mockd-Problem) or mockd (mockd's problem+json)")
	fs.BoolVar(&cfg.CheckResponses, "check-responses", false, "validate every served response and log violations (debug)")
	c.log.Register(fs, "info")
	fs.StringVar(&cfg.FaultFile, "faults", "", "fault rules file (YAML): see the README's Chaos testing section")
	fs.BoolVar(&cfg.FaultHeader, "fault-header", false, "let requests pick a fault with the X-Mockd-Fault header")
	fs.IntVar(&cfg.JournalSize, "journal-size", mockserver.DefaultJournalSize, "requests kept in the journal (GET /__mockd/requests)")
	fs.Int64Var(&cfg.JournalBytes, "journal-bytes", mockserver.DefaultJournalBytes, "memory bound of the journal in bytes (oldest entries go first)")
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "require Authorization: Bearer TOKEN on the admin API (default: $MOCKD_ADMIN_TOKEN)")
	fs.StringVar(&cfg.AdminAddr, "admin-addr", "", "serve the admin API on its own address (e.g. 127.0.0.1:4011), never refused by faults")
	fs.DurationVar(&cfg.RefuseMax, "refuse-max", fault.DefaultRefuseMax, "longest refuse window; longer ones are cut to it")
	fs.Var(cli.List(&c.cassettes), "cassette", "replay this go-vcr cassette (format 1 or 2; repeatable)")
	fs.StringVar(&c.onMiss, "on-miss", "", "with --cassette, when nothing matches: error (default without --spec), spec (default with --spec), proxy or record")
	fs.StringVar(&c.upstream, "upstream", "", "with --on-miss proxy|record: the real API")
	fs.BoolVar(&c.matchBody, "match-body", false, "with --cassette, also match request bodies (JSON compared as data)")
	fs.Var(cli.List(&c.matchHeaders), "match-header", "with --cassette, also match this request header (repeatable)")
	fs.Var(cli.List(&c.ignoreQuery), "ignore-query", "with --cassette, ignore this query parameter when matching (repeatable)")
	registerState(fs, cfg)
	fs.BoolVar(&c.lenient, "lenient", false, "serve a spec with broken $refs: leave out the operations that use them (listed at start-up)")
	registerRedaction(fs, &c.redaction)
	c.webhooks.register(fs, c)
	c.auth.register(fs)
	c.limitFlags = httpserver.RegisterFlags(fs)
	if err := cli.Parse(fs, args, c.stdout, serveHeader); err != nil {
		return err
	}
	return c.check(fs)
}

// check validates the parsed flags and completes cfg with the values that
// need parsing; each problem is a usage error naming the flag.
func (c *serveCommand) check(fs *flag.FlagSet) error {
	cfg := &c.cfg
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q (every input is a flag: --spec FILE, --cassette FILE)", fs.Arg(0))
	}
	if c.spec == "" && len(c.cassettes) == 0 {
		return cli.Usagef("--spec FILE (or --cassette FILE) is required")
	}
	if err := checkPort(c.port); err != nil {
		return err
	}
	if _, err := c.log.Check(); err != nil {
		return err
	}
	if c.seed != "" {
		seed, err := strconv.ParseUint(c.seed, 10, 64)
		if err != nil {
			return cli.Usagef("--seed %q is not a non-negative integer", c.seed)
		}
		cfg.Seed = &seed
	}
	switch {
	case cfg.JournalSize < 0:
		return cli.Usagef("--journal-size %d must not be negative", cfg.JournalSize)
	case cfg.JournalBytes < 0:
		return cli.Usagef("--journal-bytes %d must not be negative", cfg.JournalBytes)
	case cfg.RefuseMax <= 0:
		return cli.Usagef("--refuse-max %s must be positive", cfg.RefuseMax)
	case len(c.cassettes) == 0 && (c.onMiss != "" || c.upstream != ""):
		return cli.Usagef("--on-miss and --upstream need --cassette")
	}
	if err := checkState(cfg, c.spec); err != nil {
		return err
	}
	if err := c.checkPlayback(); err != nil {
		return err
	}
	if cfg.ProblemBodies != mockserver.ProblemBodiesSpec && cfg.ProblemBodies != mockserver.ProblemBodiesMockd {
		return cli.Usagef("--problem-bodies %q: use %s (the spec's error responses) or %s (mockd's problem+json)",
			cfg.ProblemBodies, mockserver.ProblemBodiesSpec, mockserver.ProblemBodiesMockd)
	}
	for _, o := range strings.Split(c.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if err := mockserver.CheckCORSOrigin(o); err != nil {
				return cli.Usagef("--cors-origins: %v", err)
			}
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	if err := checkRedaction(c.redaction); err != nil {
		return err
	}
	if err := c.auth.bind(cfg); err != nil {
		return err
	}
	limits, err := c.limitFlags.Limits()
	if err != nil {
		return cli.Usagef("%v", err)
	}
	cfg.Limits = limits
	if cfg.AdminToken == "" {
		cfg.AdminToken = os.Getenv("MOCKD_ADMIN_TOKEN")
	}
	return c.webhooks.check(c)
}

// checkPlayback binds --on-miss and --upstream (cassette playback).
func (c *serveCommand) checkPlayback() error {
	cfg := &c.cfg
	if c.onMiss != "" {
		mode, err := mockserver.ParseMissMode(c.onMiss)
		if err != nil {
			return cli.Usagef("--%v", err)
		}
		cfg.OnMiss = mode
		if (mode == mockserver.MissProxy || mode == mockserver.MissRecord) && c.upstream == "" {
			return cli.Usagef("--on-miss %s needs --upstream URL (the real API)", mode)
		}
	}
	if c.upstream != "" {
		u, err := url.Parse(c.upstream)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return cli.Usagef("--upstream %q: want an absolute URL such as https://api.example.com", c.upstream)
		}
		cfg.Upstream = u
	}
	return nil
}

// checkPort refuses a port number no socket can have, before anything is
// loaded (a listen error would blame another server).
func checkPort(port int) error {
	if port < 0 || port > 65535 {
		return cli.Usagef("--port %d: invalid port (use 1-65535, or 0 for a free one)", port)
	}
	return nil
}

// Run serves until ctx ends (Ctrl-C, SIGTERM) or the server fails.
func (c *serveCommand) Run(ctx context.Context, args []string) error {
	if err := c.parse(args); err != nil {
		return err
	}
	logger, err := c.log.Logger(c.stderr, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	if c.spec != "" {
		vopts := []validator.Option{validator.WithFormatAssertions(), validator.WithLogger(logger)}
		if c.lenient {
			vopts = append(vopts, validator.WithLenient())
		}
		if c.cfg.Spec, err = validator.Load(c.spec, vopts...); err != nil {
			var broken *validator.BrokenRefsError
			if errors.As(err, &broken) {
				broken.Alternative = "start with --lenient to serve the operations that do not use them"
			}
			return err
		}
	}
	spec := c.cfg.Spec
	specLoaded := time.Since(start)
	var specNames []string
	if spec != nil {
		specNames = spec.CredentialNames()
	}
	if c.cfg.Redactor, err = redact.NewForSpec(c.redaction, specNames, logger); err != nil {
		return err
	}
	if c.cfg.Redactor, err = c.webhooks.redactor(c.cfg.Redactor); err != nil {
		return err
	}
	logger = slog.New(redact.NewHandler(logger.Handler(), c.cfg.Redactor)) // spec names too
	c.cfg.Logger = logger
	if len(c.cassettes) > 0 {
		sink, err := c.playback(logger)
		if err != nil {
			return err
		}
		if sink != nil {
			defer sink.Close()
		}
	}
	srv, err := mockserver.NewFromConfig(c.cfg)
	if err != nil {
		return stateUsage(err)
	}
	loaded := time.Since(start)

	in, err := srv.Start(net.JoinHostPort(c.host, strconv.Itoa(c.port)))
	if err != nil {
		return err
	}
	// The spec's own phases are logged by validator.Load.
	logger.Debug("start-up phase", "phase", "server", "took", loaded-specLoaded)
	logger.Debug("start-up phase", "phase", "listen", "took", time.Since(start)-loaded)
	c.printBanner(spec, srv, in, loaded)
	srv.ReportStartupWarnings()
	for _, line := range tryLines(in.URL, spec) {
		fmt.Fprintln(c.stdout, "  try:", line)
	}

	select {
	case <-in.Done():
		return fmt.Errorf("serve: %w", in.Err())
	case <-ctx.Done():
	}
	fmt.Fprintln(c.stdout, "mockd: shutting down")
	// Requests in flight get a grace period, then what is left (a hang
	// fault, a stalled client) is closed: stopping is not an error.
	if err := in.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := srv.SaveState(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// playback loads the cassettes into cfg and, with --on-miss record, opens
// the sink new episodes go to (the caller closes it).
func (c *serveCommand) playback(logger *slog.Logger) (*recorder.Sink, error) {
	popts := []recorder.Option{recorder.WithRedactor(c.cfg.Redactor), recorder.WithLogger(logger)}
	if c.matchBody {
		popts = append(popts, recorder.WithBodyMatch())
	}
	if len(c.matchHeaders) > 0 {
		popts = append(popts, recorder.WithHeaderMatch(c.matchHeaders...))
	}
	if len(c.ignoreQuery) > 0 {
		popts = append(popts, recorder.WithIgnoredQuery(c.ignoreQuery...))
	}
	player, err := recorder.LoadPlayer(c.cassettes, popts...)
	if err != nil {
		return nil, err
	}
	c.cfg.Cassettes = player
	if c.cfg.OnMiss != mockserver.MissRecord {
		return nil, nil
	}
	// New episodes are appended to the first cassette.
	sink, err := recorder.NewSink(c.cassettes[0], recorder.SinkConfig{Append: true, Redactor: c.cfg.Redactor, Logger: logger})
	if err != nil {
		return nil, err
	}
	c.cfg.RecordTo = sink
	return sink, nil
}

// tryLines suggests a few curl commands for the first GET operations.
func tryLines(base string, spec *validator.Spec) []string {
	var out []string
	if spec == nil {
		return nil
	}
	for _, op := range spec.Operations {
		if op.Method != http.MethodGet {
			continue
		}
		path := op.Path
		if strings.Contains(path, "{") {
			path = samplePath(op)
		}
		out = append(out, "curl -i "+base+path)
		if len(out) == 2 {
			out = append(out, `curl -i -H 'Prefer: dynamic=true' `+base+path)
			break
		}
	}
	return out
}

// samplePath fills path parameters with their example or a placeholder.
func samplePath(op *validator.Operation) string {
	path := op.Path
	for _, p := range op.Parameters() {
		if p.In != "path" {
			continue
		}
		v := "1"
		if p.Example != nil && p.Example.Value != "" {
			v = p.Example.Value
		} else if p.Schema != nil {
			if sc := p.Schema.Schema(); sc != nil && sc.Example != nil && sc.Example.Value != "" {
				v = sc.Example.Value
			} else if sc != nil && len(sc.Type) > 0 && sc.Type[0] == "string" {
				v = "abc"
			}
		}
		path = strings.ReplaceAll(path, "{"+p.Name+"}", v)
	}
	return path
}
