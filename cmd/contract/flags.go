package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/contract/report"
	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// common holds the flags check and proxy share, bound straight into the
// checker's config and the gate's thresholds.
type common struct {
	checkCfg contract.CheckConfig
	gate     contract.Thresholds
	spec     string
	strict   bool
	config   string
	formats  []string
	output   string
	color    string
	log      cli.LogFlags
	// secretHeaders are header names whose values the checker's redactor
	// hides beside its defaults (contract test's --header values).
	secretHeaders []string
}

// register adds the shared flags to fs; logLevel is --log-level's default.
func (c *common) register(fs *flag.FlagSet, logLevel string) {
	fs.StringVar(&c.spec, "spec", "", "OpenAPI 3.0/3.1 or Swagger 2.0 `FILE` (required)")
	fs.StringVar(&c.checkCfg.Server, "server", "", "match paths after this server `URL` instead of the spec's servers")
	fs.BoolVar(&c.checkCfg.StrictServers, "strict-servers", false, "require the request host and base path of a declared server")
	fs.BoolVar(&c.strict, "strict", false, "check string formats and reject undeclared properties, query parameters and headers")
	fs.Var(cli.List(&c.checkCfg.IgnorePaths), "ignore", "skip interactions whose path matches `PATHGLOB` ('*' in a segment, '**' across; repeatable)")
	fs.Var(cli.List(&c.checkCfg.IgnoreHeaders), "ignore-header", "leave header `NAME` out of the checks (repeatable)")
	fs.StringVar(&c.config, "config", "", "contract config `FILE` (YAML: severities per check id, ignore, ignoreHeaders)")
	fs.Float64Var(&c.gate.MinCoverage, "min-coverage", 0, "fail when operation coverage is below `PERCENT`")
	fs.BoolVar(&c.gate.RequireStatus, "require-status", false, "fail when a declared status (other than default) was never seen")
	fs.Var(cli.List(&c.formats), "format", "report `FORMAT[=FILE]`: text, json, junit, sarif, markdown (repeatable; comma-separated)")
	fs.StringVar(&c.output, "output", "", "write the report to `FILE` instead of stdout (with a single --format)")
	fs.StringVar(&c.color, "color", "auto", "colour in text reports: auto, always, never")
	c.log.Register(fs, logLevel)
}

// optionNames maps the library options named in messages to their flags.
func optionNames() contract.OptionNames {
	return contract.OptionNames{
		contract.OptionServer:        "--server",
		contract.OptionStrictServers: "--strict-servers",
		contract.OptionIgnorePaths:   "--ignore",
		contract.OptionMinCoverage:   "--min-coverage",
		contract.OptionRequireStatus: "--require-status",
	}
}

// check validates the shared flags before anything is loaded; each problem
// is a usage error naming the flag.
func (c *common) check() error {
	if c.spec == "" {
		return cli.Usagef("--spec FILE is required (the OpenAPI spec to check against)")
	}
	if c.gate.MinCoverage < 0 || c.gate.MinCoverage > 100 {
		return cli.Usagef("--min-coverage %g: use a percentage from 0 to 100", c.gate.MinCoverage)
	}
	switch c.color {
	case "auto", "always", "never":
	default:
		return cli.Usagef("--color %q: use auto, always or never", c.color)
	}
	if _, err := c.log.Check(); err != nil {
		return err
	}
	_, err := c.outputs()
	return err
}

// prepare checks the report outputs, then builds the logger and the
// checker: the set-up check and proxy share.
func (c *common) prepare(stderr io.Writer) (*contract.Checker, *slog.Logger, error) {
	if err := c.check(); err != nil {
		return nil, nil, err
	}
	logger, err := c.log.Logger(stderr, nil)
	if err != nil {
		return nil, nil, err
	}
	checker, err := c.load(logger)
	if err != nil {
		return nil, nil, err
	}
	// Logs go through the checker's redactor (defaults + the spec's apiKey
	// names), like every report.
	logger = slog.New(redact.NewHandler(logger.Handler(), checker.Redactor()))
	return checker, logger, nil
}

