package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/validator"
)

// maxMarkdownRows bounds the findings table of a PR comment.
const maxMarkdownRows = 50

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "`", "'")
}

// writeMarkdown writes a PR comment: verdict, counts, findings table and
// the coverage matrix in a collapsed section.
func writeMarkdown(out io.Writer, r *contract.Result) error {
	w := bufio.NewWriter(out)
	verdict := "✅ passed"
	if r.Gate != nil && !r.Gate.Passed || r.Gate == nil && r.Errors > 0 {
		verdict = "❌ failed"
	}
	cv := r.Coverage
	fmt.Fprintf(w, "## Contract check %s\n\n", verdict)
	fmt.Fprintf(w, "`%s` · **%d** interactions · **%d** errors · **%d** warnings · **%d** info · operation coverage **%.1f%%** (%d/%d) · statuses %d/%d\n\n",
		r.Spec, r.Interactions-r.Ignored, r.Errors, r.Warnings, r.Infos, cv.Percent, cv.OperationsSeen, cv.OperationsTotal, cv.StatusesSeen, cv.StatusesTotal)
	if r.Gate != nil && len(r.Gate.Failures) > 0 {
		for _, f := range r.Gate.Failures {
			fmt.Fprintf(w, "- %s\n", mdEscape(f))
		}
		fmt.Fprintln(w)
	}
	if len(r.Groups) > 0 {
		fmt.Fprintf(w, "| | Check | Operation | Count | Finding | Spec | First seen |\n|---|---|---|---|---|---|---|\n")
		for i, g := range r.Groups {
			if i == maxMarkdownRows {
				fmt.Fprintf(w, "\n…and %d more finding(s): see the full report.\n", len(r.Groups)-maxMarkdownRows)
				break
			}
			f := &g.Finding
			icon := "🔴"
			switch f.Severity {
			case validator.SeverityWarning:
				icon = "🟡"
			case validator.SeverityInfo:
				icon = "🔵"
			default:
			}
			msg := findingText(f)
			if wh := findingWhere(f); wh != "" {
				msg += " (" + wh + ")"
			}
			first := ""
			if len(g.Occurrences) > 0 {
				first = sourceText(g.Occurrences[0])
			}
			fmt.Fprintf(w, "| %s | `%s` | %s | %d | %s | %s | %s |\n", icon, f.Check, mdEscape(findingOperation(f)), g.Count, mdEscape(msg), mdEscape(specLocation(f)), mdEscape(first))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "<details><summary>Coverage: operation × status × media type</summary>\n\n| Operation | Method | Path | Status | Media type | Count |\n|---|---|---|---|---|---|\n")
	for _, oc := range cv.Operations {
		for _, rc := range oc.Responses {
			mt := rc.MediaType
			if mt == "" {
				mt = "–"
			}
			if !rc.Declared {
				mt += " (undeclared)"
			}
			count := fmt.Sprint(rc.Count)
			if rc.Count == 0 {
				count = "**0**"
			}
			fmt.Fprintf(w, "| %s | %s | `%s` | %s | %s | %s |\n", mdEscape(oc.OperationID), oc.Method, mdEscape(oc.Path), rc.Status, mdEscape(mt), count)
		}
	}
	fmt.Fprintf(w, "\n</details>\n")
	if len(cv.Undocumented) > 0 || len(cv.UndocumentedStatuses) > 0 {
		fmt.Fprintf(w, "\n**Undocumented:**\n\n")
		for _, e := range cv.Undocumented {
			fmt.Fprintf(w, "- `%s %s` ×%d\n", e.Method, mdEscape(e.Path), e.Count)
		}
		for _, s := range cv.UndocumentedStatuses {
			fmt.Fprintf(w, "- `%s` answered %d ×%d (not declared)\n", mdEscape(s.OperationID), s.Status, s.Count)
		}
	}
	return w.Flush()
}
