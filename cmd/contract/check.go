package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
)

func check(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("contract check", flag.ContinueOnError)
	var c common
	c.register(fs)
	workers := fs.Int("workers", 0, "validation `N` workers (default: the number of CPUs)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: contract check --spec FILE [flags] TRAFFIC...\n\nTRAFFIC: go-vcr cassettes (format 1 or 2), HAR 1.2 files, NDJSON interaction files, or folders of them.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: no traffic given: name cassette, HAR or NDJSON files or folders after the flags", errBadInput)
	}
	checker, logger, err := c.prepare(stderr)
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
	return c.writeReports(result, stdout)
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
