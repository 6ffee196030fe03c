package state

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestApplyPatch covers RFC 7386 merge patches and RFC 6902 JSON patches,
// including their appendix examples' shapes and the errors.
func TestApplyPatch(t *testing.T) {
	cases := []struct {
		name, doc, patch, ctype, want, err string
	}{
		{"merge sets, deletes with null, merges nested", `{"a":"b","c":{"d":"e","f":"g"}}`, `{"a":"z","c":{"f":null}}`, "application/merge-patch+json", `{"a":"z","c":{"d":"e"}}`, ""},
		{"merge replaces arrays", `{"a":[1,2]}`, `{"a":[3]}`, "application/json", `{"a":[3]}`, ""},
		{"merge must be an object", `{"a":1}`, `[1]`, "application/json", "", "merge patch must be a JSON object"},
		{"json patch add, replace, remove", `{"a":1,"b":[1,2]}`, `[{"op":"add","path":"/c","value":3},{"op":"replace","path":"/a","value":2},{"op":"remove","path":"/b/0"}]`, JSONPatchType, `{"a":2,"b":[2],"c":3}`, ""},
		{"json patch append, move, copy, test", `{"a":{"x":1},"b":[1]}`, `[{"op":"add","path":"/b/-","value":2},{"op":"move","from":"/a/x","path":"/y"},{"op":"copy","from":"/b","path":"/c"},{"op":"test","path":"/y","value":1}]`, JSONPatchType, `{"a":{},"b":[1,2],"c":[1,2],"y":1}`, ""},
		{"json patch failed test", `{"a":1}`, `[{"op":"test","path":"/a","value":2}]`, JSONPatchType, "", "test /a failed"},
		{"json patch replace of a missing member", `{"a":1}`, `[{"op":"replace","path":"/b","value":2}]`, JSONPatchType, "", `no member "b"`},
		{"json patch unknown op", `{"a":1}`, `[{"op":"frob","path":"/a"}]`, JSONPatchType, "", `unknown op "frob"`},
		{"json patch escaped pointer", `{"a/b":1,"m~n":2}`, `[{"op":"remove","path":"/a~1b"},{"op":"replace","path":"/m~0n","value":3}]`, JSONPatchType, `{"m~n":3}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := decodeObject([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			got, err := applyPatch(doc, []byte(c.patch), c.ctype)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != c.want {
				t.Errorf("got %s, want %s", b, c.want)
			}
			if orig, _ := json.Marshal(doc); string(orig) != mustCompact(c.doc) {
				t.Errorf("the original changed: %s", orig)
			}
		})
	}
}

func mustCompact(s string) string {
	var v any
	_ = json.Unmarshal([]byte(s), &v)
	b, _ := json.Marshal(v)
	return string(b)
}
