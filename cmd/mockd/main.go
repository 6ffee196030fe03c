// Command mockd serves a mock backend from an OpenAPI spec.
//
//	mockd serve --spec FILE [--port 4010] [--host 127.0.0.1] [--dynamic] [--seed N] [--errors] [--cors=false]
//
// Run `mockd help` for every command and flag.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks errors that come from bad flags or arguments (exit 2).
var errUsage = errors.New("usage")

const usage = `mockd: a mock backend from an OpenAPI spec

Usage:
  mockd serve --spec FILE [flags]   serve the spec's operations
  mockd serve --cassette FILE       replay recorded traffic (with --spec: spec answers misses)
  mockd record --upstream URL --cassette FILE
                                    record real traffic through a proxy
  mockd version                     print the version
  mockd help                        this text

Run 'mockd serve --help' or 'mockd record --help' for their flags.
`

// buildVersion is the module version mockd was built from ("dev" for a
// local build).
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "record":
		err = record(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "mockd", buildVersion())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "mockd: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "mockd:", err)
		return 1
	}
}
