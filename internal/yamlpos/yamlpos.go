package yamlpos

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Position is a place in a YAML or JSON file (1-based line and column).
type Position struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// At is the position of n in file.
func At(file string, n *yaml.Node) Position {
	return Position{File: file, Line: n.Line, Col: n.Column}
}

// String renders FILE:LINE:COL (FILE:LINE without a column, FILE alone
// without a line).
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one problem at a place in a file, with the fix.
type Error struct {
	Pos  Position
	Msg  string
	Hint string
}

// Error renders FILE:LINE:COL: reason (fix: hint).
func (e *Error) Error() string {
	s := e.Pos.String() + ": " + e.Msg
	if e.Hint != "" {
		s += " (fix: " + e.Hint + ")"
	}
	return s
}

// maxQuoted bounds how much of a scalar Describe quotes.
const maxQuoted = 40

// Describe names what a node is, for messages such as "must be a list, not
// %s": "a mapping", "a list", "null", or the scalar's value quoted (cut at
// 40 bytes).
func Describe(n *yaml.Node) string {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < 64; hops++ {
		n = n.Alias
	}
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		v := n.Value
		if len(v) > maxQuoted {
			v = strings.ToValidUTF8(v[:maxQuoted], "") + "…"
		}
		return fmt.Sprintf("the value %q", v)
	case yaml.DocumentNode, yaml.AliasNode:
	}
	return "a YAML document"
}
