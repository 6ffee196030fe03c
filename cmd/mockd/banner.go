package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// printBanner names every source mockd answers from: the spec, cassettes and
// what a miss does, the fault file and the fault header.
func printBanner(w io.Writer, f *serveFlags, spec *validator.Spec, srv *mockserver.Server, in *mockserver.Instance, loaded time.Duration) {
	base := in.URL
	if spec != nil {
		fmt.Fprintf(w, "mockd %s: serving %s (OpenAPI %s, %d operations, loaded in %s)\n",
			cli.BuildVersion(), f.spec, spec.Version, len(spec.Operations), loaded.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "mockd %s: replaying %s (loaded in %s)\n", cli.BuildVersion(), strings.Join(f.cassettes, ", "), loaded.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  listening on %s  (seed %d, dynamic %t, cors %t)\n", base, srv.Seed(), f.dynamic, f.cors)
	if len(f.cassettes) > 0 {
		onMiss := f.onMiss
		if onMiss == "" {
			onMiss = "error"
			if spec != nil {
				onMiss = "spec"
			}
		}
		line := fmt.Sprintf("  cassettes: %s (on miss: %s", strings.Join(f.cassettes, ", "), onMiss)
		if f.upstream != "" {
			line += ", upstream " + f.upstream
		}
		fmt.Fprintln(w, line+")")
	}
	if f.faults != "" {
		fmt.Fprintf(w, "  faults: %s (%d rules, seed %d)\n", f.faults, len(srv.Faults().Rules()), srv.Faults().Seed())
	}
	if f.faultHeader {
		fmt.Fprintln(w, "  fault header: on (a request's X-Mockd-Fault header picks a fault)")
	}
	if spec != nil && len(spec.Disabled) > 0 {
		fmt.Fprintf(w, "  disabled by --lenient (broken $refs): %d operations\n", len(spec.Disabled))
		for _, d := range spec.Disabled {
			fmt.Fprintln(w, "    "+d.String())
		}
	}
	fmt.Fprintf(w, "  admin: %s/__mockd/health, %s/__mockd/requests\n", in.AdminURL, in.AdminURL)
}

// startupExampleCheck is the largest spec (in operations) whose examples are
// all checked at start-up. Checking compiles every schema that has an
// example, which on very large specs (GitHub's: 1,200 operations) costs
// minutes and gigabytes, so there each example is checked when it is first
// served instead; an invalid one is replaced by generated data either way.
const startupExampleCheck = 300

// reportStartupWarnings logs one summary line with the counts of spec
// warnings and invalid examples; each one is logged at debug level and listed
// by GET /__mockd/health.
func reportStartupWarnings(logger *slog.Logger, spec *validator.Spec, srv *mockserver.Server) {
	if spec == nil {
		return // playback only: no examples
	}
	for _, w := range spec.Warnings {
		logger.Debug("spec warning", "warning", w)
	}
	var examples []string
	if len(spec.Operations) <= startupExampleCheck {
		examples = srv.CheckExamples()
		for _, w := range examples {
			logger.Debug("invalid example", "warning", w)
		}
	} else {
		logger.Info("large spec: examples are checked when first served", "operations", len(spec.Operations))
	}
	if len(spec.Warnings) == 0 && len(examples) == 0 {
		return
	}
	logger.Warn("spec loaded with warnings",
		"spec_warnings", len(spec.Warnings), "invalid_examples", len(examples),
		"details", "GET /__mockd/health or --log-level debug")
}
