package contract

import "go.yaml.in/yaml/v4"

// TreeRoot is the root of the document c locates findings in (nil when it
// locates none: a Swagger 2.0 spec).
func TreeRoot(c *Checker) *yaml.Node {
	if c.tree == nil {
		return nil
	}
	return c.tree.root
}

// Locate is the line and column c reports for a JSON pointer into the spec.
func Locate(c *Checker, pointer string) (line, col int) { return c.tree.locate(pointer) }
