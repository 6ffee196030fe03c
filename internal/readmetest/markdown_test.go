package readmetest

import (
	"fmt"
	"regexp"
	"strings"
)

// block is one fenced code block of a Markdown file.
type block struct {
	Line    int      // 1-based line of the opening fence
	Lang    string   // the fence's info string ("" when untagged)
	Section string   // the nearest heading above it
	Marker  *marker  // the readme-test marker right before it, or nil
	Body    []string // the lines between the fences
}

// marker is a parsed `<!-- readme-test: ... -->` comment.
type marker struct {
	Line   int
	Run    bool
	Skip   string   // the reason, when the block is not run
	Ports  []string // port numbers the test replaces with free ones
	Before []string // commands run before the block, output unchecked
	File   string   // the block must equal this file of the repository
	Save   string   // the block is written to this file and the Check commands run
	Check  []string // with save: commands that must exit 0 with the file in place
	// Checkout runs the block in the repository itself (it must not write
	// there) with GOBIN set to a directory of the block, so `make install`
	// installs nowhere else.
	Checkout bool
}

// shellLangs are the fence languages that must carry a marker ("" is an
// untagged fence: it usually shows commands too).
var shellLangs = map[string]bool{"": true, "sh": true, "shell": true, "bash": true, "console": true, "zsh": true}

const markerPrefix = "<!-- readme-test:"

// parseMarkdown splits a Markdown document into its fenced blocks, each with
// its section and marker. Marker syntax errors are returned with their line.
func parseMarkdown(text string) ([]block, error) {
	lines := strings.Split(text, "\n")
	var (
		blocks  []block
		errs    []string
		section string
		pending *marker // the marker on the last non-blank line, if any
		open    *block
	)
	for i, raw := range lines {
		line := strings.TrimRight(raw, " \t\r")
		if open != nil {
			if strings.TrimSpace(line) == "```" {
				blocks = append(blocks, *open)
				open = nil
				continue
			}
			open.Body = append(open.Body, line)
			continue
		}
		switch {
		case strings.HasPrefix(line, "```"):
			open = &block{Line: i + 1, Lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), Section: section, Marker: pending}
			pending = nil
		case strings.HasPrefix(strings.TrimSpace(line), markerPrefix):
			m, err := parseMarker(strings.TrimSpace(line), i+1)
			if err != nil {
				errs = append(errs, err.Error())
			}
			pending = m
		case strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
			pending = nil
		case strings.TrimSpace(line) != "":
			pending = nil
		}
	}
	if open != nil {
		errs = append(errs, fmt.Sprintf("README.md:%d: the code fence is never closed", open.Line))
	}
	if len(errs) > 0 {
		return blocks, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return blocks, nil
}

// parseMarker reads `<!-- readme-test: DIRECTIVE; DIRECTIVE ... -->`.
func parseMarker(line string, lineNo int) (*marker, error) {
	m := &marker{Line: lineNo}
	body, ok := strings.CutSuffix(strings.TrimPrefix(line, markerPrefix), "-->")
	if !ok {
		return m, fmt.Errorf("README.md:%d: a readme-test marker must end with --> on the same line", lineNo)
	}
	directives := strings.Split(body, ";")
directives:
	for i, d := range directives {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		word, arg, _ := strings.Cut(d, " ")
		word, arg = strings.TrimSuffix(word, ":"), strings.TrimSpace(arg)
		if word == "skip" { // the reason is the rest of the marker, semicolons included
			arg = strings.TrimSpace(strings.Join(append([]string{arg}, directives[i+1:]...), ";"))
		}
		switch word {
		case "run":
			m.Run = true
		case "skip":
			if arg == "" {
				return m, fmt.Errorf("README.md:%d: `skip` needs a reason (skip: why this block cannot run)", lineNo)
			}
			m.Skip = arg
			break directives
		case "ports":
			m.Ports = strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || r == ' ' })
		case "before":
			m.Before = append(m.Before, arg)
		case "file":
			m.File = arg
		case "save":
			m.Save = arg
		case "check":
			m.Check = append(m.Check, arg)
		case "checkout":
			m.Checkout = true
		default:
			return m, fmt.Errorf("README.md:%d: unknown readme-test directive %q (known: run, skip, file, save, check, ports, before, checkout)", lineNo, word)
		}
	}
	n := 0
	for _, set := range []bool{m.Run, m.Skip != "", m.File != "", m.Save != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return m, fmt.Errorf("README.md:%d: a readme-test marker needs exactly one of run, skip REASON, file PATH or save NAME", lineNo)
	}
	if m.Save != "" && (len(m.Check) == 0 || strings.ContainsAny(m.Save, "/\\")) {
		return m, fmt.Errorf("README.md:%d: save needs a plain file name and at least one check command", lineNo)
	}
	if m.Save == "" && len(m.Check) > 0 {
		return m, fmt.Errorf("README.md:%d: check goes with save", lineNo)
	}
	return m, nil
}

