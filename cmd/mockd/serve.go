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

// serveFlags are the flags of `mockd serve`.
type serveFlags struct {
	spec           string
	host           string
	port           int
	dynamic        bool
	seed           string
	errors         bool
	cors           bool
	corsOrigins    string
	checkResponses bool
	log            cli.LogFlags
	faults         string
	faultHeader    bool
	journalSize    int
	journalBytes   int64
	adminToken     string
	adminAddr      string
	refuseMax      time.Duration
	cassettes      listFlag
	onMiss         string
	upstream       string
	matchBody      bool
	matchHeaders   listFlag
	ignoreQuery    listFlag
	redaction      redactionFlags
	limitFlags     *httpserver.Flags
	problemBodies  string
	lenient        bool

	// Checked values.
	seedValue uint64
	origins   []string
	missMode  mockserver.MissMode
	limits    httpserver.Limits
}

// serveHeader opens `mockd serve --help`.
const serveHeader = `Usage: mockd serve --spec FILE [flags]
       mockd serve --cassette FILE [--cassette FILE ...] [--spec FILE] [flags]

Serves every operation of the spec (or replays the cassettes) on --host:--port,
one log line per request on stderr.`

// parseServeFlags parses and checks the flags before anything is loaded: a
// bad command line is a usage error (cli.ErrUsage), --help flag.ErrHelp.
func parseServeFlags(args []string, stdout io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("mockd serve", flag.ContinueOnError)
	fs.StringVar(&f.spec, "spec", "", "OpenAPI 3.0/3.1 or Swagger 2.0 spec to serve (YAML or JSON)")
	fs.StringVar(&f.host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&f.port, "port", 4010, "port to listen on (0 picks a free one)")
	fs.BoolVar(&f.dynamic, "dynamic", false, "generate bodies from schemas even when examples exist")
	fs.StringVar(&f.seed, "seed", "", "seed for generated data (default: random, printed at start-up)")
	fs.BoolVar(&f.errors, "errors", false, "answer 500 with the violations when a mock response does not match the spec")
	fs.BoolVar(&f.cors, "cors", true, "answer CORS preflights and add CORS headers (--cors=false to disable)")
	fs.StringVar(&f.corsOrigins, "cors-origins", "", "comma-separated origins allowed with credentials (default: * without credentials)")
	fs.StringVar(&f.problemBodies, "problem-bodies", mockserver.ProblemBodiesSpec, "what a rejected request gets: spec (the spec's declared error response; mockd's explanation in X-Mockd-Problem) or mockd (mockd's problem+json)")
	fs.BoolVar(&f.checkResponses, "check-responses", false, "validate every served response and log violations (debug)")
	f.log.Register(fs, "info")
	fs.StringVar(&f.faults, "faults", "", "fault rules file (YAML): see the README's Chaos testing section")
	fs.BoolVar(&f.faultHeader, "fault-header", false, "let requests pick a fault with the X-Mockd-Fault header")
	fs.IntVar(&f.journalSize, "journal-size", mockserver.DefaultJournalSize, "requests kept in the journal (GET /__mockd/requests)")
	fs.Int64Var(&f.journalBytes, "journal-bytes", mockserver.DefaultJournalBytes, "memory bound of the journal in bytes (oldest entries go first)")
	fs.StringVar(&f.adminToken, "admin-token", "", "require Authorization: Bearer TOKEN on the admin API (default: $MOCKD_ADMIN_TOKEN)")
	fs.StringVar(&f.adminAddr, "admin-addr", "", "serve the admin API on its own address (e.g. 127.0.0.1:4011), never refused by faults")
	fs.DurationVar(&f.refuseMax, "refuse-max", fault.DefaultRefuseMax, "longest refuse window; longer ones are cut to it")
	fs.Var(&f.cassettes, "cassette", "replay this go-vcr cassette (format 1 or 2; repeatable)")
	fs.StringVar(&f.onMiss, "on-miss", "", "with --cassette, when nothing matches: error (default without --spec), spec (default with --spec), proxy or record")
	fs.StringVar(&f.upstream, "upstream", "", "with --on-miss proxy|record: the real API")
	fs.BoolVar(&f.matchBody, "match-body", false, "with --cassette, also match request bodies (JSON compared as data)")
	fs.Var(&f.matchHeaders, "match-header", "with --cassette, also match this request header (repeatable)")
	fs.Var(&f.ignoreQuery, "ignore-query", "with --cassette, ignore this query parameter when matching (repeatable)")
	fs.BoolVar(&f.lenient, "lenient", false, "serve a spec with broken $refs: leave out the operations that use them (listed at start-up)")
	f.redaction.register(fs)
	f.limitFlags = httpserver.RegisterFlags(fs)
	if err := cli.Parse(fs, args, stdout, serveHeader); err != nil {
		return nil, err
	}
	if err := f.check(fs); err != nil {
		return nil, err
	}
	return f, nil
}

