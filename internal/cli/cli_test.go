package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func newSet() *flag.FlagSet {
	fs := flag.NewFlagSet("mockd serve", flag.ContinueOnError)
	fs.Int("port", 4010, "port")
	fs.Bool("cors", true, "cors")
	fs.Duration("timeout", time.Second, "timeout")
	fs.Float64("min", 0, "min")
	fs.Uint64("seed", 0, "seed")
	fs.String("spec", "", "spec")
	return fs
}

func TestParseSaysWhatIsWrongInOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"-x=1"}, "unknown flag --x"},
		{[]string{"--spec"}, "--spec needs a value"},
		{[]string{"--port", "http"}, `invalid value "http" for --port: want an integer`},
		{[]string{"--cors=maybe"}, `invalid value "maybe" for --cors: want true or false`},
		{[]string{"--timeout", "soon"}, `invalid value "soon" for --timeout: want a duration such as 500ms, 30s or 2m`},
		{[]string{"--min", "most"}, `invalid value "most" for --min: want a number`},
		{[]string{"--seed", "-1"}, `invalid value "-1" for --seed: want a non-negative integer`},
		{[]string{"---port=1"}, "bad flag syntax: ---port=1"},
	} {
		var out bytes.Buffer
		err := Parse(newSet(), tc.args, &out, "Usage: mockd serve")
		if !errors.Is(err, ErrUsage) || err.Error() != tc.want || out.Len() != 0 {
			t.Errorf("Parse(%q) = %v (stdout %q); want usage error %q and no output", tc.args, err, out.String(), tc.want)
		}
	}
}

func TestParseHelpPrintsUsageToStdout(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		var out bytes.Buffer
		err := Parse(newSet(), []string{"--port", "1", arg}, &out, "Usage: mockd serve --spec FILE\n")
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: err = %v, want flag.ErrHelp", arg, err)
		}
		if !strings.HasPrefix(out.String(), "Usage: mockd serve --spec FILE\n\nFlags:\n") || !strings.Contains(out.String(), "-timeout duration") {
			t.Errorf("%s: usage = %q", arg, out.String())
		}
	}
}

func TestReportUsage(t *testing.T) {
	var out bytes.Buffer
	ReportUsage(&out, "contract check", Usagef("--spec FILE is required"))
	if want := "contract check: --spec FILE is required\nRun 'contract check --help' for usage.\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestLogFlags(t *testing.T) {
	for _, tc := range []struct {
		flags LogFlags
		level slog.Level
		err   string
	}{
		{LogFlags{Level: "info", Format: "text"}, slog.LevelInfo, ""},
		{LogFlags{Level: "DEBUG", Format: "json"}, slog.LevelDebug, ""},
		{LogFlags{Level: "error", Format: "text", Quiet: true}, slog.LevelError, ""},
		{LogFlags{Level: "debug", Format: "text", Quiet: true}, slog.LevelWarn, ""},
		{LogFlags{Level: "loud", Format: "text"}, 0, `--log-level "loud" is not a log level: use one of debug, info, warn, error`},
		{LogFlags{Level: "info+2", Format: "text"}, 0, `--log-level "info+2" is not a log level: use one of debug, info, warn, error`},
		{LogFlags{Level: "info", Format: "xml"}, 0, `--log-format "xml" is not a log format: use one of text, json`},
	} {
		level, err := tc.flags.Check()
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err || !errors.Is(err, ErrUsage)):
			t.Errorf("%+v: err = %v, want usage error %q", tc.flags, err, tc.err)
		case tc.err == "" && (err != nil || level != tc.level):
			t.Errorf("%+v: level %v, err %v; want %v", tc.flags, level, err, tc.level)
		}
	}
}

