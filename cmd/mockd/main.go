// Command mockd serves a mock backend from an OpenAPI spec.
//
//	mockd serve --spec FILE [--port 4010] [--host 127.0.0.1] [--dynamic] [--seed N] [--errors] [--cors=false]
//
// Run `mockd help` for every command and `mockd COMMAND --help` for its
// flags. Exit codes: 0 success (and --help), 1 a failure (unreadable spec,
// port in use), 2 a bad command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "help" && len(rest) > 0 {
		name, rest = rest[0], []string{"--help"} // mockd help serve
	}
	var err error
	switch name {
	case "serve":
		err = serve(ctx, rest, stdout, stderr)
	case "record":
		err = record(ctx, rest, stdout, stderr)
	case "version", "--version":
		err = cli.Version("mockd", rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		cli.ReportUsage(stderr, "mockd", fmt.Errorf("unknown command %q (commands: serve, record, version, help)", name))
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, cli.ErrUsage):
		cli.ReportUsage(stderr, "mockd "+name, err)
		return 2
	default:
		fmt.Fprintln(stderr, "mockd:", err)
		return 1
	}
}
