package cli

import (
	"flag"
	"io"
	"log/slog"
	"strings"

	"github.com/mockd/mockd/redact"
)

// Log formats and levels the logging flags accept.
var (
	LogFormats = []string{"text", "json"}
	LogLevels  = []string{"debug", "info", "warn", "error"}
)

// LogFlags are --log-level, --log-format and --quiet.
type LogFlags struct {
	Level  string
	Format string
	Quiet  bool
}

// Register adds the logging flags to fs; defaultLevel is --log-level's
// default.
func (l *LogFlags) Register(fs *flag.FlagSet, defaultLevel string) {
	fs.StringVar(&l.Level, "log-level", defaultLevel, "log level: "+strings.Join(LogLevels, ", ")+" (logs go to stderr)")
	fs.StringVar(&l.Format, "log-format", "text", "log format: "+strings.Join(LogFormats, " or ")+" (one JSON object a line)")
	fs.BoolVar(&l.Quiet, "quiet", false, "log warnings and errors only, no line per request (raises --log-level to warn)")
}

// Check validates the flag values and returns the level in force; a bad
// value is a usage error naming the flag, the value and what is allowed.
func (l *LogFlags) Check() (slog.Level, error) {
	var level slog.Level
	switch strings.ToLower(l.Level) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return 0, Usagef("--log-level %q is not a log level: use one of %s", l.Level, strings.Join(LogLevels, ", "))
	}
	switch strings.ToLower(l.Format) {
	case "text", "json":
	default:
		return 0, Usagef("--log-format %q is not a log format: use one of %s", l.Format, strings.Join(LogFormats, ", "))
	}
	if l.Quiet {
		level = max(level, slog.LevelWarn)
	}
	return level, nil
}

// Logger builds the logger the flags ask for, writing to w through the
// redacting handler (r nil: the default redaction rules).
func (l *LogFlags) Logger(w io.Writer, r *redact.Redactor) (*slog.Logger, error) {
	level, err := l.Check()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if strings.EqualFold(l.Format, "json") {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(redact.NewHandler(h, r)), nil
}
