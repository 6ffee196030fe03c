package contract

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/validator"
)

// specTree is the spec document as YAML nodes: it turns JSON pointers into
// file:line:col and answers questions about schemas (discriminators,
// writeOnly) in the words of the file, $refs included.
type specTree struct {
	root *yaml.Node
	// read, when set, runs a look-up while no schema compiles: the tree
	// is then the model's own document (see Spec.Read).
	read func(func())
}

// under runs f under t.read, if any.
func (t *specTree) under(f func()) {
	if t.read == nil {
		f()
		return
	}
	t.read(f)
}

// maxRefHops bounds $ref chains followed while resolving one pointer.
const maxRefHops = 32

func newSpecTree(data []byte) *specTree {
	if len(data) == 0 {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	return &specTree{root: doc.Content[0]}
}

// child returns the value and key nodes of key in a mapping, or the item of
// a sequence.
func child(n *yaml.Node, seg string) (val, key *yaml.Node) {
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				return n.Content[i+1], n.Content[i]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i], n.Content[i]
		}
	case yaml.AliasNode:
		if n.Alias != nil {
			return child(n.Alias, seg)
		}
	default:
	}
	return nil, nil
}

// ref returns the local $ref target of a mapping node, nil when it has none
// (or an external one).
func (t *specTree) ref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	v, _ := child(n, "$ref")
	if v == nil || v.Kind != yaml.ScalarNode || !strings.HasPrefix(v.Value, "#/") {
		return nil
	}
	target, _, ok := t.walk(t.root, validator.SplitPointer(v.Value), 0)
	if !ok {
		return nil
	}
	return target
}

// deref follows $refs from n.
func (t *specTree) deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < maxRefHops && n != nil; i++ {
		next := t.ref(n)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// walk follows segs from n. A "$ref" segment, or a segment missing beside a
// $ref, follows the reference. It returns the node reached, the key node
// that named it (for its line), and whether every segment resolved; on
// failure the deepest node reached is returned.
func (t *specTree) walk(n *yaml.Node, segs []string, hops int) (*yaml.Node, *yaml.Node, bool) {
	key := n
	for i := 0; i < len(segs); i++ {
		seg := segs[i]
		if seg == "$ref" {
			if hops >= maxRefHops {
				return n, key, false
			}
			if next := t.ref(n); next != nil {
				n = next
				hops++
				continue
			}
		}
		v, k := child(n, seg)
		if v == nil {
			if hops < maxRefHops {
				if next := t.ref(n); next != nil {
					n = next
					hops++
					i--
					continue
				}
			}
			return n, key, false
		}
		n, key = v, k
	}
	return n, key, true
}

// locate returns the line and column of the node a JSON pointer names (the
// key's position for a mapping entry), or of the deepest node that resolves.
func (t *specTree) locate(pointer string) (line, col int) {
	if t == nil {
		return 0, 0
	}
	t.under(func() {
		if _, key, _ := t.walk(t.root, validator.SplitPointer(pointer), 0); key != nil {
			line, col = key.Line, key.Column
		}
	})
	return line, col
}

// node resolves a pointer to its node (following $refs at the end too).
func (t *specTree) node(pointer string) *yaml.Node {
	if t == nil {
		return nil
	}
	n, _, ok := t.walk(t.root, validator.SplitPointer(pointer), 0)
	if !ok {
		return nil
	}
	return t.deref(n)
}

// scalar returns the string value of key in mapping n.
func scalar(n *yaml.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	v, _ := child(n, key)
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", false
	}
	return v.Value, true
}
