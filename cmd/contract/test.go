package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/contract/probe"
	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// testHeader opens `contract test --help`.
const testHeader = `Usage: contract test --spec FILE --base-url URL [flags]

Sends the spec's examples, seeded generated requests and (unless --positive-only)
invalid ones to a running provider, follows links (or POST /things -> /things/{id})
with the created ids, and checks every exchange as 'contract check' does: a valid
request must get a declared status and a conforming response, an invalid one a 4xx.
Progress goes to stderr; the report to stdout.
Exit codes: 0 no error findings, 1 error findings or a failed gate, 2 bad input.`

// testCommand is `contract test`: its flags are bound into the plan's and
// the runner's options.
type testCommand struct {
	stdout, stderr io.Writer
	plan           probe.PlanOptions
	run            probe.Config
	getenv         func(string) string // nil: os.Getenv
}

// testFlags are the flags of contract test that need checking or
// conversion before they fit the library's options.
type testFlags struct {
	headers     []string
	rate        string
	undeclared  string
	record      string
	list        bool
	maxExamples int
}

// register adds contract test's own flags to fs.
func (cmd *testCommand) register(fs *flag.FlagSet, tf *testFlags) {
	fs.StringVar(&cmd.run.BaseURL, "base-url", "", "the provider's `URL`, with its base path (required)")
	fs.Var(cli.List(&cmd.plan.Operations), "operation", "test only operation `ID` (operationId; repeatable)")
	fs.Var(cli.List(&cmd.plan.Tags), "tag", "test only operations tagged `TAG` (repeatable)")
	fs.Var(cli.List(&cmd.plan.Paths), "path", "test only operations on path `TEMPLATE` or glob (/books/*; repeatable)")
	fs.Var(cli.List(&cmd.plan.Methods), "method", "test only `METHOD` (repeatable)")
	fs.BoolVar(&tf.list, "list", false, "print the plan and exit without sending anything")
	fs.IntVar(&tf.maxExamples, "max-examples", 5, "generated valid requests per operation (`N`)")
	fs.Uint64Var(&cmd.plan.Seed, "seed", 1, "generator `SEED` (same seed, same requests)")
	fs.BoolVar(&cmd.plan.PositiveOnly, "positive-only", false, "send valid requests only")
	fs.BoolVar(&cmd.plan.NoCleanup, "no-cleanup", false, "keep what sequences create (no DELETE afterwards)")
	fs.Var(cli.List(&tf.headers), "header", "send `'NAME: VALUE'` with every request; ${VAR} takes the environment (redacted; repeatable)")
	fs.StringVar(&tf.rate, "rate", "", "at most `N/s` requests per second")
	fs.IntVar(&cmd.run.Concurrency, "concurrency", 1, "`N` requests in flight")
	fs.DurationVar(&cmd.run.Timeout, "timeout", 30*time.Second, "per-request `DURATION`")
	fs.BoolVar(&cmd.run.AllowDestructive, "allow-destructive", false, "allow DELETE, PUT and PATCH to a host that is not loopback")
	fs.StringVar(&tf.undeclared, "undeclared-4xx", "warning", "`SEVERITY` of an undeclared 4xx answering an invalid request: error, warning, info, off")
	fs.StringVar(&tf.record, "record", "", "write the exchanges to the cassette `PATH` (redacted; for contract check or mockd serve --cassette)")
}

// Run plans the requests, sends them (or lists them with --list), writes
// the reports and gates the result.
func (cmd *testCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("contract test", flag.ContinueOnError)
	var c common
	c.register(fs, "warn")
	var tf testFlags
	cmd.register(fs, &tf)
	if err := parseFlags(fs, args, cmd.stdout, testHeader); err != nil {
		return err
	}
	if err := cmd.bind(fs, &c, &tf); err != nil {
		return err
	}
	checker, logger, err := c.prepare(cmd.stderr)
	if err != nil {
		return err
	}
	plan, err := probe.NewPlan(checker.Spec(), cmd.plan)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadInput, err)
	}
	for _, s := range plan.Skipped {
		logger.Warn("contract test: operation not tested", "operation", s.Operation, "reason", s.Reason)
	}
	if tf.list {
		return listPlan(cmd.stdout, plan, checker, cmd.run.BaseURL)
	}
	cfg := cmd.run
	cfg.Checker, cfg.Logger, cfg.Progress = checker, logger, cmd.stderr
	if m := probe.Destructive(plan, cfg.BaseURL); len(m) > 0 {
		fmt.Fprintf(cmd.stderr, "contract test: warning: the plan sends %s to %s, which is not loopback\n", strings.Join(m, ", "), cfg.BaseURL)
	}
	if tf.record != "" {
		sink, err := recorder.NewSink(tf.record, recorder.SinkConfig{FlushInterval: time.Second, Logger: logger, Redactor: checker.Redactor()})
		if err != nil {
			return fmt.Errorf("%w: --record: %w", errBadInput, err)
		}
		cfg.Sink = sink
		defer func() {
			if err := sink.Close(); err != nil {
				logger.Error("contract test: could not write the cassette", "path", tf.record, "err", err)
			}
		}()
	}
	result, err := probe.Run(ctx, plan, cfg)
	if err != nil {
		return fmt.Errorf("%w: %w", errBadInput, err)
	}
	return c.writeReports(result, cmd.stdout)
}

