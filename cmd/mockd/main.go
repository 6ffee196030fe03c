// Command mockd serves a mock backend from an OpenAPI spec.
//
//	mockd serve --spec FILE [--port 4010] [--host 127.0.0.1] [--dynamic] [--seed N] [--errors] [--cors=false]
//
// Run `mockd help` for every command and `mockd COMMAND --help` for its
// flags. Exit codes: 0 success (and --help), 1 a failure (unreadable spec,
// port in use), 2 a bad command line.
//
// Each subcommand is a type with a Run method, in a file of its own
// (serve.go, record.go); main.go only dispatches.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mockd/mockd/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `mockd: a mock backend from an OpenAPI spec

Usage:
  mockd serve --spec FILE [flags]   serve the spec's operations
  mockd serve --cassette FILE       replay recorded traffic (with --spec: spec answers misses)
  mockd record --upstream URL --cassette FILE
                                    record real traffic through a proxy
  mockd version                     print the version
  mockd help [COMMAND]              this text, or a command's flags

Run 'mockd serve --help' or 'mockd record --help' for their flags.
Exit codes: 0 success, 1 failure (unreadable spec, port in use...), 2 bad command line.
`

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli.Program{
		Name:  "mockd",
		Usage: usage,
		Commands: []cli.Named{
			{Name: "serve", Command: &serveCommand{stdout: stdout, stderr: stderr}},
			{Name: "record", Command: &recordCommand{stdout: stdout, stderr: stderr}},
		},
		Fail: 1,
	}.Run(ctx, args, stdout, stderr)
}
