package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/mockserver/state"
	"github.com/mockd/mockd/validator"
)

// printBanner names every source mockd answers from: the spec, cassettes and
// what a miss does, the fault file and the fault header.
func (c *serveCommand) printBanner(spec *validator.Spec, srv *mockserver.Server, in *mockserver.Instance, loaded time.Duration) {
	w, base := c.stdout, in.URL
	if spec != nil {
		fmt.Fprintf(w, "mockd %s: serving %s (OpenAPI %s, %d operations, loaded in %s)\n",
			cli.BuildVersion(), c.spec, spec.Version, len(spec.Operations), loaded.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "mockd %s: replaying %s (loaded in %s)\n", cli.BuildVersion(), strings.Join(c.cassettes, ", "), loaded.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  listening on %s  (seed %d, dynamic %t, cors %t)\n", base, srv.Seed(), c.cfg.Dynamic, c.cfg.CORS)
	if len(c.cassettes) > 0 {
		onMiss := c.onMiss
		if onMiss == "" {
			onMiss = "error"
			if spec != nil {
				onMiss = "spec"
			}
		}
		line := fmt.Sprintf("  cassettes: %s (on miss: %s", strings.Join(c.cassettes, ", "), onMiss)
		if c.upstream != "" {
			line += ", upstream " + c.upstream
		}
		fmt.Fprintln(w, line+")")
	}
	if c.cfg.FaultFile != "" {
		fmt.Fprintf(w, "  faults: %s (%d rules, seed %d)\n", c.cfg.FaultFile, len(srv.Faults().Rules()), srv.Faults().Seed())
	}
	if c.cfg.FaultHeader {
		fmt.Fprintln(w, "  fault header: on (a request's X-Mockd-Fault header picks a fault)")
	}
	if spec != nil && len(spec.Disabled) > 0 {
		fmt.Fprintf(w, "  disabled by --lenient (broken $refs): %d operations\n", len(spec.Disabled))
		for _, d := range spec.Disabled {
			fmt.Fprintln(w, "    "+d.String())
		}
	}
	if st := srv.Store(); st != nil {
		printState(w, st, c.cfg.State)
	}
	fmt.Fprintf(w, "  admin: %s/__mockd/health, %s/__mockd/requests\n", in.AdminURL, in.AdminURL)
}

// printState lists the inferred resources with their operations and
// paging, and the operations left stateless with the reason.
func printState(w io.Writer, st *state.Store, sc mockserver.StateConfig) {
	line := fmt.Sprintf("  stateful: %d resources", len(st.Resources()))
	if sc.File != "" {
		line += " (state file " + sc.File + ")"
	}
	fmt.Fprintln(w, line)
	for _, r := range st.Resources() {
		kinds := make([]string, 0, len(r.Ops))
		for k := state.KindList; k <= state.KindDelete; k++ {
			if op := r.Ops[k]; op != nil {
				kinds = append(kinds, k.String()+"="+op.Method)
			}
		}
		_, set := sc.Paging[r.Name]
		fmt.Fprintf(w, "    %s: %s, %s {%s} (%s; paging %s)\n", r.Name, r.CollectionPath, r.ItemPath, r.IDParam, strings.Join(kinds, " "), describePaging(r.Paging, set))
	}
	if sl := st.Stateless(); len(sl) > 0 {
		fmt.Fprintf(w, "  stateless (answered from the spec): %d operations\n", len(sl))
		for _, s := range sl {
			fmt.Fprintf(w, "    %s %s: %s\n", s.Op.Method, s.Op.Path, s.Reason)
		}
	}
}

// describePaging says how a resource's list pages: the style, its query
// parameters, where the next cursor goes, and whether --paging set it.
func describePaging(p state.Paging, set bool) string {
	first := map[string]string{state.PageCursor: p.CursorParam, state.PagePage: p.PageParam, state.PageOffset: p.OffsetParam}[p.Style]
	var params []string
	for _, n := range []string{first, p.LimitParam} {
		if n != "" && p.Style != state.PageNone {
			params = append(params, n)
		}
	}
	out := p.Style
	if len(params) > 0 {
		out += " " + strings.Join(params, "+")
	}
	switch {
	case p.Style == state.PageCursor && p.NextField != "":
		out += ", next in " + p.NextField
	case p.Style == state.PageCursor:
		out += `, next in Link rel="next"`
	}
	if set {
		out += ", set by --paging"
	}
	return out
}
