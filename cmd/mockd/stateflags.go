package main

import (
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/mockserver/state"
)

// registerState binds the flags of the stateful mode straight into
// cfg.Stateful and cfg.State.
func registerState(fs *flag.FlagSet, cfg *mockserver.Config) {
	fs.BoolVar(&cfg.Stateful, "stateful", false, "remember: answer the resources inferred from the spec (collection + item path) from a store: create, read, update, delete, paginated lists, Idempotency-Key")
	fs.StringVar(&cfg.State.File, "state", "", "with --stateful: load the store from this JSON snapshot (if it exists) and save it there at shutdown")
	fs.Var(pagingFlag{&cfg.State.Paging}, "paging", "with --stateful: page this resource's list in another style than the detected one: RESOURCE=STYLE, STYLE one of "+strings.Join(state.Styles(), ", ")+" (repeatable)")
	fs.StringVar(&cfg.State.IdempotencyHeader, "idempotency-header", state.DefaultIdempotencyHeader, "with --stateful: the request header that carries idempotency keys")
	fs.DurationVar(&cfg.State.IdempotencyTTL, "idempotency-ttl", state.DefaultIdempotencyTTL, "with --stateful: how long an idempotent answer is replayed")
	fs.Int64Var(&cfg.State.IdempotencyBytes, "idempotency-max-bytes", state.DefaultIdempotencyBytes, "with --stateful: memory bound of the stored idempotent answers in bytes (the oldest go first)")
}

// checkState refuses stateful flags that cannot work, naming the flag.
func checkState(cfg *mockserver.Config, spec string) error {
	switch {
	case !cfg.Stateful && cfg.State.File != "":
		return cli.Usagef("--state %s needs --stateful", cfg.State.File)
	case !cfg.Stateful && len(cfg.State.Paging) > 0:
		return cli.Usagef("--paging needs --stateful")
	case cfg.State.IdempotencyTTL <= 0:
		return cli.Usagef("--idempotency-ttl %s must be positive", cfg.State.IdempotencyTTL)
	case cfg.State.IdempotencyBytes <= 0:
		return cli.Usagef("--idempotency-max-bytes %d must be positive (default %d, 16 MiB)", cfg.State.IdempotencyBytes, state.DefaultIdempotencyBytes)
	case cfg.Stateful && spec == "":
		return cli.Usagef("--stateful needs --spec FILE (resources are inferred from it)")
	}
	return nil
}

// stateUsage turns a --paging value that does not fit the spec (known only
// once the spec is loaded) into a usage error naming the flag.
func stateUsage(err error) error {
	var pe *state.PagingError
	if errors.As(err, &pe) {
		return cli.Usagef("--paging %s: %s", pe.Resource, pe.Reason)
	}
	return err
}

// pagingFlag is --paging RESOURCE=STYLE, bound into StateConfig.Paging (a
// style alone: the store pages with the list operation's own parameters).
type pagingFlag struct{ m *map[string]state.Paging }

// String lists the values as RESOURCE=STYLE, sorted.
func (f pagingFlag) String() string {
	if f.m == nil {
		return ""
	}
	out := make([]string, 0, len(*f.m))
	for name, p := range *f.m {
		out = append(out, name+"="+p.Style)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// Set adds one RESOURCE=STYLE.
func (f pagingFlag) Set(v string) error {
	name, style, ok := strings.Cut(v, "=")
	name, style = strings.TrimSpace(name), strings.TrimSpace(style)
	styles := strings.Join(state.Styles(), ", ")
	switch {
	case !ok || name == "" || style == "":
		return fmt.Errorf("want RESOURCE=STYLE, e.g. books=cursor (styles: %s)", styles)
	case !state.IsStyle(style):
		return fmt.Errorf("style %q: use one of %s", style, styles)
	}
	if *f.m == nil {
		*f.m = map[string]state.Paging{}
	}
	if old, dup := (*f.m)[name]; dup {
		return fmt.Errorf("%s is paged %s already (give each resource once)", name, old.Style)
	}
	(*f.m)[name] = state.Paging{Style: style}
	return nil
}
