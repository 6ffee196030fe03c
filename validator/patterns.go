package validator

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"
)

// uncheckedPattern stands for a `pattern` that no regex engine here can
// compile (e.g. AWS's `\A\S[\p{Print}]*\z`, which is not ECMA-262): it
// matches every string, so the rest of the schema is still checked instead
// of every request failing with "schema compilation failed". The spec's
// load warnings name each such pattern once (invalidPatternWarnings).
type uncheckedPattern struct{ pattern string }

// MatchString accepts every string.
func (u uncheckedPattern) MatchString(string) bool { return true }

// String returns the pattern as written in the spec.
func (u uncheckedPattern) String() string { return u.pattern }

// lenient is the regex engine given to the schema compiler: the usual
// engines (compile), or an unchecked pattern when none accepts it.
func (e *regexEngine) lenient(pattern string) (jsonschema.Regexp, error) {
	if re, err := e.compile(pattern); err == nil {
		return re, nil
	}
	return uncheckedPattern{pattern: pattern}, nil
}

// invalidPatternWarnings walks the document once and returns one warning
// per schema whose `pattern` cannot be compiled, naming the schema by its
// JSON pointer and line.
func invalidPatternWarnings(root *yaml.Node, pos *positions) []string {
	w := patternWalker{bad: map[string]string{}, pos: pos}
	w.walk(docRoot(root), "", "#", 0)
	return w.warnings
}

type patternWalker struct {
	bad      map[string]string // pattern → compile error ("" when it compiles)
	pos      *positions        // virtual node lines → the file's
	warnings []string
}

func (w *patternWalker) walk(n *yaml.Node, parent, ptr string, depth int) {
	if n == nil || depth > maxBundleDepth {
		return
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.walk(c, parent, ptr+"/"+strconv.Itoa(i), depth+1)
		}
	case yaml.MappingNode:
		names := isNameMap(parent)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if !names && isData(k.Value) {
				continue
			}
			if !names && k.Value == "pattern" && v.Kind == yaml.ScalarNode {
				w.check(v, ptr)
				continue
			}
			w.walk(v, k.Value, ptr+"/"+EscapePointer(k.Value), depth+1)
		}
	default:
	}
}

func (w *patternWalker) check(v *yaml.Node, ptr string) {
	msg, seen := w.bad[v.Value]
	if !seen {
		if err := patternCompiles(v.Value); err != nil {
			msg = err.Error()
		}
		w.bad[v.Value] = msg
	}
	if msg == "" {
		return
	}
	line, _ := w.pos.file(v.Line, v.Column)
	w.warnings = append(w.warnings, fmt.Sprintf(
		"schema %s (line %d): pattern %q is not a regular expression mockd can run (%s): values are not checked against it (write it in ECMA-262 syntax)",
		ptr, line, v.Value, strings.TrimSpace(msg)))
}
