package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// ErrUsage marks a bad command line (unknown flag, bad or missing value,
// stray argument): the command prints one line and a pointer to its --help,
// and exits 2. Test for it with errors.Is.
var ErrUsage = errors.New("usage error")

// usageError is a bad command line, said in one line.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

// Usagef returns a usage error (errors.Is(err, ErrUsage)) whose message is
// the formatted text alone.
func Usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// ReportUsage writes a usage error as the command shows it: one line naming
// the command and the problem, and a pointer to the command's --help.
func ReportUsage(w io.Writer, command string, err error) {
	fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", command, firstLine(err.Error()), command)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Parse parses args with fs. With -h or --help it writes header and the
// flags to stdout and returns flag.ErrHelp (the command exits 0); a flag the
// set does not know or a value it cannot parse gives a usage error with the
// flag package's one-line message. Nothing is written for errors: the
// caller reports them (ReportUsage).
func Parse(fs *flag.FlagSet, args []string, stdout io.Writer, header string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		PrintUsage(stdout, fs, header)
		return flag.ErrHelp
	default:
		return Usagef("%s", flagMessage(fs, err.Error()))
	}
}

// flagErrors match the flag package's messages that name a flag.
var (
	unknownFlag  = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	invalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-+([^:]+): (.*)$`)
	needsValue   = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
)

// flagMessage rewrites the flag package's message in the --flag spelling
// the usage shows, and says what a bad value should look like.
func flagMessage(fs *flag.FlagSet, msg string) string {
	if m := unknownFlag.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown flag --%s", m[1])
	}
	if m := needsValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		out := fmt.Sprintf("invalid value %s for --%s", m[1], m[2])
		if want := wantOf(fs.Lookup(m[2])); want != "" {
			return out + ": want " + want
		}
		return out + ": " + m[3]
	}
	return msg
}

// wantOf says what a flag's value must look like, from its type.
func wantOf(f *flag.Flag) string {
	if f == nil {
		return ""
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case bool:
		return "true or false"
	case int, int64:
		return "an integer"
	case uint, uint64:
		return "a non-negative integer"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration such as 500ms, 30s or 2m"
	}
	return ""
}

// PrintUsage writes header, then "Flags:" and every flag of fs with its
// default, to w.
func PrintUsage(w io.Writer, fs *flag.FlagSet, header string) {
	fmt.Fprint(w, strings.TrimRight(header, "\n")+"\n")
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprint(w, "\nFlags:\n")
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

// BuildVersion is the module version the binary was built from ("dev" for
// a build without version information).
func BuildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Version is the `NAME version` command: it prints "NAME VERSION", or its
// usage with --help.
func Version(name string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(name+" version", flag.ContinueOnError)
	header := fmt.Sprintf("Usage: %s version\n\nPrints %s's version (%q for a build from a checkout without version control).", name, name, "dev")
	if err := Parse(fs, args, stdout, header); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return Usagef("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(stdout, name, BuildVersion())
	return nil
}
