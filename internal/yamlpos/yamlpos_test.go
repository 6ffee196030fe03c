package yamlpos_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/internal/yamlpos"
)

func TestDescribe(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{a: 1}", "a mapping"},
		{"[1, 2]", "a list"},
		{"~", "null"},
		{"null", "null"},
		{"5", `the value "5"`},
		{"abc", `the value "abc"`},
		{strings.Repeat("x", 50), `the value "` + strings.Repeat("x", 40) + `…"`},
		{"a: &x [1]\nb: *x", "a list"}, // b's alias resolves to its anchor
	}
	for _, c := range cases {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(c.src), &doc); err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		n := doc.Content[0]
		if strings.HasPrefix(c.src, "a: &x") {
			n = n.Content[3]
		}
		if got := yamlpos.Describe(n); got != c.want {
			t.Errorf("Describe(%q) = %s, want %s", c.src, got, c.want)
		}
	}
	if got := yamlpos.Describe(nil); got != "nothing" {
		t.Errorf("Describe(nil) = %s", got)
	}
}

func TestError(t *testing.T) {
	cases := []struct {
		err  yamlpos.Error
		want string
	}{
		{yamlpos.Error{Pos: yamlpos.Position{File: "f.yaml", Line: 3, Col: 7}, Msg: "bad", Hint: "fix it"}, "f.yaml:3:7: bad (fix: fix it)"},
		{yamlpos.Error{Pos: yamlpos.Position{File: "f.yaml", Line: 3}, Msg: "bad"}, "f.yaml:3: bad"},
		{yamlpos.Error{Pos: yamlpos.Position{File: "f.yaml"}, Msg: "bad"}, "f.yaml: bad"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	n := &yaml.Node{Line: 2, Column: 4}
	if got := yamlpos.At("x.yaml", n).String(); got != "x.yaml:2:4" {
		t.Errorf("At = %s", got)
	}
}
