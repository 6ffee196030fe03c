//go:build unix

// The README is tested: every shell block of README.md is either run by this
// test or marked as not runnable, and what a run block shows is what the
// commands print.
//
// Marker convention. Put an HTML comment on the line right before the fence
// (GitHub does not render it):
//
//	<!-- readme-test: run; ports 4011; before mockd serve --spec fixtures/bookstore.yaml --port 4011 & -->
//	<!-- readme-test: skip synopsis: brackets mark optional flags -->
//	<!-- readme-test: file examples/ci/github-actions.yml -->
//	<!-- readme-test: save contract.yaml; check contract check --spec fixtures/contract/api.yaml --config contract.yaml fixtures/contract/clean -->
//
// Directives are separated by `;` (so a command in a marker has none):
//   - run: run the block as a terminal transcript (below).
//   - skip REASON: do not run it, and say why (installs, synopses, make targets).
//   - file PATH: the block must be exactly the content of PATH (any language).
//   - save NAME; check CMD …: for a file shown inline (a rule file, a config):
//     the block is written to NAME in a fresh directory and each check command
//     (repeatable) must exit 0 there, like a `$ ` command with no output shown.
//   - ports N M …: with run or save, each listed port number is replaced, in the commands
//     and in the output, by a free loopback port the test picks, so the README
//     can show fixed ports (4010 is `make run`'s) while tests run in parallel.
//   - before CMD: with run, a command run first whose output is not shown (a
//     server the prose says is already running); repeatable.
//   - checkout: with run, the block runs in the repository itself instead of
//     a directory holding fixtures/ (so it must not write there), with GOBIN
//     set to a directory of the block: for `make install`.
//
// Every fenced block tagged sh, shell, bash, console or zsh, or untagged, needs
// a run or skip marker (or file); other languages (yaml, json, go) may have a
// file or save marker.
//
// A run block is a transcript: a line starting with `$ ` is a command (a
// trailing `\` continues it on the next line, as in bash); the lines after it,
// up to the next `$ `, are output it must print, in that order, each compared
// with trimmed output lines. Other output lines may come between them (the README
// shows what matters: the status line, not the Date header), blank lines and
// lines that are only `…` are ignored, and `…` inside a line matches anything.
// Every command must exit 0: to show a failure, write `cmd || echo "exit $?"`
// and show `exit N`. A command ending in `&` runs in the background, must have
// `--port N` (the test waits until it listens) and shows no output; background
// commands get SIGTERM when the block ends, and `kill %1`, `wait %1` work.
//
// How a block runs: one bash process per block, in a fresh temporary directory
// holding a copy of fixtures/, with freshly built `mockd` and `contract` first
// on PATH, no proxy for loopback, and curl configured (CURL_HOME) without its
// progress meter, as in a terminal. Blocks do not share servers or files. A
// block has two minutes.
package readmetest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// readme is README.md, read when the tree of specs is built.
type readme struct {
	Root   string
	Text   string
	Blocks []block
	Err    error // reading README.md failed
	Marks  error // a marker does not parse
}

func loadReadme() readme {
	root, err := moduleRoot()
	if err != nil {
		return readme{Err: err}
	}
	text, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return readme{Root: root, Err: fmt.Errorf("readme test: %w", err)}
	}
	blocks, err := parseMarkdown(string(text))
	return readme{Root: root, Text: string(text), Blocks: blocks, Marks: err}
}

