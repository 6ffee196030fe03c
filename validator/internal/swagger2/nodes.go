package swagger2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxExpandedNodes bounds how many nodes a document may reach once its YAML
// aliases are expanded, so that an "alias bomb" fails instead of exhausting
// memory. Documents without aliases are never checked against it.
const maxExpandedNodes = 4 << 20

// utf8BOM is stripped from the start of the input.
const utf8BOM = "\xef\xbb\xbf"

// parseDocument parses data as YAML (JSON is YAML) into a node tree whose
// aliases and merge keys are resolved in place, and returns the root node of
// the first document.
func parseDocument(data []byte, file string) (root *yaml.Node, err error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	var doc yaml.Node
	if err := decodeYAML(data, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Problem: "the document is empty; expected a Swagger 2.0 object with swagger: \"2.0\""}
		}
		return nil, &Error{File: file, Problem: "the document is not valid YAML or JSON; fix the syntax error", Err: err}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{File: file, Problem: "the document is empty; expected a Swagger 2.0 object with swagger: \"2.0\""}
	}
	r := resolver{file: file, state: map[*yaml.Node]uint8{}}
	root = doc.Content[0]
	if root.Kind == yaml.AliasNode {
		return nil, r.errAt(root, "the document root is an alias; expected a mapping")
	}
	if err := r.resolve(root); err != nil {
		return nil, err
	}
	if r.aliases > 0 {
		if n := expandedSize(root, map[*yaml.Node]int{}); n > maxExpandedNodes {
			return nil, &Error{File: file, Line: root.Line, Column: root.Column,
				Problem: fmt.Sprintf("YAML aliases expand the document to more than %d nodes; inline fewer anchors", maxExpandedNodes)}
		}
	}
	return root, nil
}

// decodeYAML runs the yaml.v3 decoder, turning a panic inside the library
// into an error so that no input can crash the caller.
func decodeYAML(data []byte, doc *yaml.Node) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml parser failed: %v", p)
		}
	}()
	return yaml.NewDecoder(bytes.NewReader(data)).Decode(doc)
}

// resolver replaces alias nodes by the nodes they name (sharing, not
// copying), applies YAML merge keys, and rejects non-scalar mapping keys.
type resolver struct {
	file    string
	state   map[*yaml.Node]uint8 // 1 while being resolved, 2 when done
	aliases int
}

func (r *resolver) errAt(n *yaml.Node, problem string) error {
	return &Error{File: r.file, Line: n.Line, Column: n.Column, Problem: problem}
}

// target follows an alias chain to the node it names, resolving that node.
func (r *resolver) target(n *yaml.Node) (*yaml.Node, error) {
	for hops := 0; n.Kind == yaml.AliasNode; hops++ {
		if n.Alias == nil || hops > 64 {
			return nil, r.errAt(n, "alias names no anchor")
		}
		r.aliases++
		n = n.Alias
	}
	if r.state[n] == 1 {
		return nil, r.errAt(n, "an alias refers to a node that contains it; JSON cannot express a cycle")
	}
	if err := r.resolve(n); err != nil {
		return nil, err
	}
	return n, nil
}

func (r *resolver) resolve(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode && n.Kind != yaml.DocumentNode {
		return nil
	}
	if r.state[n] != 0 {
		return nil
	}
	r.state[n] = 1
	var merges []*yaml.Node
	for i, c := range n.Content {
		t, err := r.target(c)
		if err != nil {
			return err
		}
		n.Content[i] = t
		if n.Kind != yaml.MappingNode {
			continue
		}
		if i%2 == 0 && t.Kind != yaml.ScalarNode {
			return r.errAt(t, "a mapping key is a "+kindName(t)+"; JSON object keys must be strings")
		}
		if i%2 == 1 && n.Content[i-1].Tag == "!!merge" {
			merges = append(merges, t)
		}
	}
	if len(merges) > 0 {
		if err := r.merge(n); err != nil {
			return err
		}
	}
	r.state[n] = 2
	return nil
}

// merge applies YAML merge keys ("<<: *base"): keys of the merged mappings
// that the mapping does not define itself are appended, earlier sources
// winning over later ones.
func (r *resolver) merge(n *yaml.Node) error {
	var own, sources []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag != "!!merge" {
			own = append(own, k, v)
			continue
		}
		switch v.Kind {
		case yaml.MappingNode:
			sources = append(sources, v)
		case yaml.SequenceNode:
			for _, s := range v.Content {
				if s.Kind != yaml.MappingNode {
					return r.errAt(s, "a merge key (<<) lists a "+kindName(s)+"; only mappings can be merged")
				}
				sources = append(sources, s)
			}
		default:
			return r.errAt(v, "a merge key (<<) has a "+kindName(v)+" value; only mappings can be merged")
		}
	}
	seen := map[string]bool{}
	for i := 0; i < len(own); i += 2 {
		seen[own[i].Value] = true
	}
	for _, s := range sources {
		for i := 0; i+1 < len(s.Content); i += 2 {
			if k := s.Content[i].Value; !seen[k] {
				seen[k] = true
				own = append(own, s.Content[i], s.Content[i+1])
			}
		}
	}
	n.Content = own
	return nil
}

// expandedSize counts the nodes of the tree as if every shared node were
// copied, stopping once the count passes maxExpandedNodes.
func expandedSize(n *yaml.Node, memo map[*yaml.Node]int) int {
	if s, ok := memo[n]; ok {
		return s
	}
	s := 1
	for _, c := range n.Content {
		s += expandedSize(c, memo)
		if s > maxExpandedNodes {
			s = maxExpandedNodes + 1
			break
		}
	}
	memo[n] = s
	return s
}

// kindName names a node kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "scalar (" + strings.TrimPrefix(n.ShortTag(), "!!") + ")"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}

// get returns the value stored under key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// str returns the value of a string-like scalar under key, and whether it
// is one.
func str(m *yaml.Node, key string) (string, bool) {
	v := get(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		return "", false
	}
	return v.Value, true
}

// isTrue reports whether the value under key is the boolean true.
func isTrue(m *yaml.Node, key string) bool {
	v := get(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false
	}
	var b bool
	return v.Decode(&b) == nil && b
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func newMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func newSeq() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"} }

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func boolNode(b bool) *yaml.Node {
	if b {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "false"}
}

// add appends key: val to mapping m. Duplicate keys are allowed here; the
// encoder keeps the last value at the first key's position.
func add(m *yaml.Node, key string, val *yaml.Node) {
	m.Content = append(m.Content, strNode(key), val)
}

// pairs calls fn for every key/value pair of mapping m in source order.
func pairs(m *yaml.Node, fn func(key string, k, v *yaml.Node) error) error {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if err := fn(m.Content[i].Value, m.Content[i], m.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// isExt reports whether key is a specification extension (x-...).
func isExt(key string) bool { return strings.HasPrefix(key, "x-") || strings.HasPrefix(key, "X-") }

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// unescapeToken undoes escapeToken.
func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// at appends tokens to a JSON pointer.
func at(ptr string, tokens ...string) string {
	var b strings.Builder
	b.WriteString(ptr)
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(t))
	}
	return b.String()
}
