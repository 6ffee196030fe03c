package diff

import (
	"net/url"
	"sort"
	"strings"

	"github.com/mockd/mockd/validator"
	"go.yaml.in/yaml/v4"
)

// side is the direction of the traffic a schema describes.
type side int

const (
	sideNone     side = iota // not inside a request or a response
	sideRequest              // callers send it
	sideResponse             // clients read it
)

// usage says which operations reach each local component ($ref target
// such as #/components/schemas/Pet), through any chain of $refs, in their
// requests and in their responses. what-changed reports a change of a
// shared schema once, under components; usage puts it back in the
// operations it affects.
type usage struct {
	request, response map[string][]Operation
}

// usedBy lists the operations that reach component ptr on side s.
func (u *usage) usedBy(ptr string, s side) []Operation {
	if u == nil {
		return nil
	}
	if s == sideRequest {
		return u.request[ptr]
	}
	return u.response[ptr]
}

// methods are the operation keys of a path item (OpenAPI 2.0–3.2).
func methods() []string {
	return []string{"get", "put", "post", "delete", "options", "head", "patch", "trace", "query"}
}

// buildUsage walks the document's YAML: for each operation, the $refs
// under its parameters and request body (Swagger: parameters) are on the
// request side, those under its responses on the response side; callbacks
// are left out (their traffic flows the other way).
func buildUsage(doc validator.Document) *usage {
	root := doc.GetSpecInfo().RootNode
	if root == nil {
		return nil
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	g := &refGraph{root: root, edges: map[string][]string{}}
	u := &usage{request: map[string][]Operation{}, response: map[string][]Operation{}}
	paths := validator.NodeValue(root, "paths")
	if paths == nil {
		return u
	}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		path, item := paths.Content[i].Value, g.deref(paths.Content[i+1])
		if item == nil || item.Kind != yaml.MappingNode {
			continue
		}
		shared := validator.NodeValue(item, "parameters")
		for _, m := range methods() {
			op := validator.NodeValue(item, m)
			if op == nil {
				continue
			}
			o := Operation{Method: strings.ToUpper(m), Path: path}
			var req, resp []string
			req = collectRefs(shared, req)
			req = collectRefs(validator.NodeValue(op, "parameters"), req)
			req = collectRefs(validator.NodeValue(op, "requestBody"), req)
			resp = collectRefs(validator.NodeValue(op, "responses"), resp)
			for _, ptr := range g.closure(req) {
				u.request[ptr] = append(u.request[ptr], o)
			}
			for _, ptr := range g.closure(resp) {
				u.response[ptr] = append(u.response[ptr], o)
			}
		}
	}
	return u
}

// refGraph follows local $refs between components, caching each target's
// direct references.
type refGraph struct {
	root  *yaml.Node
	edges map[string][]string
}

// closure returns every pointer reachable from start, sorted.
func (g *refGraph) closure(start []string) []string {
	seen := map[string]bool{}
	queue := append([]string(nil), start...)
	for len(queue) > 0 {
		ptr := queue[0]
		queue = queue[1:]
		if seen[ptr] {
			continue
		}
		seen[ptr] = true
		next, ok := g.edges[ptr]
		if !ok {
			next = collectRefs(resolvePointer(g.root, ptr), nil)
			g.edges[ptr] = next
		}
		queue = append(queue, next...)
	}
	out := make([]string, 0, len(seen))
	for ptr := range seen {
		out = append(out, ptr)
	}
	sort.Strings(out)
	return out
}

// deref follows a path item's local $ref.
func (g *refGraph) deref(n *yaml.Node) *yaml.Node {
	for range 8 {
		ref := validator.NodeValue(n, "$ref")
		if ref == nil || !strings.HasPrefix(ref.Value, "#/") {
			return n
		}
		n = resolvePointer(g.root, ref.Value)
	}
	return n
}

// collectRefs appends the local $ref targets under n (not under callbacks).
func collectRefs(n *yaml.Node, out []string) []string {
	if n == nil {
		return out
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Value == "$ref" && v.Kind == yaml.ScalarNode:
				if strings.HasPrefix(v.Value, "#/") {
					out = append(out, v.Value)
				}
			case k.Value == "callbacks":
			default:
				out = collectRefs(v, out)
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			out = collectRefs(c, out)
		}
	case yaml.AliasNode:
		out = collectRefs(n.Alias, out)
	case yaml.ScalarNode, yaml.StreamNode:
	}
	return out
}

// resolvePointer resolves a local JSON pointer (#/a/b~1c) in root.
func resolvePointer(root *yaml.Node, ptr string) *yaml.Node {
	n := root
	for _, part := range strings.Split(strings.TrimPrefix(ptr, "#/"), "/") {
		if p, err := url.PathUnescape(part); err == nil {
			part = p
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		n = validator.NodeValue(n, part)
		if n == nil {
			return nil
		}
	}
	return n
}
