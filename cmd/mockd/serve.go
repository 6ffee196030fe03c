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
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mockd/mockd/fault"
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
	logLevel       string
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
	limits         *httpserver.Flags
	problemBodies  string
	lenient        bool
}

func parseServeFlags(args []string, stderr io.Writer) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("mockd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
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
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
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
	f.limits = httpserver.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: mockd serve --spec FILE [flags]\n       mockd serve --cassette FILE [--cassette FILE ...] [--spec FILE] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errUsage
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mockd serve: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return nil, errUsage
	}
	if f.spec == "" && len(f.cassettes) == 0 {
		fmt.Fprintln(stderr, "mockd serve: --spec FILE (or --cassette FILE) is required")
		fs.Usage()
		return nil, errUsage
	}
	if err := checkPort(f.port); err != nil {
		fmt.Fprintln(stderr, "mockd serve:", err)
		return nil, errUsage
	}
	return f, nil
}

// checkPort refuses a port number no socket can have, before anything is
// loaded (a listen error would blame another server).
func checkPort(port int) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("--port %d: invalid port (use 1-65535, or 0 for a free one)", port)
	}
	return nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q: use debug, info, warn or error", errUsage, level)
	}
	return slog.New(redact.NewHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}), nil)), nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	logger, err := newLogger(stderr, f.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "mockd serve:", err)
		return err
	}
	limits, err := f.limits.Limits()
	if err != nil {
		fmt.Fprintln(stderr, "mockd serve:", err)
		return errUsage
	}
	opts := []mockserver.Option{
		mockserver.Limits(limits),
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
		seed, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "mockd serve: --seed %q is not a non-negative integer\n", f.seed)
			fmt.Fprintln(stderr, "Run 'mockd serve --help' for the flags.")
			return errUsage
		}
		opts = append(opts, mockserver.Seed(seed))
	}
	if f.journalSize < 0 {
		fmt.Fprintf(stderr, "mockd serve: --journal-size %d must not be negative\n", f.journalSize)
		return errUsage
	}
	if f.corsOrigins != "" {
		var origins []string
		for _, o := range strings.Split(f.corsOrigins, ",") {
			if o = strings.TrimSpace(o); o != "" {
				origins = append(origins, o)
			}
		}
		opts = append(opts, mockserver.CORSOrigins(origins...))
	}
	if f.adminToken == "" {
		f.adminToken = os.Getenv("MOCKD_ADMIN_TOKEN")
	}
	if f.refuseMax <= 0 {
		fmt.Fprintf(stderr, "mockd serve: --refuse-max %s must be positive\n", f.refuseMax)
		return errUsage
	}
	opts = append(opts, mockserver.AdminToken(f.adminToken), mockserver.AdminAddr(f.adminAddr), mockserver.RefuseMax(f.refuseMax))
	if f.journalBytes < 0 {
		fmt.Fprintf(stderr, "mockd serve: --journal-bytes %d must not be negative\n", f.journalBytes)
		return errUsage
	}
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
			mode, err := mockserver.ParseMissMode(f.onMiss)
			if err != nil {
				fmt.Fprintln(stderr, "mockd serve:", err)
				return errUsage
			}
			opts = append(opts, mockserver.OnMiss(mode))
			if mode == mockserver.MissRecord {
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
	} else if f.onMiss != "" || f.upstream != "" {
		fmt.Fprintln(stderr, "mockd serve: --on-miss and --upstream need --cassette")
		return errUsage
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