// bind checks the flags and converts them into the library's options.
func (cmd *testCommand) bind(fs *flag.FlagSet, c *common, tf *testFlags) error {
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q (contract test sends its own requests; for traffic files use contract check)", fs.Arg(0))
	}
	if err := c.check(); err != nil {
		return err
	}
	if cmd.run.BaseURL == "" {
		return cli.Usagef("--base-url URL is required (the running provider, e.g. http://127.0.0.1:8080/v1)")
	}
	if tf.maxExamples < 0 || cmd.run.Concurrency < 1 || cmd.run.Timeout <= 0 {
		return cli.Usagef("--max-examples %d, --concurrency %d and --timeout %s: use N >= 0, N >= 1 and a positive duration", tf.maxExamples, cmd.run.Concurrency, cmd.run.Timeout)
	}
	cmd.plan.MaxExamples = tf.maxExamples
	rate, err := parseRate(tf.rate)
	if err != nil {
		return err
	}
	cmd.run.Rate = rate
	sev, err := validator.ParseSeverity(tf.undeclared)
	if err != nil {
		return cli.Usagef("--undeclared-4xx %q: %v", tf.undeclared, err)
	}
	cmd.run.UndeclaredRejection = sev
	getenv := cmd.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	h, secret, err := parseHeaders(tf.headers, getenv)
	if err != nil {
		return err
	}
	cmd.run.Header, c.secretHeaders = h, secret
	return nil
}

// parseRate reads --rate: "N/s" or "N"; "" is unbounded.
func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "/s"), 64)
	if err != nil || n <= 0 {
		return 0, cli.Usagef("--rate %q: give requests per second, e.g. 5/s", s)
	}
	return n, nil
}

// parseHeaders reads --header values ("Name: value", ${VAR} expanded from
// the environment); names whose value came from the environment are
// returned as secret (redacted everywhere).
func parseHeaders(raw []string, getenv func(string) string) (http.Header, []string, error) {
	h := http.Header{}
	var secret []string
	for _, line := range raw {
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, nil, cli.Usagef("--header %q: write 'Name: value', e.g. --header 'Authorization: Bearer ${TOKEN}'", line)
		}
		var missing []string
		expanded := os.Expand(strings.TrimSpace(value), func(v string) string {
			val := getenv(v)
			if val == "" {
				missing = append(missing, v)
			}
			return val
		})
		if len(missing) > 0 {
			return nil, nil, cli.Usagef("--header %s: environment variable %s is not set (export it, or write the value)", name, strings.Join(missing, ", "))
		}
		if expanded != strings.TrimSpace(value) {
			secret = append(secret, name)
		}
		h.Add(name, expanded)
	}
	return h, secret, nil
}

// listPlan prints the plan (--list): one line per case, URLs redacted.
func listPlan(w io.Writer, plan *probe.Plan, checker *contract.Checker, base string) error {
	fmt.Fprintf(w, "%d requests for %d operations (%d skipped)\n", len(plan.Cases), len(plan.Operations), len(plan.Skipped))
	for _, c := range plan.Cases {
		valid := "valid  "
		if !c.Valid {
			valid = "invalid"
		}
		if _, err := fmt.Fprintf(w, "%4d %s %-6s %s  %s\n", c.Seq, valid, c.Request.Method, checker.Redactor().URL(c.Request.URL(base)), c.Name()); err != nil {
			return err
		}
	}
	for _, s := range plan.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Operation, s.Reason)
	}
	return nil
}
