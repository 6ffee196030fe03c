package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mockd/mockd/contract/diff"
	"github.com/mockd/mockd/internal/cli"
)

// diffHeader opens `contract diff --help`.
const diffHeader = `Usage: contract diff [flags] OLD NEW

OLD and NEW are spec files (OpenAPI 3.x or Swagger 2.0, both the same) or git revisions
REF:PATH (main:openapi.yaml, origin/main:api/openapi.yaml), read with 'git show' here.
Each change is breaking-for-clients, breaking-for-callers or non-breaking, with a stable id.
Exit codes: 0 nothing --fail-on counts, 1 something it counts, 2 bad input.`

// diffCommand is `contract diff`: it compares two versions of a spec and
// fails on breaking changes.
type diffCommand struct {
	stdout, stderr io.Writer
	failOn, format string
	output         string
}

// Run compares the two specs in args; a change --fail-on counts is errGate.
func (cmd *diffCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("contract diff", flag.ContinueOnError)
	fs.StringVar(&cmd.failOn, "fail-on", "breaking", "exit 1 on `WHAT`: breaking, any (any change at all) or none")
	fs.StringVar(&cmd.format, "format", "text", "report `FORMAT`: "+strings.Join(diff.Formats(), ", "))
	fs.StringVar(&cmd.output, "output", "", "write the report to `FILE` instead of stdout")
	if err := parseFlags(fs, args, cmd.stdout, diffHeader); err != nil {
		return err
	}
	if err := cmd.check(fs); err != nil {
		return err
	}
	var srcs [2]diff.Source
	for i, arg := range fs.Args() {
		src, err := diff.ReadSource(ctx, ".", arg)
		if err != nil {
			return fmt.Errorf("%w: %w", errBadInput, err)
		}
		srcs[i] = src
	}
	result, err := diff.Compare(ctx, srcs[0], srcs[1])
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%w: %w", errBadInput, err)
	}
	if err := cmd.write(result); err != nil {
		return err
	}
	return cmd.gate(result)
}

// check validates the flags and the two arguments.
func (cmd *diffCommand) check(fs *flag.FlagSet) error {
	switch cmd.failOn {
	case "breaking", "any", "none":
	default:
		return cli.Usagef("--fail-on %q: use breaking, any or none", cmd.failOn)
	}
	if cmd.format == "md" {
		cmd.format = "markdown"
	}
	known := false
	for _, f := range diff.Formats() {
		known = known || f == cmd.format
	}
	if !known {
		return cli.Usagef("--format %q: use %s", cmd.format, strings.Join(diff.Formats(), ", "))
	}
	if fs.NArg() != 2 {
		return cli.Usagef("contract diff needs two specs, OLD and NEW (files or REF:PATH), got %d", fs.NArg())
	}
	return nil
}

// write writes the report to stdout or --output.
func (cmd *diffCommand) write(r *diff.Result) error {
	if cmd.output == "" {
		return diff.Write(cmd.stdout, cmd.format, r, cli.BuildVersion())
	}
	if dir := filepath.Dir(cmd.output); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("report %s: %w", cmd.output, err)
		}
	}
	f, err := os.Create(cmd.output)
	if err != nil {
		return fmt.Errorf("report %s: %w", cmd.output, err)
	}
	werr := diff.Write(f, cmd.format, r, cli.BuildVersion())
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("report %s: %w", cmd.output, err)
	}
	// The summary goes to stderr, so that CI logs show the outcome.
	if _, err := fmt.Fprintln(cmd.stderr, "contract diff", r.Summary()); err != nil {
		return fmt.Errorf("write the summary: %w", err)
	}
	return nil
}

// gate fails (errGate, exit 1) when a finding --fail-on counts exists.
func (cmd *diffCommand) gate(r *diff.Result) error {
	n := 0
	switch cmd.failOn {
	case "breaking":
		n = r.Breaking()
	case "any":
		n = len(r.Findings)
	}
	if n > 0 {
		return fmt.Errorf("%w: %d change(s) --fail-on %s counts", errGate, n, cmd.failOn)
	}
	return nil
}