// load loads the spec and builds the checker.
func (c *common) load(logger *slog.Logger) (*contract.Checker, error) {
	opts := []validator.Option{validator.WithLogger(logger)}
	if c.strict {
		opts = append(opts, validator.WithStrict(), validator.WithFormatAssertions())
	}
	spec, err := validator.Load(c.spec, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadInput, err)
	}
	for _, w := range spec.Warnings {
		logger.Warn("spec warning", "spec", c.spec, "warning", w)
	}
	cfg := c.checkCfg
	cfg.OptionNames, cfg.FormatAssertions = optionNames(), c.strict
	if len(c.secretHeaders) > 0 {
		red, err := redact.New(redact.Config{SpecNames: spec.CredentialNames(), Headers: c.secretHeaders})
		if err != nil {
			return nil, fmt.Errorf("%w: redaction of --header names: %w", errBadInput, err)
		}
		cfg.Redactor = red
	}
	if c.config != "" {
		if err := contract.LoadCheckConfig(c.config, &cfg); err != nil {
			return nil, fmt.Errorf("%w: %w", errBadInput, err)
		}
	}
	checker, err := contract.NewChecker(spec, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBadInput, err)
	}
	return checker, nil
}

// output is one report to write.
type output struct {
	format string
	file   string // "" for stdout
}

func (c *common) outputs() ([]output, error) {
	var outs []output
	for _, raw := range c.formats {
		for _, part := range strings.Split(raw, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			format, file, _ := strings.Cut(part, "=")
			format = strings.ToLower(strings.TrimSpace(format))
			if format == "md" {
				format = "markdown"
			}
			known := false
			for _, f := range report.ReportFormats {
				known = known || f == format
			}
			if !known {
				return nil, cli.Usagef("--format %q: use %s", format, strings.Join(report.ReportFormats, ", "))
			}
			outs = append(outs, output{format: format, file: strings.TrimSpace(file)})
		}
	}
	if len(outs) == 0 {
		outs = []output{{format: "text"}}
	}
	if c.output != "" {
		n := 0
		for i := range outs {
			if outs[i].file == "" {
				outs[i].file = c.output
				n++
			}
		}
		if n > 1 {
			return nil, cli.Usagef("--output names one file but %d formats have none: use --format FORMAT=FILE", n)
		}
	}
	stdout := 0
	for _, o := range outs {
		if o.file == "" {
			stdout++
		}
	}
	if stdout > 1 {
		return nil, cli.Usagef("%d formats would share stdout: give all but one a file (--format junit=contract.xml)", stdout)
	}
	return outs, nil
}

// writeReports writes every requested report, gates the result and
// returns errGate when it fails.
func (c *common) writeReports(r *contract.Result, stdout io.Writer) error {
	outs, err := c.outputs()
	if err != nil {
		return err
	}
	thresholds := c.gate
	thresholds.OptionNames = optionNames()
	gate := r.Evaluate(thresholds)
	for _, o := range outs {
		opts := report.Options{ToolVersion: cli.BuildVersion()}
		if o.file == "" {
			opts.Color = c.useColor(stdout)
			if err := report.WriteReport(stdout, o.format, r, opts); err != nil {
				return err
			}
			continue
		}
		if dir := filepath.Dir(o.file); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("report %s: %w", o.file, err)
			}
		}
		f, err := os.Create(o.file)
		if err != nil {
			return fmt.Errorf("report %s: %w", o.file, err)
		}
		werr := report.WriteReport(f, o.format, r, opts)
		cerr := f.Close()
		if err := errors.Join(werr, cerr); err != nil {
			return fmt.Errorf("report %s: %w", o.file, err)
		}
	}
	if !gate.Passed {
		return fmt.Errorf("%w: %s", errGate, strings.Join(gate.Failures, "; "))
	}
	return nil
}

func (c *common) useColor(w io.Writer) bool {
	switch c.color {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// parseFlags parses args (flags may follow the traffic paths) with fs:
// --help prints the usage on stdout (flag.ErrHelp), a bad flag is a usage
// error.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, header string) error {
	return cli.Parse(fs, interleave(fs, args), stdout, header)
}

// interleave moves flags after positional arguments before them, so that
// `contract check cassettes/ --spec api.yaml` works.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(flags, pos...)
}
