package yamlpos_test

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/internal/yamlpos"
)

// walk parses src and walks its top mapping with the keys a, b and retry,
// the list under "items" and the integer under "n"; it returns every
// problem, one per line.
func walk(t *testing.T, src string, max int) (string, map[string]string) {
	t.Helper()
	w := &yamlpos.Walker{File: "w.yaml", Max: max}
	seen := map[string]string{}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		w.Syntax(err)
	} else {
		w.Mapping(doc.Content[0], "the file", []string{"a", "b", "retry", "items", "n"}, func(key string, _, v *yaml.Node) {
			switch key {
			case "items":
				w.List(v, "items", func(it *yaml.Node) {
					s, _ := w.Scalar(it, "an item")
					seen[key] += s
				})
			case "n":
				var n int
				if w.Decode(v, &n, "n", "a whole number such as 3") {
					seen[key] = v.Value
				}
			default:
				seen[key] = v.Value
			}
		})
	}
	lines := make([]string, len(w.Errs))
	for i, e := range w.Errs {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n"), seen
}

func TestWalker(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"clean", "a: 1\nitems: [x, y]\nn: 3\n", ""},
		{"unknown key, near one", "a: 1\nretyr: 2\n",
			`w.yaml:2:1: unknown key "retyr" in the file (fix: allowed keys: a, b, retry, items, n; did you mean "retry"?)`},
		{"unknown key, none near", "zzzzzz: 1\n",
			`w.yaml:1:1: unknown key "zzzzzz" in the file (fix: allowed keys: a, b, retry, items, n)`},
		{"a one-letter key is not corrected", "c: 1\n",
			`w.yaml:1:1: unknown key "c" in the file (fix: allowed keys: a, b, retry, items, n)`},
		{"duplicate key", "a: 1\na: 2\n", `w.yaml:2:1: duplicate key "a" in the file (fix: remove one of them)`},
		{"not a mapping", "[1]\n", "w.yaml:1:1: the file must be a mapping, not a list (fix: write the file as `key: value` pairs)"},
		{"non-scalar key", "? [a]\n: 1\n", "w.yaml:1:3: keys in the file must be plain names (fix: use plain names as keys)"},
		{"alias value", "a: &x 1\nb: *x\n", "w.yaml:2:4: YAML aliases are not supported here (fix: repeat the value instead of using an alias)"},
		{"not a list", "items: 5\n", "w.yaml:1:8: items must be a list, not the value \"5\" (fix: write `items:` followed by `- ...` items)"},
		{"list item not a scalar", "items: [[1]]\n", "w.yaml:1:9: an item must be a single value, not a list (fix: give a single value)"},
		{"decode: wrong value", "n: x\n", `w.yaml:1:4: n "x" is not valid (fix: give a whole number such as 3)`},
		{"decode: not a scalar", "n: {a: 1}\n", "w.yaml:1:4: n must be a single value, not a mapping (fix: give a whole number such as 3)"},
		{"syntax error at its line", "a: 1\n  b: c\n", "w.yaml:2:1: invalid YAML: mapping values are not allowed in this context (fix: check indentation and quoting near this line)"},
		{"every problem, in order", "x: 1\ny: 2\n", "w.yaml:1:1: unknown key \"x\" in the file (fix: allowed keys: a, b, retry, items, n)\n" +
			"w.yaml:2:1: unknown key \"y\" in the file (fix: allowed keys: a, b, retry, items, n)"},
	}
	for _, c := range cases {
		if got, _ := walk(t, c.src, 0); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	if got, _ := walk(t, "x: 1\ny: 2\nz: 3\n", 2); strings.Count(got, "\n") != 1 {
		t.Errorf("Max 2 kept:\n%s", got)
	}
	if _, seen := walk(t, "a: 1\nitems: [x, y]\n", 0); seen["a"] != "1" || seen["items"] != "xy" {
		t.Errorf("values not visited: %v", seen)
	}
}

func TestWalkerFailWithoutNode(t *testing.T) {
	w := &yamlpos.Walker{File: "w.yaml"}
	w.Fail(nil, "start with `a:`", "empty file")
	var e *yamlpos.Error
	if len(w.Errs) != 1 || !errors.As(error(w.Errs[0]), &e) || e.Error() != "w.yaml:1:1: empty file (fix: start with `a:`)" {
		t.Fatalf("got %v", w.Errs)
	}
}

func TestWalkResolvesOldNames(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("colour: red\ncolor: blue\n"), &doc); err != nil {
		t.Fatal(err)
	}
	w := &yamlpos.Walker{File: "w.yaml"}
	resolve := func(k string) (string, bool) {
		if k == "colour" {
			return "color", true
		}
		return k, k == "color"
	}
	var got []string
	w.Walk(doc.Content[0], "paint", []string{"color"}, resolve, func(key string, _, v *yaml.Node) { got = append(got, key+"="+v.Value) })
	if strings.Join(got, ",") != "color=red" || len(w.Errs) != 1 ||
		w.Errs[0].Error() != `w.yaml:2:1: keys "colour" and "color" in paint name the same thing (fix: remove one of them)` {
		t.Fatalf("visited %v, problems %v", got, w.Errs)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"latency", "status", "retry_after", "reset"}
	cases := map[string]string{"latnecy": "latency", "Status": "status", "retry-after": "retry_after", "rest": "reset", "boom": "", "": ""}
	for in, want := range cases {
		if got := yamlpos.Suggest(in, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
