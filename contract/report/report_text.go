package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/validator"
)

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
)

func writeText(out io.Writer, r *contract.Result, opts Options) error {
	w := bufio.NewWriter(out)
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	fmt.Fprintf(w, "%s %s: %d interaction(s) checked", paint(ansiBold, "contract check"), r.Spec, r.Interactions-r.Ignored)
	if r.Ignored > 0 {
		fmt.Fprintf(w, ", %d ignored", r.Ignored)
	}
	fmt.Fprintf(w, "\n\n")
	for _, g := range r.Groups {
		writeTextFinding(w, g, paint)
	}
	writeTextCoverage(w, r.Coverage, paint)
	fmt.Fprintf(w, "\n%d error(s), %d warning(s), %d info across %d distinct finding(s)\n", r.Errors, r.Warnings, r.Infos, len(r.Groups))
	if g := r.Gate; g != nil {
		if len(g.MissingStatuses) > 0 {
			fmt.Fprintf(w, "Declared statuses never seen: %s\n", strings.Join(g.MissingStatuses, ", "))
		}
		if g.Passed {
			fmt.Fprintf(w, "%s\n", paint(ansiGreen+ansiBold, "PASS"))
		} else {
			fmt.Fprintf(w, "%s: %s\n", paint(ansiRed+ansiBold, "FAIL"), strings.Join(g.Failures, "; "))
		}
	}
	return w.Flush()
}

// writeTextFinding writes one group of identical findings.
func writeTextFinding(w io.Writer, g *contract.Group, paint func(code, s string) string) {
	f := &g.Finding
	sev := strings.ToUpper(string(f.Severity))
	switch f.Severity {
	case validator.SeverityError:
		sev = paint(ansiRed+ansiBold, sev)
	case validator.SeverityWarning:
		sev = paint(ansiYellow, sev)
	default:
		sev = paint(ansiCyan, sev)
	}
	fmt.Fprintf(w, "%s %s  %s", sev, f.Check, findingOperation(f))
	if g.Count > 1 {
		fmt.Fprintf(w, "  (×%d)", g.Count)
	}
	fmt.Fprintf(w, "\n  %s\n", findingText(f))
	if wh := findingWhere(f); wh != "" {
		fmt.Fprintf(w, "  at:   %s\n", wh)
	}
	if loc := specLocation(f); loc != "" {
		fmt.Fprintf(w, "  spec: %s %s\n", loc, paint(ansiDim, "#"+f.SpecPointer))
	} else if f.SpecPointer != "" {
		fmt.Fprintf(w, "  spec: #%s\n", f.SpecPointer)
	}
	if len(g.Occurrences) > 0 {
		srcs := make([]string, len(g.Occurrences))
		for i, s := range g.Occurrences {
			srcs[i] = sourceText(s)
		}
		more := ""
		if g.Count > len(g.Occurrences) {
			more = fmt.Sprintf(" and %d more", g.Count-len(g.Occurrences))
		}
		fmt.Fprintf(w, "  seen: %s%s\n", strings.Join(srcs, ", "), more)
	}
	if f.Hint != "" {
		fmt.Fprintf(w, "  hint: %s\n", f.Hint)
	}
	if f.Reproduce != "" {
		fmt.Fprintf(w, "  reproduce: %s\n", f.Reproduce)
	}
	fmt.Fprintln(w)
}

// writeTextCoverage writes the coverage matrix and the undocumented
// endpoints and statuses.
func writeTextCoverage(w io.Writer, cv *contract.Coverage, paint func(code, s string) string) {
	fmt.Fprintf(w, "%s operations %d/%d (%.1f%%), statuses %d/%d\n", paint(ansiBold, "Coverage:"),
		cv.OperationsSeen, cv.OperationsTotal, cv.Percent, cv.StatusesSeen, cv.StatusesTotal)
	for _, oc := range cv.Operations {
		for _, rc := range oc.Responses {
			mark := "✓"
			if rc.Count == 0 {
				mark = paint(ansiYellow, "·")
			}
			mt := rc.MediaType
			if mt == "" {
				mt = "-"
			}
			if !rc.Declared {
				mt += " (undeclared)"
			}
			fmt.Fprintf(w, "  %s %-14s %-7s %-20s %-8s %-28s %d\n", mark, oc.OperationID, oc.Method, oc.Path, rc.Status, mt, rc.Count)
		}
	}
	if len(cv.Undocumented) > 0 {
		fmt.Fprintf(w, "%s\n", paint(ansiBold, "Undocumented endpoints:"))
		for _, e := range cv.Undocumented {
			fmt.Fprintf(w, "  %s %s (×%d)\n", e.Method, e.Path, e.Count)
		}
	}
	if len(cv.UndocumentedStatuses) > 0 {
		fmt.Fprintf(w, "%s\n", paint(ansiBold, "Undocumented statuses:"))
		for _, s := range cv.UndocumentedStatuses {
			fmt.Fprintf(w, "  %s %s %s → %d (×%d)\n", s.OperationID, s.Method, s.Path, s.Status, s.Count)
		}
	}
}

func writeJSON(w io.Writer, r *contract.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
