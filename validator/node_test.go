package validator

import (
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestNodeValue(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("paths:\n  /a: {get: {}}\n  /A: {put: {}}\n"), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	if get := NodeValue(NodeValue(NodeValue(root, "paths"), "/a"), "get"); get == nil || get.Kind != yaml.MappingNode {
		t.Fatalf("paths./a.get = %v", get)
	}
	if NodeValue(NodeValue(NodeValue(root, "paths"), "/A"), "put") == nil {
		t.Fatal("/A found /a: keys must compare exactly")
	}
	if NodeValue(root, "servers") != nil || NodeValue(nil, "paths") != nil ||
		NodeValue(NodeValue(root, "paths").Content[0], "x") != nil {
		t.Fatal("a missing key, a nil node or a scalar gave a value")
	}
}
