package validator

import (
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"go.yaml.in/yaml/v4"
)

// The accessors in this file read the model's YAML nodes and schemas for a
// mock server while requests are validated: each takes the spec's read lock
// itself (see Spec.Read), so callers need no callback.

// Decoder turns a YAML node of the spec (an example) into a value. The
// accessors call it under the spec's read lock: it must not keep the node
// nor validate.
type Decoder func(*yaml.Node) any

// Example is an example chosen from a media type, decoded.
type Example struct {
	Value any
	// Name is the example's key in the media type's `examples`; "" for the
	// media type's `example` and the schema's examples.
	Name string
	// FromSchema says the example is the schema's (`example`, or the first
	// of its `examples`).
	FromSchema bool
}

// MediaExample returns the example of media named name (one of its
// `examples`). With name "" it returns the example served by default: the
// media type's `example`, else the first of its `examples` that has a
// value, else the schema's `example`, else the first of the schema's
// `examples`. ok is false when there is no such example. decode turns the
// example's node into Example.Value.
func (s *Spec) MediaExample(media *v3.MediaType, name string, decode Decoder) (ex Example, ok bool) {
	if media == nil {
		return Example{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var node *yaml.Node
	if name != "" {
		if media.Examples != nil {
			if e, found := media.Examples.Get(name); found && e != nil {
				node = e.Value
			}
		}
		ex.Name = name
	} else {
		node, ex.Name, ex.FromSchema = defaultMediaExample(media)
	}
	if node == nil {
		return Example{}, false
	}
	ex.Value = decode(node)
	return ex, true
}

// defaultMediaExample is MediaExample's default choice, as a node.
func defaultMediaExample(media *v3.MediaType) (node *yaml.Node, name string, fromSchema bool) {
	if media.Example != nil {
		return media.Example, "", false
	}
	if media.Examples != nil {
		for p := media.Examples.First(); p != nil; p = p.Next() {
			if p.Value() != nil && p.Value().Value != nil {
				return p.Value().Value, p.Key(), false
			}
		}
	}
	if node := schemaExample(media.Schema); node != nil {
		return node, "", true
	}
	return nil, "", false
}

// HeaderExample returns the example of a declared header: its `example`,
// else the first of its `examples` that has a value, else its schema's
// example (as MediaExample). decode turns the node into the value; ok is
// false when the header has no example.
func (s *Spec) HeaderExample(h *v3.Header, decode Decoder) (v any, ok bool) {
	if h == nil {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	node := h.Example
	if node == nil && h.Examples != nil {
		for p := h.Examples.First(); p != nil; p = p.Next() {
			if p.Value() != nil && p.Value().Value != nil {
				node = p.Value().Value
				break
			}
		}
	}
	if node == nil {
		node = schemaExample(h.Schema)
	}
	if node == nil {
		return nil, false
	}
	return decode(node), true
}

// schemaExample is the schema's `example`, else the first of its
// `examples`; nil when none.
func schemaExample(proxy *base.SchemaProxy) *yaml.Node {
	if proxy == nil {
		return nil
	}
	sc := proxy.Schema()
	switch {
	case sc == nil:
		return nil
	case sc.Example != nil:
		return sc.Example
	case len(sc.Examples) > 0:
		return sc.Examples[0]
	}
	return nil
}

// Generate runs gen over schema under the spec's read lock and returns its
// value: generators of example data (package schemagen) walk the model's
// schemas and nodes. gen must not validate.
func (s *Spec) Generate(schema *base.SchemaProxy, gen func(*base.SchemaProxy) (any, error)) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return gen(schema)
}

// XMLName returns the element name schema declares for XML bodies (its
// `xml.name`), "" when it declares none.
func (s *Spec) XMLName(schema *base.SchemaProxy) string {
	if schema == nil {
		return ""
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sc := schema.Schema(); sc != nil && sc.XML != nil {
		return sc.XML.Name
	}
	return ""
}
