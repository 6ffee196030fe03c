package validator

import "go.yaml.in/yaml/v4"

// NodeValue is the value of key in the mapping n of a spec's node tree (as
// Spec.Document and ParsedDocument's SpecInfo give it); nil when n is not a
// mapping or has no such key. Keys compare exactly, as JSON's do.
func NodeValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
