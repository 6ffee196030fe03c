package main

import (
	"flag"
	"strings"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/redact"
)

// registerRedaction binds the redaction flags record and serve share
// straight into cfg.
func registerRedaction(fs *flag.FlagSet, cfg *redact.Config) {
	fs.Var(cli.List(&cfg.Headers), "redact-header", "also redact this header (repeatable)")
	fs.Var(cli.List(&cfg.QueryParams), "redact-query", "also redact this query parameter (repeatable)")
	fs.Var(cli.List(&cfg.JSONPaths), "redact-json-path", "also redact this JSON body path, e.g. $.user.password (repeatable)")
	fs.BoolVar(&cfg.DisableDefaults, "no-default-redaction", false, "do NOT redact Authorization, cookies, API keys, *token*, *secret*, *password* (dangerous)")
}

// checkRedaction validates the redaction flags before anything is loaded;
// a bad name or path is a usage error.
func checkRedaction(cfg redact.Config) error {
	if _, err := redact.New(cfg); err != nil {
		return cli.Usagef("%s", strings.TrimPrefix(err.Error(), "redact: "))
	}
	return nil
}
