package swagger2

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// schema converts a Swagger 2.0 schema object (and the schemas nested in
// it) to an OpenAPI 3.0 schema: references are rewritten, x-nullable becomes
// nullable, a string discriminator becomes {propertyName}, type file becomes
// a binary string. Data keywords (enum, default, example) are copied as is.
func (c *converter) schema(ptr string, n *yaml.Node) (*yaml.Node, error) {
	if isNull(n) {
		return newMap(), nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, c.fail(ptr, n, "schema is a %s; it must be a mapping such as {type: string} or {$ref: ...}", kindName(n))
	}
	typ, _ := str(n, "type")
	out := newMap()
	err := pairs(n, func(key string, k, v *yaml.Node) error {
		p := at(ptr, key)
		switch key {
		case "$ref":
			ref, err := c.refString(p, v)
			if err != nil {
				return err
			}
			add(out, key, strNode(c.rewriteRef(p, v, ref)))
		case "type":
			return c.schemaType(p, v, out)
		case "format":
			if typ != "file" {
				add(out, key, v)
			}
		case "x-nullable":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				c.warn(p, v, "x-nullable is a %s, not a boolean; dropped", kindName(v))
				return nil
			}
			add(out, "nullable", v)
		case "discriminator":
			if v.Kind == yaml.ScalarNode && !isNull(v) {
				d := newMap()
				add(d, "propertyName", v)
				add(out, key, d)
			} else {
				add(out, key, v)
			}
		case "properties", "patternProperties", "definitions":
			m, err := c.schemaMap(p, key, v)
			if err != nil || m == nil {
				return err
			}
			add(out, key, m)
		case "additionalProperties", "not", "additionalItems":
			if v.Kind != yaml.MappingNode {
				add(out, key, v)
				return nil
			}
			conv, err := c.schema(p, v)
			if err != nil {
				return err
			}
			add(out, key, conv)
		case "items":
			conv, err := c.schemaItems(p, v)
			if err != nil {
				return err
			}
			add(out, key, conv)
		case "allOf", "anyOf", "oneOf":
			if v.Kind != yaml.SequenceNode {
				return c.fail(p, v, "%s is a %s; it must be a list of schemas", key, kindName(v))
			}
			list, err := c.schemaList(p, v)
			if err != nil {
				return err
			}
			add(out, key, list)
		default:
			add(out, key, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// schemaMap converts a mapping of names to schemas (properties,
// patternProperties, definitions); nil for a null value.
func (c *converter) schemaMap(p, key string, v *yaml.Node) (*yaml.Node, error) {
	if v.Kind != yaml.MappingNode {
		if !isNull(v) {
			return nil, c.fail(p, v, "%s is a %s; it must be a mapping of names to schemas", key, kindName(v))
		}
		return nil, nil
	}
	m := newMap()
	err := pairs(v, func(name string, _, s *yaml.Node) error {
		conv, err := c.schema(at(p, name), s)
		if err != nil {
			return err
		}
		add(m, name, conv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// schemaItems converts items: a schema, or a list (tuple validation, which
// 3.0 lacks) as {anyOf: [...]}.
func (c *converter) schemaItems(p string, v *yaml.Node) (*yaml.Node, error) {
	switch v.Kind {
	case yaml.MappingNode:
		return c.schema(p, v)
	case yaml.SequenceNode:
		c.warn(p, v, "items is a list (tuple validation), which OpenAPI 3.0 does not support; converted to items: {anyOf: [...]}")
		list, err := c.schemaList(p, v)
		if err != nil {
			return nil, err
		}
		wrap := newMap()
		add(wrap, "anyOf", list)
		return wrap, nil
	default:
		return nil, c.fail(p, v, "items is a %s; it must be a schema mapping", kindName(v))
	}
}

// schemaList converts a list of schemas.
func (c *converter) schemaList(ptr string, v *yaml.Node) (*yaml.Node, error) {
	seq := newSeq()
	for i, s := range v.Content {
		conv, err := c.schema(at(ptr, strconv.Itoa(i)), s)
		if err != nil {
			return nil, err
		}
		seq.Content = append(seq.Content, conv)
	}
	return seq, nil
}

// schemaType converts a schema's type: file becomes a binary string, and a
// list of types (JSON Schema style) becomes one type plus nullable, or an
// anyOf when several non-null types remain.
func (c *converter) schemaType(ptr string, v *yaml.Node, out *yaml.Node) error {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value == "file" {
			add(out, "type", strNode("string"))
			add(out, "format", strNode("binary"))
			return nil
		}
		add(out, "type", v)
		return nil
	case yaml.SequenceNode:
		var types []string
		nullable := false
		for i, t := range v.Content {
			if t.Kind != yaml.ScalarNode {
				return c.fail(at(ptr, strconv.Itoa(i)), t, "type list entry is a %s; it must be a type name", kindName(t))
			}
			if t.Value == "null" {
				nullable = true
				continue
			}
			types = append(types, t.Value)
		}
		switch len(types) {
		case 0:
		case 1:
			if types[0] == "file" {
				add(out, "type", strNode("string"))
				add(out, "format", strNode("binary"))
			} else {
				add(out, "type", strNode(types[0]))
			}
		default:
			c.warn(ptr, v, "type lists several types, which OpenAPI 3.0 does not support; converted to anyOf")
			seq := newSeq()
			for _, t := range types {
				m := newMap()
				add(m, "type", strNode(t))
				seq.Content = append(seq.Content, m)
			}
			add(out, "anyOf", seq)
		}
		if nullable {
			add(out, "nullable", boolNode(true))
		}
		return nil
	default:
	}
	return c.fail(ptr, v, "type is a %s; it must be a type name such as string", kindName(v))
}

// rewriteRef maps a Swagger 2.0 reference to its OpenAPI 3.0 location:
// #/definitions/X → #/components/schemas/X, #/parameters/X →
// #/components/parameters/X (requestBodies for body and formData ones),
// #/responses/X → #/components/responses/X. A reference into another file
// keeps the file part and gets the same fragment mapping, with a warning
// that the other file is not converted; a reference to a whole file, or to
// a place outside those sections of it, is kept as is.
func (c *converter) rewriteRef(ptr string, n *yaml.Node, ref string) string {
	file, frag, hasFrag := strings.Cut(ref, "#")
	if !hasFrag {
		return ref
	}
	mapped, ok := c.mapFragment(frag, file == "")
	switch {
	case !ok && file == "":
		c.warn(ptr, n, "$ref %q points outside definitions, parameters and responses; kept as is, it may not resolve in the converted document", ref)
		return ref
	case !ok:
		return ref
	case file != "":
		out := file + "#" + mapped
		c.warn(ptr, n, "$ref %q points into another file, which is not converted; rewritten to %q, so convert that file to OpenAPI 3.0 too", ref, out)
		return out
	}
	return "#" + mapped
}

// mapFragment maps a JSON pointer fragment of a 2.0 document to 3.0.
func (c *converter) mapFragment(frag string, local bool) (string, bool) {
	if !strings.HasPrefix(frag, "/") {
		return "", false
	}
	tokens := strings.Split(frag[1:], "/")
	if len(tokens) < 2 || tokens[1] == "" {
		return "", false
	}
	name, rest := tokens[1], tokens[2:]
	join := func(prefix string, rest []string) string {
		if len(rest) == 0 {
			return prefix
		}
		return prefix + "/" + strings.Join(rest, "/")
	}
	switch tokens[0] {
	case "definitions":
		return join("/components/schemas/"+name, rest), true
	case "parameters":
		if local {
			def := get(c.paramDefs, unescapeToken(name))
			if in, _ := str(def, "in"); in == "body" || in == "formData" {
				base := "/components/requestBodies/" + name
				if len(rest) > 0 && rest[0] == "schema" && in == "body" {
					base += "/content/" + escapeToken(c.effective(c.consumes)[0]) + "/schema"
					rest = rest[1:]
				}
				return join(base, rest), true
			}
		}
		return join("/components/parameters/"+name, rest), true
	case "responses":
		base := "/components/responses/" + name
		if len(rest) > 0 && rest[0] == "schema" {
			base += "/content/" + escapeToken(c.effective(c.produces)[0]) + "/schema"
			rest = rest[1:]
		}
		return join(base, rest), true
	}
	return "", false
}
