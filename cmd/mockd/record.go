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
	"strconv"
	"strings"
	"time"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/internal/httpserver"
	"github.com/mockd/mockd/internal/reqlog"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// redactionFlags are shared by record and serve.
type redactionFlags struct {
	headers, queries, jsonPaths listFlag
	noDefaults                  bool
}

func (r *redactionFlags) register(fs *flag.FlagSet) {
	fs.Var(&r.headers, "redact-header", "also redact this header (repeatable)")
	fs.Var(&r.queries, "redact-query", "also redact this query parameter (repeatable)")
	fs.Var(&r.jsonPaths, "redact-json-path", "also redact this JSON body path, e.g. $.user.password (repeatable)")
	fs.BoolVar(&r.noDefaults, "no-default-redaction", false, "do NOT redact Authorization, cookies, API keys, *token*, *secret*, *password* (dangerous)")
}

// check validates the redaction flags before anything is loaded; a bad
// name or path is a usage error.
func (r *redactionFlags) check() error {
	if _, err := redact.New(r.config()); err != nil {
		return cli.Usagef("%s", strings.TrimPrefix(err.Error(), "redact: "))
	}
	return nil
}

// config is the redaction the flags ask for (without the spec's names).
func (r *redactionFlags) config() redact.Config {
	return redact.Config{
		DisableDefaults: r.noDefaults,
		Headers:         append([]string(nil), r.headers...),
		QueryParams:     append([]string(nil), r.queries...),
		JSONPaths:       append([]string(nil), r.jsonPaths...),
	}
}

// redactor builds the redactor: defaults, flags, and the credentials the
// spec's security schemes name.
func (r *redactionFlags) redactor(spec *validator.Spec, logger *slog.Logger) (*redact.Redactor, error) {
	cfg := r.config()
	if spec != nil {
		cfg.SpecNames = spec.CredentialNames()
	}
	if r.noDefaults {
		logger.Warn("default redaction is OFF: Authorization, cookies and API keys will be written in clear")
	}
	return redact.New(cfg)
}

// recordHeader opens `mockd record --help`.
const recordHeader = `Usage: mockd record --upstream URL --cassette PATH [flags]

Forwards every request to --upstream and records each exchange, redacted,
into the cassette (go-vcr format 2); one log line per request on stderr.`

func record(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mockd record", flag.ContinueOnError)
	upstream := fs.String("upstream", "", "the real API to forward to, e.g. https://staging.example.com (required)")
	path := fs.String("cassette", "", "cassette file to write (go-vcr format 2; required)")
	specFile := fs.String("spec", "", "optional spec: every recorded interaction is validated and violations logged")
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 4010, "port to listen on (0 picks a free one)")
	appendTo := fs.Bool("append", false, "keep the cassette's interactions and add new ones")
	flush := fs.Duration("flush", 0, "write the cassette at most this often (0: after every interaction)")
	var logFlags cli.LogFlags
	logFlags.Register(fs, "info")
	var red redactionFlags
	red.register(fs)
	limitFlags := httpserver.RegisterFlags(fs)
	if err := cli.Parse(fs, args, stdout, recordHeader); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected argument %q (every input is a flag: --upstream URL, --cassette PATH)", fs.Arg(0))
	case *upstream == "":
		return cli.Usagef("--upstream URL is required (the real API to record)")
	case *path == "":
		return cli.Usagef("--cassette PATH is required (the file to record into)")
	}
	up, err := url.Parse(*upstream)
	if err != nil || up.Scheme == "" || up.Host == "" {
		return cli.Usagef("--upstream %q: want an absolute URL such as https://api.example.com", *upstream)
	}
	if err := checkPort(*port); err != nil {
		return err
	}
	if err := red.check(); err != nil {
		return err
	}
	limits, err := limitFlags.Limits()
	if err != nil {
		return cli.Usagef("%v", err)
	}
	logger, err := logFlags.Logger(stderr, nil)
	if err != nil {
		return err
	}
	var spec *validator.Spec
	if *specFile != "" {
		if spec, err = validator.Load(*specFile, validator.WithLogger(logger)); err != nil {
			return err
		}
	}
	redactor, err := red.redactor(spec, logger)
	if err != nil {
		return err
	}
	logger = slog.New(redact.NewHandler(logger.Handler(), redactor)) // spec names too
	sink, err := recorder.NewSink(*path, recorder.SinkConfig{FlushInterval: *flush, Append: *appendTo, Redactor: redactor, Logger: logger})
	if err != nil {
		return err
	}
	var target recorder.InteractionSink = sink
	if spec != nil {
		target = &validatingSink{next: sink, spec: spec, logger: logger}
	}
	proxy, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: up, Sink: target, Redactor: redactor, Logger: logger})
	if err != nil {
		_ = sink.Close()
		return err
	}
	ln, err := httpserver.Listen(net.JoinHostPort(*host, strconv.Itoa(*port)), limits, logger)
	if err != nil {
		_ = sink.Close()
		return err
	}
	hs := httpserver.New(reqlog.Handler(proxy, logger, redactor, mockserver.SourceProxy.String()), limits, logger)
	fmt.Fprintf(stdout, "mockd %s: recording %s into %s\n  listening on http://%s\n", cli.BuildVersion(), up.Redacted(), *path, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = sink.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "mockd: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Shut the server down first: the proxy appends an interaction just
	// after the client has its last byte.
	shutdownErr := hs.Shutdown(shutdownCtx)
	if err := sink.Close(); err != nil {
		return fmt.Errorf("save %s: %w", *path, err)
	}
	fmt.Fprintf(stdout, "mockd: %d interactions in %s\n", sink.Len(), *path)
	if shutdownErr != nil && !errors.Is(shutdownErr, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	return nil
}

// validatingSink checks each recorded interaction against the spec and logs
// what violates it, then stores it.
type validatingSink struct {
	next   recorder.InteractionSink
	spec   *validator.Spec
	logger *slog.Logger
}

func (v *validatingSink) Append(ctx context.Context, it *cassette.Interaction) error {
	if req, resp, err := exchange(it); err == nil {
		op, ferr := v.spec.Router().Find(req)
		switch {
		case ferr != nil:
			v.logger.Warn("recorded request is not in the spec", "method", req.Method, "path", req.URL.Path, "problem", ferr.Error())
		default:
			findings := append(v.spec.ValidateRequest(req, op), v.spec.ValidateResponse(req, resp, op)...)
			for _, f := range findings {
				v.logger.Warn("recorded interaction violates the spec", "operation", op.ID, "check", f.Check, "message", f.Message, "detail", f.Detail)
			}
		}
	}
	return v.next.Append(ctx, it)
}

// exchange rebuilds the HTTP request and response of an interaction.
func exchange(it *cassette.Interaction) (*http.Request, *http.Response, error) {
	req, err := http.NewRequest(it.Request.Method, it.Request.URL, strings.NewReader(it.Request.Body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = it.Request.Headers.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	resp := &http.Response{
		StatusCode: it.Response.Code,
		Header:     it.Response.Headers.Clone(),
		Body:       io.NopCloser(strings.NewReader(it.Response.Body)),
		Request:    req,
	}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	return req, resp, nil
}