// check validates the parsed flags; each problem is a usage error naming
// the flag.
func (f *serveFlags) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q (every input is a flag: --spec FILE, --cassette FILE)", fs.Arg(0))
	}
	if f.spec == "" && len(f.cassettes) == 0 {
		return cli.Usagef("--spec FILE (or --cassette FILE) is required")
	}
	if err := checkPort(f.port); err != nil {
		return err
	}
	if _, err := f.log.Check(); err != nil {
		return err
	}
	if f.seed != "" {
		seed, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return cli.Usagef("--seed %q is not a non-negative integer", f.seed)
		}
		f.seedValue = seed
	}
	switch {
	case f.journalSize < 0:
		return cli.Usagef("--journal-size %d must not be negative", f.journalSize)
	case f.journalBytes < 0:
		return cli.Usagef("--journal-bytes %d must not be negative", f.journalBytes)
	case f.refuseMax <= 0:
		return cli.Usagef("--refuse-max %s must be positive", f.refuseMax)
	case len(f.cassettes) == 0 && (f.onMiss != "" || f.upstream != ""):
		return cli.Usagef("--on-miss and --upstream need --cassette")
	}
	if f.onMiss != "" {
		mode, err := mockserver.ParseMissMode(f.onMiss)
		if err != nil {
			return cli.Usagef("--%v", err)
		}
		f.missMode = mode
		if (mode == mockserver.MissProxy || mode == mockserver.MissRecord) && f.upstream == "" {
			return cli.Usagef("--on-miss %s needs --upstream URL (the real API)", mode)
		}
	}
	if f.upstream != "" {
		if u, err := url.Parse(f.upstream); err != nil || u.Scheme == "" || u.Host == "" {
			return cli.Usagef("--upstream %q: want an absolute URL such as https://api.example.com", f.upstream)
		}
	}
	if f.problemBodies != mockserver.ProblemBodiesSpec && f.problemBodies != mockserver.ProblemBodiesMockd {
		return cli.Usagef("--problem-bodies %q: use %s (the spec's error responses) or %s (mockd's problem+json)",
			f.problemBodies, mockserver.ProblemBodiesSpec, mockserver.ProblemBodiesMockd)
	}
	for _, o := range strings.Split(f.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if err := mockserver.CheckCORSOrigin(o); err != nil {
				return cli.Usagef("--cors-origins: %v", err)
			}
			f.origins = append(f.origins, o)
		}
	}
	if err := f.redaction.check(); err != nil {
		return err
	}
	limits, err := f.limitFlags.Limits()
	if err != nil {
		return cli.Usagef("%v", err)
	}
	f.limits = limits
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

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseServeFlags(args, stdout)
	if err != nil {
		return err
	}
	logger, err := f.log.Logger(stderr, nil)
	if err != nil {
		return err
	}
	opts := []mockserver.Option{
		mockserver.Limits(f.limits),
		mockserver.Dynamic(f.dynamic),
		mockserver.Errors(f.errors),
		mockserver.CORS(f.cors),
		mockserver.ProblemBodies(f.problemBodies),
		mockserver.CheckResponses(f.checkResponses),
		mockserver.Logger(logger),
		mockserver.FaultHeader(f.faultHeader),
		mockserver.JournalSize(f.journalSize),
		mockserver.JournalBytes(f.journalBytes),
	}
	if f.seed != "" {
		opts = append(opts, mockserver.Seed(f.seedValue))
	}
	if len(f.origins) > 0 {
		opts = append(opts, mockserver.CORSOrigins(f.origins...))
	}
	if f.adminToken == "" {
		f.adminToken = os.Getenv("MOCKD_ADMIN_TOKEN")
	}
	opts = append(opts, mockserver.AdminToken(f.adminToken), mockserver.AdminAddr(f.adminAddr), mockserver.RefuseMax(f.refuseMax))
	if f.faults != "" {
		opts = append(opts, mockserver.FaultFile(f.faults))
	}

	start := time.Now()
	var spec *validator.Spec
	if f.spec != "" {
		vopts := []validator.Option{validator.WithFormatAssertions(), validator.WithLogger(logger)}
		if f.lenient {
			vopts = append(vopts, validator.WithLenient())
		}
		if spec, err = validator.Load(f.spec, vopts...); err != nil {
			var broken *validator.BrokenRefsError
			if errors.As(err, &broken) {
				broken.Alternative = "start with --lenient to serve the operations that do not use them"
			}
			return err
		}
		opts = append(opts, mockserver.WithSpec(spec))
	}
	specLoaded := time.Since(start)
	redactor, err := f.redaction.redactor(spec, logger)
	if err != nil {
		return err
	}
	logger = slog.New(redact.NewHandler(logger.Handler(), redactor)) // spec names too
	opts = append(opts, mockserver.Redactor(redactor), mockserver.Logger(logger))
	var sink *recorder.Sink
	if len(f.cassettes) > 0 {
		popts := []recorder.Option{recorder.WithRedactor(redactor), recorder.WithLogger(logger)}
		if f.matchBody {
			popts = append(popts, recorder.WithBodyMatch())
		}
		if len(f.matchHeaders) > 0 {
			popts = append(popts, recorder.WithHeaderMatch(f.matchHeaders...))
		}
		if len(f.ignoreQuery) > 0 {
			popts = append(popts, recorder.WithIgnoredQuery(f.ignoreQuery...))
		}
		player, err := recorder.LoadPlayer(f.cassettes, popts...)
		if err != nil {
			return err
		}
		opts = append(opts, mockserver.Cassettes(player))
		if f.onMiss != "" {
			opts = append(opts, mockserver.OnMiss(f.missMode))
			if f.missMode == mockserver.MissRecord {
				// New episodes are appended to the first cassette.
				if sink, err = recorder.NewSink(f.cassettes[0], recorder.SinkConfig{Append: true, Redactor: redactor, Logger: logger}); err != nil {
					return err
				}
				defer sink.Close()
				opts = append(opts, mockserver.RecordTo(sink))
			}
		}
		if f.upstream != "" {
			opts = append(opts, mockserver.Upstream(f.upstream))
		}
	}
	srv, err := mockserver.New(opts...)
	if err != nil {
		return err
	}
	loaded := time.Since(start)

	in, err := srv.Start(net.JoinHostPort(f.host, strconv.Itoa(f.port)))
	if err != nil {
		return err
	}
	// The spec's own phases are logged by validator.Load.
	logger.Debug("start-up phase", "phase", "server", "took", loaded-specLoaded)
	logger.Debug("start-up phase", "phase", "listen", "took", time.Since(start)-loaded)
	printBanner(stdout, f, spec, srv, in, loaded)
	reportStartupWarnings(logger, spec, srv)
	base := in.URL
	for _, line := range tryLines(base, spec) {
		fmt.Fprintln(stdout, "  try:", line)
	}

	select {
	case <-in.Done():
		return fmt.Errorf("serve: %w", in.Err())
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "mockd: shutting down")
	// Requests in flight get a grace period, then what is left (a hang
	// fault, a stalled client) is closed: stopping is not an error.
	if err := in.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
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
