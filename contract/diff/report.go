package diff

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mockd/mockd/contract/report"
)

// Formats lists the formats Write writes.
func Formats() []string { return []string{"text", "json", "markdown", "sarif"} }

// maxUsers is how many operations a text or Markdown line names before
// "and N more".
const maxUsers = 3

// Write renders r in format (one of Formats); toolVersion goes into SARIF.
func Write(w io.Writer, format string, r *Result, toolVersion string) error {
	var err error
	switch format {
	case "text":
		err = writeText(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(r)
	case "markdown":
		err = writeMarkdown(w, r)
	case "sarif":
		err = writeSARIF(w, r, toolVersion)
	default:
		return fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("write %s diff report: %w", format, err)
	}
	return nil
}

// Summary is one line: the two specs and the counts per class.
func (r *Result) Summary() string {
	return fmt.Sprintf("%s → %s: %d breaking for clients, %d breaking for callers, %d non-breaking",
		r.Old, r.New, r.Count(BreakingForClients), r.Count(BreakingForCallers), r.Count(NonBreaking))
}

// Subject is what a finding is about: its operation, or the operations
// using its component (the first few), or the component.
func (f *Finding) Subject() string {
	if f.Operation != nil {
		return f.Operation.String()
	}
	if len(f.UsedBy) == 0 {
		return f.Component
	}
	names := make([]string, 0, maxUsers)
	for i, o := range f.UsedBy {
		if i == maxUsers {
			names = append(names, fmt.Sprintf("and %d more", len(f.UsedBy)-maxUsers))
			break
		}
		names = append(names, o.String())
	}
	return strings.Join(names, ", ")
}

// writeText lists the breaking findings, one block each, and counts the
// non-breaking ones per id.
func writeText(w io.Writer, r *Result) error {
	var b strings.Builder
	b.WriteString("contract diff " + r.Summary() + "\n")
	for _, class := range []Class{BreakingForClients, BreakingForCallers} {
		if r.Count(class) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", class)
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Class != class {
				continue
			}
			fmt.Fprintf(&b, "  %s  %s\n    %s", f.ID, f.Subject(), f.Message)
			if f.Where != "" {
				fmt.Fprintf(&b, " (%s)", f.Where)
			}
			b.WriteString("\n")
			if locs := f.locations(); locs != "" {
				b.WriteString("    " + locs + "\n")
			}
		}
	}
	if counts := nonBreakingCounts(r); len(counts) > 0 {
		b.WriteString("\nnon-breaking: " + strings.Join(counts, ", ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// locations is "old FILE:L:C → new FILE:L:C" (either side may be absent).
func (f *Finding) locations() string {
	var parts []string
	if f.Old != nil {
		parts = append(parts, "old "+f.Old.String())
	}
	if f.New != nil {
		parts = append(parts, "new "+f.New.String())
	}
	return strings.Join(parts, " → ")
}

func nonBreakingCounts(r *Result) []string {
	counts := map[string]int{}
	for i := range r.Findings {
		if r.Findings[i].Class == NonBreaking {
			counts[r.Findings[i].ID]++
		}
	}
	out := make([]string, 0, len(counts))
	for _, id := range sortedKeys(counts) {
		out = append(out, fmt.Sprintf("%s %d", id, counts[id]))
	}
	return out
}

func writeMarkdown(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## contract diff\n\n`%s` → `%s`: **%d breaking for clients**, **%d breaking for callers**, %d non-breaking\n",
		r.Old, r.New, r.Count(BreakingForClients), r.Count(BreakingForCallers), r.Count(NonBreaking))
	if r.Breaking() > 0 {
		b.WriteString("\n| Class | Id | Operation | Change | Where | Old | New |\n|---|---|---|---|---|---|---|\n")
		for i := range r.Findings {
			f := &r.Findings[i]
			if !f.Class.Breaking() {
				continue
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s | %s |\n", f.Class, f.ID, cell(f.Subject()), cell(f.Message),
				cell(f.Where), cell(f.Old.String()), cell(f.New.String()))
		}
	}
	if counts := nonBreakingCounts(r); len(counts) > 0 {
		b.WriteString("\nNon-breaking: " + strings.Join(counts, ", ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell escapes a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// writeSARIF writes one result per finding, on the new spec's line (the
// old one's for removals): breaking as errors, the rest as notes.
func writeSARIF(w io.Writer, r *Result, toolVersion string) error {
	driver := report.SARIFDriver{Name: "contract diff", InformationURI: "https://github.com/mockd/mockd", Version: toolVersion}
	ruleIndex := map[string]int{}
	ids := make([]string, 0)
	for i := range r.Findings {
		if _, ok := ruleIndex[r.Findings[i].ID]; !ok {
			ruleIndex[r.Findings[i].ID] = 0
			ids = append(ids, r.Findings[i].ID)
		}
	}
	sort.Strings(ids)
	for i, id := range ids {
		ruleIndex[id] = i
		driver.Rules = append(driver.Rules, report.SARIFRule{ID: id, ShortDescription: report.SARIFText{Text: id},
			DefaultConfig: report.SARIFDefault{Level: "error"}})
	}
	results := make([]report.SARIFResult, 0, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		level := "note"
		if f.Class.Breaking() {
			level = "error"
		}
		res := report.SARIFResult{RuleID: f.ID, RuleIndex: ruleIndex[f.ID], Level: level,
			Message:             report.SARIFText{Text: fmt.Sprintf("%s: %s (%s, %s)", f.Subject(), f.Message, f.Where, f.Class)},
			PartialFingerprints: map[string]string{"contractDiff/v1": f.fingerprint()},
			Properties:          map[string]any{"class": f.Class, "component": f.Component, "where": f.Where}}
		if loc := f.New; loc != nil || f.Old != nil {
			if loc == nil {
				loc = f.Old
			}
			res.Locations = []report.SARIFLocation{{PhysicalLocation: report.SARIFPhysical{
				ArtifactLocation: report.SARIFArtifact{URI: filepath.ToSlash(r.workingPath(loc.File))},
				Region:           &report.SARIFRegion{StartLine: max(loc.Line, 1), StartColumn: loc.Col}}}}
		}
		results = append(results, res)
	}
	return report.EncodeSARIF(w, driver, results)
}

// workingPath is the working-tree file of a location's spec (for
// REF:PATH sources, PATH): code scanning places results on files of the
// checked-out tree.
func (r *Result) workingPath(file string) string {
	if p, ok := r.paths[file]; ok {
		return p
	}
	return file
}

func (f *Finding) fingerprint() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{f.ID, f.Subject(), f.Component, f.Where, f.Message}, "\x00")))
	return hex.EncodeToString(sum[:16])
}
