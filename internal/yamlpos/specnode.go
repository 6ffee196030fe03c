package yamlpos

import yamlv4 "go.yaml.in/yaml/v4"

// SpecValue is the value of key in the mapping n of a spec's node tree
// (go.yaml.in/yaml/v4 nodes, as libopenapi parses specs); nil when n is not
// a mapping or has no such key.
func SpecValue(n *yamlv4.Node, key string) *yamlv4.Node {
	if n == nil || n.Kind != yamlv4.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
