package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Command is one subcommand (mockd serve, contract check): it parses args
// and runs until done or until ctx ends. Its output writers are its fields.
type Command interface {
	Run(ctx context.Context, args []string) error
}

// Named is a subcommand and the name it is called by.
type Named struct {
	Name    string
	Command Command
}

// Program is a command with subcommands and the exit-code plumbing they
// share: 0 for success and --help, 2 for a bad command line (one line and
// a pointer to --help), Fail for any other error unless Exit decides.
type Program struct {
	// Name is the program's name ("mockd").
	Name string
	// Usage is printed by `NAME help` and, on stderr, when no command is
	// given.
	Usage string
	// Commands are the subcommands, in the order the unknown-command
	// message lists them; `version` and `help` are added.
	Commands []Named
	// Fail is the exit code of an error nothing else classifies.
	Fail int
	// Exit, when set, classifies an error first: it returns the exit code
	// and true after writing what the user sees to stderr.
	Exit func(stderr io.Writer, err error) (int, bool)
}

// Run dispatches args (os.Args[1:]) to a subcommand and returns the exit
// code. `NAME help COMMAND` is `NAME COMMAND --help`.
func (p Program) Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, p.Usage)
		return 2
	}
	name, rest := args[0], args[1:]
	if name == "help" && len(rest) > 0 {
		name, rest = rest[0], []string{"--help"}
	}
	var err error
	switch cmd := p.lookup(name); {
	case cmd != nil:
		err = cmd.Run(ctx, rest)
	case name == "version" || name == "--version":
		err = Version(p.Name, rest, stdout)
	case name == "help" || name == "-h" || name == "--help":
		fmt.Fprint(stdout, p.Usage)
		return 0
	default:
		names := make([]string, 0, len(p.Commands)+2)
		for _, c := range p.Commands {
			names = append(names, c.Name)
		}
		names = append(names, "version", "help")
		ReportUsage(stderr, p.Name, fmt.Errorf("unknown command %q (commands: %s)", name, strings.Join(names, ", ")))
		return 2
	}
	return p.exitCode(stderr, p.Name+" "+name, err)
}

// lookup returns the subcommand called name, or nil.
func (p Program) lookup(name string) Command {
	for _, c := range p.Commands {
		if c.Name == name {
			return c.Command
		}
	}
	return nil
}

// exitCode reports err as the program shows it and returns its exit code.
func (p Program) exitCode(stderr io.Writer, command string, err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		ReportUsage(stderr, command, err)
		return 2
	}
	if p.Exit != nil {
		if code, ok := p.Exit(stderr, err); ok {
			return code
		}
	}
	fmt.Fprintln(stderr, p.Name+":", err)
	return p.Fail
}

// List is a repeatable string flag that appends each value to the slice it
// points to, so that a flag is bound straight into a library's config:
// fs.Var(cli.List(&cfg.Headers), "redact-header", "...").
func List(p *[]string) flag.Value { return (*list)(p) }

// list is the flag.Value of List.
type list []string

// String joins the values with commas.
func (l *list) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// Set appends one value.
func (l *list) Set(v string) error { *l = append(*l, v); return nil }
