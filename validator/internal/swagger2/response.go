package swagger2

// This file converts an operation's responses and response headers.

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// responses converts an operation's responses.
func (c *converter) responses(ptr string, n *yaml.Node, produces []string, globalProduces bool) (*yaml.Node, error) {
	if isNull(n) {
		return newMap(), nil
	}
	if err := c.expectMap(ptr, n, "responses"); err != nil {
		return nil, err
	}
	out := newMap()
	err := pairs(n, func(key string, _, v *yaml.Node) error {
		if isExt(key) {
			add(out, key, v)
			return nil
		}
		conv, err := c.responseOrRef(at(ptr, key), v, produces, globalProduces)
		if err != nil {
			return err
		}
		add(out, key, conv)
		return nil
	})
	return out, err
}

// responseOrRef converts a response or a $ref to one. A local reference
// stays a reference when the operation produces what the document does;
// otherwise the shared response is inlined with the operation's media types.
func (c *converter) responseOrRef(ptr string, r *yaml.Node, produces []string, globalProduces bool) (*yaml.Node, error) {
	for hops := 0; ; hops++ {
		if isNull(r) {
			r = newMap()
		}
		if err := c.expectMap(ptr, r, "response"); err != nil {
			return nil, err
		}
		refNode := get(r, "$ref")
		if refNode == nil {
			return c.response(ptr, r, produces)
		}
		ref, err := c.refString(at(ptr, "$ref"), refNode)
		if err != nil {
			return nil, err
		}
		name, ok := localName(ref, "responses")
		if !ok || globalProduces {
			out := newMap()
			add(out, "$ref", strNode(c.rewriteRef(at(ptr, "$ref"), refNode, ref)))
			return out, nil
		}
		if hops >= maxRefHops {
			return nil, c.fail(at(ptr, "$ref"), refNode, "$ref %q starts a chain of more than %d references (or a cycle); point it at a response definition", ref, maxRefHops)
		}
		def := get(c.respDefs, name)
		if def == nil {
			return nil, c.fail(at(ptr, "$ref"), refNode, "$ref %q names no entry under responses; define #/responses/%s or fix the reference", ref, escapeToken(name))
		}
		ptr, r = at("/responses", name), def
	}
}

// response converts one response object.
func (c *converter) response(ptr string, r *yaml.Node, produces []string) (*yaml.Node, error) {
	var schema *yaml.Node
	if s := get(r, "schema"); s != nil {
		conv, err := c.schema(at(ptr, "schema"), s)
		if err != nil {
			return nil, err
		}
		schema = conv
	}
	examples := get(r, "examples")
	if examples != nil && examples.Kind != yaml.MappingNode {
		if !isNull(examples) {
			c.warn(at(ptr, "examples"), examples, "examples is a %s, not a mapping of media type to example; ignored", kindName(examples))
		}
		examples = nil
	}
	var content *yaml.Node
	if schema != nil || (examples != nil && len(examples.Content) > 0) {
		content = responseContent(schema, examples, produces)
	}
	out := newMap()
	hasDesc := false
	err := pairs(r, func(key string, k, v *yaml.Node) error {
		switch key {
		case "description":
			hasDesc = true
			add(out, key, v)
		case "schema", "examples":
			if content != nil {
				add(out, "content", content)
				content = nil
			}
		case "headers":
			headers, err := c.responseHeaders(at(ptr, key), v)
			if err != nil || headers == nil {
				return err
			}
			add(out, key, headers)
		default:
			if isExt(key) {
				add(out, key, v)
				return nil
			}
			c.warn(at(ptr, key), k, "%q is not a response field; dropped", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !hasDesc {
		c.warn(ptr, r, "response has no description; added an empty one (it is required)")
		out.Content = append([]*yaml.Node{strNode("description"), strNode("")}, out.Content...)
	}
	return out, nil
}

// header converts a response header.
func (c *converter) header(ptr string, h *yaml.Node) (*yaml.Node, error) {
	if h.Kind != yaml.MappingNode {
		return nil, c.fail(ptr, h, "header is a %s; it must be a mapping with a type", kindName(h))
	}
	out := newMap()
	if d := get(h, "description"); d != nil {
		add(out, "description", d)
	}
	c.style(ptr, h, "response-header")
	s, err := c.simpleSchema(ptr, h, "response-header")
	if err != nil {
		return nil, err
	}
	add(out, "schema", s)
	if ex := get(h, "x-example"); ex != nil {
		add(out, "example", ex)
	}
	err = pairs(h, func(key string, _, v *yaml.Node) error {
		if isExt(key) && key != "x-example" && key != "x-nullable" {
			add(out, key, v)
		}
		return nil
	})
	return out, err
}

// rangeCovers reports whether the media range r ("*/*", "text/*") covers the
// media type m.
func rangeCovers(r, m string) bool {
	rt, rs, _ := strings.Cut(strings.ToLower(r), "/")
	mt, _, _ := strings.Cut(strings.ToLower(m), "/")
	return (rt == "*" && rs == "*") || (rt == mt && rs == "*")
}

// responseContent is a response's content: the schema under every produced
// media type, and each example under its media type. An example keyed by a
// media range ("*/*", "text/*") belongs to the produced types it covers;
// only uncovered ranges get an entry.
func responseContent(schema, examples *yaml.Node, produces []string) *yaml.Node {
	var mimes []string
	if schema != nil {
		mimes = slices.Clone(produces)
	}
	type ranged struct {
		r string
		v *yaml.Node
	}
	var wildcards []ranged
	_ = pairs(examples, func(m string, _, v *yaml.Node) error {
		if strings.Contains(m, "*") && slices.ContainsFunc(mimes, func(p string) bool { return rangeCovers(m, p) }) {
			wildcards = append(wildcards, ranged{m, v})
			return nil
		}
		if !slices.Contains(mimes, m) {
			mimes = append(mimes, m)
		}
		return nil
	})
	content := newMap()
	for _, m := range mimes {
		mt := newMap()
		if schema != nil {
			add(mt, "schema", schema)
		}
		ex := get(examples, m)
		for _, w := range wildcards {
			if ex == nil && rangeCovers(w.r, m) {
				ex = w.v
			}
		}
		if ex != nil {
			add(mt, "example", ex)
		}
		add(content, m, mt)
	}
	return content
}

// responseHeaders converts a response's headers (nil for a null value).
func (c *converter) responseHeaders(ptr string, v *yaml.Node) (*yaml.Node, error) {
	if isNull(v) {
		return nil, nil
	}
	if err := c.expectMap(ptr, v, "headers"); err != nil {
		return nil, err
	}
	headers := newMap()
	err := pairs(v, func(name string, _, h *yaml.Node) error {
		conv, err := c.header(at(ptr, name), h)
		if err != nil {
			return err
		}
		add(headers, name, conv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return headers, nil
}
