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
	"time"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/internal/httpserver"
	"github.com/mockd/mockd/internal/reqlog"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// recordHeader opens `mockd record --help`.
const recordHeader = `Usage: mockd record --upstream URL --cassette PATH [flags]

Forwards every request to --upstream and records each exchange, redacted,
into the cassette (go-vcr format 2); one log line per request on stderr.`

// recordCommand is `mockd record`: a recording proxy in front of
// --upstream. Its flags are bound into the recorder's and redact's configs.
type recordCommand struct {
	stdout, stderr io.Writer

	sinkCfg    recorder.SinkConfig
	upstream   string
	path       string
	specFile   string
	host       string
	port       int
	log        cli.LogFlags
	redaction  redact.Config
	limitFlags *httpserver.Flags

	// Checked values.
	up     *url.URL
	limits httpserver.Limits
}

// parse parses and checks the flags before anything is loaded.
func (c *recordCommand) parse(args []string) error {
	fs := flag.NewFlagSet("mockd record", flag.ContinueOnError)
	fs.StringVar(&c.upstream, "upstream", "", "the real API to forward to, e.g. https://staging.example.com (required)")
	fs.StringVar(&c.path, "cassette", "", "cassette file to write (go-vcr format 2; required)")
	fs.StringVar(&c.specFile, "spec", "", "optional spec: every recorded interaction is validated and violations logged")
	fs.StringVar(&c.host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&c.port, "port", 4010, "port to listen on (0 picks a free one)")
	fs.BoolVar(&c.sinkCfg.Append, "append", false, "keep the cassette's interactions and add new ones")
	fs.DurationVar(&c.sinkCfg.FlushInterval, "flush", 0, "write the cassette at most this often (0: after every interaction)")
	c.log.Register(fs, "info")
	registerRedaction(fs, &c.redaction)
	c.limitFlags = httpserver.RegisterFlags(fs)
	if err := cli.Parse(fs, args, c.stdout, recordHeader); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected argument %q (every input is a flag: --upstream URL, --cassette PATH)", fs.Arg(0))
	case c.upstream == "":
		return cli.Usagef("--upstream URL is required (the real API to record)")
	case c.path == "":
		return cli.Usagef("--cassette PATH is required (the file to record into)")
	}
	up, err := url.Parse(c.upstream)
	if err != nil || up.Scheme == "" || up.Host == "" {
		return cli.Usagef("--upstream %q: want an absolute URL such as https://api.example.com", c.upstream)
	}
	c.up = up
	if err := checkPort(c.port); err != nil {
		return err
	}
	if err := checkRedaction(c.redaction); err != nil {
		return err
	}
	if c.limits, err = c.limitFlags.Limits(); err != nil {
		return cli.Usagef("%v", err)
	}
	return nil
}

// Run records until ctx ends (Ctrl-C, SIGTERM), then saves the cassette.
func (c *recordCommand) Run(ctx context.Context, args []string) error {
	if err := c.parse(args); err != nil {
		return err
	}
	logger, err := c.log.Logger(c.stderr, nil)
	if err != nil {
		return err
	}
	var spec *validator.Spec
	var specNames []string
	if c.specFile != "" {
		if spec, err = validator.Load(c.specFile, validator.WithLogger(logger)); err != nil {
			return err
		}
		specNames = spec.CredentialNames()
	}
	redactor, err := redact.NewForSpec(c.redaction, specNames, logger)
	if err != nil {
		return err
	}
	logger = slog.New(redact.NewHandler(logger.Handler(), redactor)) // spec names too
	c.sinkCfg.Redactor, c.sinkCfg.Logger = redactor, logger
	sink, err := recorder.NewSink(c.path, c.sinkCfg)
	if err != nil {
		return err
	}
	var target recorder.InteractionSink = sink
	if spec != nil {
		target = &recorder.CheckingSink{Next: sink, Check: logViolations(spec, logger)}
	}
	proxy, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: c.up, Sink: target, Redactor: redactor, Logger: logger})
	if err != nil {
		_ = sink.Close()
		return err
	}
	ln, err := httpserver.Listen(net.JoinHostPort(c.host, strconv.Itoa(c.port)), c.limits, logger)
	if err != nil {
		_ = sink.Close()
		return err
	}
	hs := httpserver.New(reqlog.Handler(proxy, logger, redactor, mockserver.SourceProxy.String()), c.limits, logger)
	fmt.Fprintf(c.stdout, "mockd %s: recording %s into %s\n  listening on http://%s\n", cli.BuildVersion(), c.up.Redacted(), c.path, ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		_ = sink.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(c.stdout, "mockd: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Shut the server down first: the proxy appends an interaction just
	// after the client has its last byte.
	shutdownErr := hs.Shutdown(shutdownCtx)
	if err := sink.Close(); err != nil {
		return fmt.Errorf("save %s: %w", c.path, err)
	}
	fmt.Fprintf(c.stdout, "mockd: %d interactions in %s\n", sink.Len(), c.path)
	if shutdownErr != nil && !errors.Is(shutdownErr, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	return nil
}

// logViolations is the check of a recorded exchange against the spec
// (validator.Spec.ValidateExchange): each violation, an undocumented path
// included, is one warning line.
func logViolations(spec *validator.Spec, logger *slog.Logger) recorder.CheckFunc {
	return func(_ context.Context, req *http.Request, resp *http.Response) {
		for _, f := range spec.ValidateExchange(req, resp) {
			logger.Warn("recorded interaction violates the spec", "method", req.Method, "path", req.URL.Path,
				"operation", f.OperationID, "check", f.Check, "message", f.Message, "detail", f.Detail)
		}
	}
}
