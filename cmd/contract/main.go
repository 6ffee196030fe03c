// Command contract checks recorded and live HTTP traffic against an OpenAPI
// spec, reports findings and coverage, and gates CI on them.
//
//	contract check --spec FILE [flags] TRAFFIC...
//	contract proxy --spec FILE --upstream URL [--port 4011] [--enforce] [--record PATH]
//	contract test --spec FILE --base-url URL [--list] [--max-examples N] [--header 'NAME: VALUE']
//	contract diff [--fail-on breaking|any|none] [--format FORMAT] OLD NEW
//
// Exit codes: 0 no error findings (and --help), 1 error findings or a
// failed coverage gate, 2 bad input (unreadable spec or traffic, bad flags).
//
// Each subcommand is a type with a Run method, in a file of its own
// (check.go, proxy.go, test.go, diff.go); main.go only dispatches.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/mockd/mockd/internal/cli"
)

// gcPercent is the GOGC the CLI runs with unless GOGC is set: the heap of
// a check stays small (tens of MB, bounded by streaming), and collecting
// less often saves about a third of the CPU on large traffic.
const gcPercent = 400

// memoryLimit is the soft memory limit the CLI runs with unless GOMEMLIMIT
// is set. A large spec is most of the heap (GitHub's: 300 MB live after
// the load), and gcPercent alone let it grow to 1.2 GB; near this limit
// the collector runs more often instead (550 MiB kept GitHub's check at
// 575 MB peak RSS, about the CPU of GOGC=100; 500 MiB cost a third more).
const memoryLimit = 550 << 20

func main() {
	configureGC(os.Getenv, os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// configureGC applies gcPercent and memoryLimit where the environment
// (GOGC, GOMEMLIMIT) does not say otherwise. They are for streaming
// traffic past one spec; a diff holds two whole models (1.2 GB live for two
// GitHub releases), which the limit would make collect without end (48 s
// instead of 17 s there), so diff runs with Go's defaults.
func configureGC(getenv func(string) string, args []string) {
	if len(args) > 0 && args[0] == "diff" {
		return
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// Exit codes.
const (
	exitOK        = 0
	exitViolation = 1
	exitBadInput  = 2
)

// errBadInput marks errors that exit with 2: bad flags, unreadable spec
// or traffic.
var errBadInput = errors.New("bad input")

// errGate marks a run whose findings or coverage fail the gate (exit 1);
// the report already says why.
var errGate = errors.New("contract check failed")

const usage = `contract: check HTTP traffic against an OpenAPI spec

Usage:
  contract check --spec FILE [flags] TRAFFIC...   check go-vcr cassettes, HAR 1.2 or NDJSON files (or folders)
  contract proxy --spec FILE --upstream URL       a validating reverse proxy; prints the report on Ctrl-C
  contract test --spec FILE --base-url URL        send generated valid and invalid requests to a provider and check it
  contract diff OLD NEW                           breaking changes between two versions of a spec (files or REF:PATH)
  contract version                                print the version
  contract help [COMMAND]                         this text, or a command's flags

Run 'contract check --help', 'contract proxy --help', 'contract test --help' or 'contract diff --help' for the flags.
Exit codes: 0 no error findings, 1 error findings or coverage below the gate, 2 bad input.
`

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Program{
		Name:  "contract",
		Usage: usage,
		Commands: []cli.Named{
			{Name: "check", Command: &checkCommand{stdout: stdout, stderr: stderr}},
			{Name: "proxy", Command: &proxyCommand{stdout: stdout, stderr: stderr}},
			{Name: "test", Command: &testCommand{stdout: stdout, stderr: stderr}},
			{Name: "diff", Command: &diffCommand{stdout: stdout, stderr: stderr}},
		},
		Fail: exitBadInput,
		Exit: exitCode,
	}.Run(ctx, args, stdout, stderr)
}

// exitCode classifies contract's own errors: a failed gate exits 1 (the
// report already says why), bad input 2 with the error alone.
func exitCode(stderr io.Writer, err error) (int, bool) {
	switch {
	case errors.Is(err, errGate):
		return exitViolation, true
	case errors.Is(err, errBadInput):
		fmt.Fprintln(stderr, "contract:", strings.TrimPrefix(err.Error(), errBadInput.Error()+": "))
		return exitBadInput, true
	}
	return 0, false
}