// step is one `$ ` command of a transcript and the output shown under it.
type step struct {
	Line int      // README line of the `$ ` prompt
	Cmd  string   // the command (continuation lines joined with newlines)
	Want []string // expected output lines, trimmed; blank and `…` lines dropped
}

// parseTranscript reads a run block: `$ ` starts a command, a trailing `\`
// continues it on the next line, and every other line is output that the
// command must print.
func parseTranscript(b block) ([]step, error) {
	var steps []step
	cont := false
	for i, line := range b.Body {
		lineNo := b.Line + 1 + i
		switch {
		case cont:
			s := &steps[len(steps)-1]
			s.Cmd += "\n" + line
			cont = strings.HasSuffix(line, `\`)
		case strings.HasPrefix(line, "$ "):
			steps = append(steps, step{Line: lineNo, Cmd: strings.TrimPrefix(line, "$ ")})
			cont = strings.HasSuffix(line, `\`)
		case len(steps) == 0:
			if strings.TrimSpace(line) != "" {
				return nil, fmt.Errorf("README.md:%d: a run block starts with a `$ ` command, not %q", lineNo, line)
			}
		default:
			want := strings.TrimSpace(line)
			if want != "" && want != "…" {
				steps[len(steps)-1].Want = append(steps[len(steps)-1].Want, want)
			}
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("README.md:%d: a run block needs at least one `$ ` command", b.Line)
	}
	return steps, nil
}

// stripComment removes a trailing shell comment (a `#` that starts a word
// outside quotes) and surrounding blanks.
func stripComment(cmd string) string {
	var quote rune
	prev := ' '
	for i, r := range cmd {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			return strings.TrimSpace(cmd[:i])
		}
		prev = r
	}
	return strings.TrimSpace(cmd)
}

// background reports whether cmd ends with a single `&`, and returns it
// without the `&` and its comment.
func background(cmd string) (string, bool) {
	c := stripComment(cmd)
	if strings.HasSuffix(c, "&") && !strings.HasSuffix(c, "&&") {
		return strings.TrimSpace(strings.TrimSuffix(c, "&")), true
	}
	return c, false
}

// portFlag finds the port a background command listens on.
var portFlag = regexp.MustCompile(`--port[= ](\d+)`)

// normalizeCmd joins continuation lines and collapses blanks, so a command
// can be compared with one written elsewhere (a CI file).
func normalizeCmd(cmd string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(stripComment(cmd), "\\\n", " ")), " ")
}

// lineMatches compares one expected line with one line of output, both
// trimmed: equal, or — when the expected line holds `…` — the pieces between
// the ellipses appear in order, the first at the start and the last at the end.
func lineMatches(want, got string) bool {
	parts := strings.Split(want, "…")
	if len(parts) == 1 {
		return want == got
	}
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	rest := got[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// matchOutput checks that the expected lines appear in order in the output
// (other lines may come between). It returns the first expected line that
// is missing, or "" when all are there.
func matchOutput(want []string, output string) string {
	var got []string
	for _, l := range strings.Split(output, "\n") {
		got = append(got, strings.TrimSpace(l))
	}
	j := 0
	for _, w := range want {
		for j < len(got) && !lineMatches(w, got[j]) {
			j++
		}
		if j == len(got) {
			return w
		}
		j++
	}
	return ""
}
