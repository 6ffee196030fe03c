package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/recorder"
)

// checkHeader opens `contract check --help`.
const checkHeader = `Usage: contract check --spec FILE [flags] TRAFFIC...

TRAFFIC: go-vcr cassettes (format 1 or 2), HAR 1.2 files, NDJSON interaction files, or folders of them.
Exit codes: 0 no error findings, 1 error findings or a failed gate, 2 bad input.`

// checkCommand is `contract check`: it checks traffic files against the
// spec, writes the reports and gates the result.
type checkCommand struct {
	stdout, stderr io.Writer
}

// Run checks the traffic named in args; a failed gate is errGate.
func (cmd *checkCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("contract check", flag.ContinueOnError)
	var c common
	c.register(fs, "warn")
	workers := fs.Int("workers", 0, "validation `N` workers (default: the number of CPUs)")
	if err := parseFlags(fs, args, cmd.stdout, checkHeader); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	if *workers < 0 {
		return cli.Usagef("--workers %d must not be negative (0: one per CPU)", *workers)
	}
	if fs.NArg() == 0 {
		return cli.Usagef("no traffic given: name cassette, HAR or NDJSON files or folders after the flags")
	}
	checker, logger, err := c.prepare(cmd.stderr)
	if err != nil {
		return err
	}
	paths := fs.Args()
	result, err := checker.Run(ctx, func(ctx context.Context, emit func(*recorder.Interaction) error) error {
		return recorder.ReadTrafficConcurrent(ctx, paths, readers(*workers), emit)
	}, contract.RunOptions{Workers: *workers, Logger: logger})
	if err != nil {
		// Unreadable traffic (a *recorder.TrafficError names the file) or
		// an interrupted read.
		return fmt.Errorf("%w: %w", errBadInput, err)
	}
	return c.writeReports(result, cmd.stdout)
}

// readers is how many traffic files are parsed at once: parsing a YAML
// cassette costs about as much as validating it, so as many as there are
// validation workers.
func readers(workers int) int {
	if workers > 0 {
		return workers
	}
	return runtime.GOMAXPROCS(0)
}
