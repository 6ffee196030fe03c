package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/internal/httpserver"
	"github.com/mockd/mockd/recorder"
)

// proxyHeader opens `contract proxy --help`.
const proxyHeader = `Usage: contract proxy --spec FILE --upstream URL [--port 4011] [--enforce] [--record PATH] [flags]

Validates every request and response it forwards (one log line per request on
stderr); on Ctrl-C it prints the report of the traffic it saw, as 'contract check' does.`

// proxyCommand is `contract proxy`: a contract.Proxy on a listener until
// ctx ends, then the report of the traffic it saw. --enforce is bound into
// the proxy's config.
type proxyCommand struct {
	stdout, stderr io.Writer
	cfg            contract.ProxyConfig
}

// Run serves the proxy until ctx ends (Ctrl-C), then writes the reports.
func (cmd *proxyCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("contract proxy", flag.ContinueOnError)
	var c common
	c.register(fs, "info")
	upstream := fs.String("upstream", "", "forward to this base `URL` (required)")
	host := fs.String("host", "127.0.0.1", "listen `HOST`")
	port := fs.Int("port", 4011, "listen `PORT` (0 picks a free one)")
	fs.BoolVar(&cmd.cfg.Enforce, "enforce", false, "answer 422 to non-conforming requests and 502 instead of non-conforming responses")
	record := fs.String("record", "", "write the traffic to the cassette `PATH` (go-vcr format 2, redacted)")
	limitFlags := httpserver.RegisterFlags(fs)
	if err := parseFlags(fs, args, cmd.stdout, proxyHeader); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q (contract proxy reads live traffic; for files use contract check)", fs.Arg(0))
	}
	if err := c.check(); err != nil {
		return err
	}
	if *upstream == "" {
		return cli.Usagef("--upstream URL is required (the API to forward to)")
	}
	up, err := url.Parse(*upstream)
	if err != nil || up.Scheme == "" || up.Host == "" {
		return cli.Usagef("--upstream %q must be an absolute URL such as http://127.0.0.1:8080", *upstream)
	}
	if *port < 0 || *port > 65535 {
		return cli.Usagef("--port %d: invalid port (use 1-65535, or 0 for a free one)", *port)
	}
	limits, err := limitFlags.Limits()
	if err != nil {
		return cli.Usagef("%v", err)
	}
	checker, logger, err := c.prepare(cmd.stderr)
	if err != nil {
		return err
	}
	cfg := cmd.cfg
	cfg.Checker, cfg.Upstream, cfg.Logger, cfg.LogRequests = checker, up, logger, true
	if *record != "" {
		sink, err := recorder.NewSink(*record, recorder.SinkConfig{FlushInterval: time.Second, Logger: logger, Redactor: checker.Redactor()})
		if err != nil {
			return fmt.Errorf("%w: --record: %w", errBadInput, err)
		}
		cfg.Sink = sink
		defer func() {
			if err := sink.Close(); err != nil {
				logger.Error("contract proxy: could not write the cassette", "path", *record, "err", err)
			}
		}()
	}
	h, err := contract.NewProxy(cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadInput, err)
	}
	ln, err := httpserver.Listen(net.JoinHostPort(*host, strconv.Itoa(*port)), limits, logger)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadInput, err)
	}
	srv := httpserver.New(h, limits, logger)
	fmt.Fprintf(cmd.stderr, "contract proxy: http://%s → %s (spec %s, enforce=%v)\n", ln.Addr(), up, c.spec, cfg.Enforce)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("contract proxy: shutdown", "err", err)
	}
	return c.writeReports(h.Result(), cmd.stdout)
}