func TestLoggerFormatsAndRedacts(t *testing.T) {
	for format, want := range map[string]string{"text": `level=INFO msg=hi url="/x?token=REDACTED"`, "json": `"level":"INFO","msg":"hi","url":"/x?token=REDACTED"}`} {
		var buf bytes.Buffer
		f := LogFlags{Level: "info", Format: format}
		logger, err := f.Logger(&buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		logger.Info("hi", "url", "/x?token=s3cret")
		if !strings.Contains(buf.String(), want) || strings.Contains(buf.String(), "s3cret") {
			t.Errorf("%s: got %q, want %q and no secret", format, buf.String(), want)
		}
	}
	if _, err := (&LogFlags{Level: "info", Format: "yaml"}).Logger(io.Discard, nil); !errors.Is(err, ErrUsage) {
		t.Errorf("a bad format must be a usage error, got %v", err)
	}
}

func TestGoNames(t *testing.T) {
	for text, want := range map[string]bool{
		"line 1: cannot unmarshal !!seq into validator.checkFile":                       true,
		"field bogus not found in type *fault.Rule":                                     true,
		"cannot unmarshal !!seq into map[string]string":                                 true,
		"cannot unmarshal !!map into []string":                                          true,
		"json: cannot unmarshal number into Go struct field .request.method":            true,
		"no such rule (fix: list rules with Rules())":                                   true,
		"status %!d(string=x)":                                                          true,
		"contract config cfg.yaml:1:9: ignore must be a list of strings":                false,
		"cassette c.yaml:3: interaction 0: request.method: expected a string":           false,
		"fixtures/faults/retry.yaml:3:11: latency \"fast\" is not a duration (e.g. 2s)": false,
		"no fault rule named \"x\" (GET /__mockd/faults lists the rules in effect)":     false,
	} {
		if got := GoNames.MatchString(text); got != want {
			t.Errorf("GoNames.MatchString(%q) = %v, want %v", text, got, want)
		}
	}
}

// fakeCommand records its arguments and returns err.
type fakeCommand struct {
	args []string
	err  error
}

func (f *fakeCommand) Run(_ context.Context, args []string) error { f.args = args; return f.err }

func TestProgramExitCodes(t *testing.T) {
	gate := errors.New("gate failed")
	for _, tc := range []struct {
		args    []string
		err     error
		code    int
		stdout  string
		stderr  string
		gotArgs []string
	}{
		{nil, nil, 2, "", "prog: usage text\n", nil},
		{[]string{"run", "-x"}, nil, 0, "", "", []string{"-x"}},
		{[]string{"help", "run"}, flag.ErrHelp, 0, "", "", []string{"--help"}},
		{[]string{"help"}, nil, 0, "prog: usage text\n", "", nil},
		{[]string{"run"}, Usagef("--spec is required"), 2, "", "prog run: --spec is required\nRun 'prog run --help' for usage.\n", []string{}},
		{[]string{"run"}, errors.New("boom"), 3, "", "prog: boom\n", []string{}},
		{[]string{"run"}, gate, 1, "", "gated\n", []string{}},
		{[]string{"bogus"}, nil, 2, "", "prog: unknown command \"bogus\" (commands: run, version, help)\nRun 'prog --help' for usage.\n", nil},
	} {
		cmd := &fakeCommand{err: tc.err}
		p := Program{Name: "prog", Usage: "prog: usage text\n", Commands: []Named{{"run", cmd}}, Fail: 3,
			Exit: func(w io.Writer, err error) (int, bool) {
				if errors.Is(err, gate) {
					io.WriteString(w, "gated\n")
					return 1, true
				}
				return 0, false
			}}
		var out, errOut bytes.Buffer
		code := p.Run(context.Background(), tc.args, &out, &errOut)
		if code != tc.code || out.String() != tc.stdout || errOut.String() != tc.stderr {
			t.Errorf("%q: code %d stdout %q stderr %q; want %d %q %q", tc.args, code, out.String(), errOut.String(), tc.code, tc.stdout, tc.stderr)
		}
		if tc.gotArgs != nil && strings.Join(cmd.args, " ") != strings.Join(tc.gotArgs, " ") {
			t.Errorf("%q: command got %q, want %q", tc.args, cmd.args, tc.gotArgs)
		}
	}
}

func TestListBindsIntoASlice(t *testing.T) {
	var names []string
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Var(List(&names), "name", "repeatable")
	if err := fs.Parse([]string{"--name", "a", "--name=b"}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "a,b" || fs.Lookup("name").Value.String() != "a,b" {
		t.Errorf("names = %q, flag value %q; want a,b", names, fs.Lookup("name").Value.String())
	}
}