var _ = Describe("README.md", func() {
	doc := loadReadme()

	It("marks every shell block: run, skip with a reason, or file", func() {
		Expect(doc.Err).NotTo(HaveOccurred())
		Expect(doc.Marks).NotTo(HaveOccurred())
		Expect(markerProblems(doc.Blocks)).To(BeEmpty())
	})

	It("runs the commands of every section that shows them", func() {
		Expect(doc.Err).NotTo(HaveOccurred())
		ran := map[string]bool{}
		for _, b := range doc.Blocks {
			if b.Marker != nil && b.Marker.Run {
				ran[b.Section] = true
			}
		}
		for _, prefix := range []string{"Quick start", "Choosing a response", "Recording and playback",
			"Recipe 1", "Recipe 3", "Contract checks in CI"} {
			Expect(ran).To(HaveKey(HavePrefix(prefix)), "no run block in the section %q", prefix)
		}
	})

	for _, b := range doc.Blocks {
		if b.Marker == nil {
			continue
		}
		switch {
		case b.Marker.Run:
			It(fmt.Sprintf("runs the block at README.md:%d (%s) and prints what it shows", b.Line, b.Section), func(ctx SpecContext) {
				steps, err := parseTranscript(b)
				Expect(err).NotTo(HaveOccurred())
				problems, err := runBlock(ctx, env, b.Marker, steps, nil)
				Expect(err).NotTo(HaveOccurred())
				Expect(problems).To(BeEmpty())
			}, SpecTimeout(blockTimeout+30*time.Second))
		case b.Marker.Save != "":
			It(fmt.Sprintf("accepts the %s shown at README.md:%d", b.Marker.Save, b.Line), func(ctx SpecContext) {
				var steps []step
				for _, c := range b.Marker.Check {
					steps = append(steps, step{Line: b.Marker.Line, Cmd: c})
				}
				files := map[string]string{b.Marker.Save: strings.Join(b.Body, "\n") + "\n"}
				problems, err := runBlock(ctx, env, b.Marker, steps, files)
				Expect(err).NotTo(HaveOccurred())
				Expect(problems).To(BeEmpty())
			}, SpecTimeout(blockTimeout+30*time.Second))
		case b.Marker.File != "":
			It(fmt.Sprintf("shows %s as it is (README.md:%d)", b.Marker.File, b.Line), func() {
				want, err := os.ReadFile(filepath.Join(doc.Root, b.Marker.File))
				Expect(err).NotTo(HaveOccurred(), "README.md:%d cites %s", b.Line, b.Marker.File)
				Expect(strings.Join(b.Body, "\n")).To(Equal(strings.TrimRight(string(want), "\n")),
					"README.md:%d must show %s unchanged (copy the file into the block)", b.Line, b.Marker.File)
			})
		}
	}

	It("lists every problem type mockd and contract produce", func() {
		Expect(doc.Err).NotTo(HaveOccurred())
		types, err := problemTypes(doc.Root)
		Expect(err).NotTo(HaveOccurred())
		Expect(types).NotTo(BeEmpty())
		var missing []string
		for _, t := range types {
			if !strings.Contains(doc.Text, "`"+t+"`") && !strings.Contains(doc.Text, "urn:mockd:problem:"+t) {
				missing = append(missing, t)
			}
		}
		Expect(missing).To(BeEmpty(), "README.md does not name these urn:mockd:problem: types the code produces")
	})

	It("cites only repository paths that exist", func() {
		Expect(doc.Err).NotTo(HaveOccurred())
		var missing []string
		for _, p := range citedPaths(doc.Text) {
			if _, err := os.Stat(filepath.Join(doc.Root, p)); err != nil {
				missing = append(missing, p)
			}
		}
		Expect(missing).To(BeEmpty(), "README.md cites these paths, which are not in the repository")
	})
})

// markerProblems lists shell blocks without a marker and markers that do not
// fit their block.
func markerProblems(blocks []block) []string {
	var problems []string
	for _, b := range blocks {
		where := fmt.Sprintf("README.md:%d (%s, ```%s)", b.Line, b.Section, b.Lang)
		switch {
		case b.Marker == nil && shellLangs[b.Lang]:
			problems = append(problems, where+": add <!-- readme-test: run … --> or <!-- readme-test: skip REASON --> on the line before the fence")
		case b.Marker == nil:
		case b.Marker.Run && !shellLangs[b.Lang]:
			problems = append(problems, where+": only shell blocks can be run")
		case b.Marker.Save != "" && shellLangs[b.Lang]:
			problems = append(problems, where+": a shell block is run, not saved")
		case !b.Marker.Run && b.Marker.Save == "" && len(b.Marker.Ports) > 0:
			problems = append(problems, where+": ports go with run or save")
		case !b.Marker.Run && len(b.Marker.Before) > 0:
			problems = append(problems, where+": before goes with run")
		case !b.Marker.Run && b.Marker.Checkout:
			problems = append(problems, where+": checkout goes with run")
		}
	}
	return problems
}

// problemLiteral finds the problem types in Go source.
var problemLiteral = regexp.MustCompile(`"urn:mockd:problem:([a-z0-9-]+)"`)

// problemTypes collects every urn:mockd:problem: type named in the
// repository's non-test Go files.
func problemTypes(root string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range problemLiteral.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("readme test: scanning Go files for problem types: %w", err)
	}
	var out []string
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// repoPath matches a backticked token that names a file or folder of this
// repository (a top-level folder, or the CI files people look for).
var repoPath = regexp.MustCompile("`((?:\\.github/|\\.gitlab-ci\\.yml|(?:fixtures|examples|cmd|mockserver|validator|recorder|fault|schemagen|scripts|internal)/)[^`\\s]*)`")

func citedPaths(text string) []string {
	var out []string
	for _, m := range repoPath.FindAllStringSubmatch(text, -1) {
		out = append(out, strings.TrimSuffix(m[1], "/"))
	}
	return out
}
