// Package cli holds what the mockd and contract commands share about their
// command lines: flag parsing where -h/--help prints the usage on stdout and
// exits 0 and every bad flag is one error line plus a pointer to --help
// (ErrUsage, Usagef, ReportUsage), and the logging flags --log-level,
// --log-format and --quiet, which build a redacting slog.Logger (LogFlags).
package cli
