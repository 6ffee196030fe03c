package swagger2

// This file converts query, path and header parameters and their styles.

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// parameter converts a query, path or header parameter.
func (c *converter) parameter(p param) (*yaml.Node, error) {
	if p.keep != nil {
		return p.keep, nil
	}
	if p.refName != "" {
		ref := newMap()
		add(ref, "$ref", strNode("#/components/parameters/"+escapeToken(p.refName)))
		return ref, nil
	}
	n := p.node
	out := newMap()
	add(out, "name", strNode(p.name))
	add(out, "in", strNode(p.in))
	if d := get(n, "description"); d != nil {
		add(out, "description", d)
	}
	switch {
	case p.in == "path":
		if !isTrue(n, "required") {
			c.warn(p.ptr, n, "path parameter %q is not marked required: true; set it (path parameters are always required)", p.name)
		}
		add(out, "required", boolNode(true))
	case get(n, "required") != nil:
		add(out, "required", get(n, "required"))
	}
	if p.in == "header" {
		switch strings.ToLower(p.name) {
		case "accept", "content-type", "authorization":
			c.warn(p.ptr, n, "header parameter %q is ignored by OpenAPI 3.0 (use content negotiation, request bodies or security schemes instead)", p.name)
		}
	}
	if v := get(n, "allowEmptyValue"); v != nil {
		if p.in == "query" {
			add(out, "allowEmptyValue", v)
		} else {
			c.warn(at(p.ptr, "allowEmptyValue"), v, "allowEmptyValue applies only to query parameters in OpenAPI 3.0; dropped")
		}
	}
	if style, explode := c.style(p.ptr, n, p.in); style != "" {
		add(out, "style", strNode(style))
		if explode != "" {
			add(out, "explode", boolNode(explode == "true"))
		}
	}
	s, err := c.simpleSchema(p.ptr, n, p.in)
	if err != nil {
		return nil, err
	}
	add(out, "schema", s)
	if ex := get(n, "x-example"); ex != nil {
		add(out, "example", ex)
	}
	err = pairs(n, func(key string, _, v *yaml.Node) error {
		if isExt(key) && key != "x-example" && key != "x-nullable" {
			add(out, key, v)
		}
		return nil
	})
	return out, err
}

// simpleKeywords are the schema fields of a non-body parameter, header or
// items object.
func isSimpleKeyword(key string) bool {
	switch key {
	case "type", "format", "items", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
		"maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "enum", "multipleOf":
		return true
	}
	return false
}

// simpleSchema builds the schema of a non-body parameter, a header or an
// items object from its type, format, items and validation fields.
func (c *converter) simpleSchema(ptr string, n *yaml.Node, in string) (*yaml.Node, error) {
	out := newMap()
	typ, _ := str(n, "type")
	if typ == "" && get(n, "$ref") == nil {
		c.warn(ptr, n, "%s has no type; any value is accepted", describeIn(in))
	}
	err := pairs(n, func(key string, k, v *yaml.Node) error {
		switch {
		case key == "type" && typ == "file":
			if in != "formData" {
				c.warn(at(ptr, key), v, "type file is only valid for formData parameters; converted to a binary string anyway")
			}
			add(out, "type", strNode("string"))
			add(out, "format", strNode("binary"))
		case key == "format" && typ == "file":
		case key == "items":
			if v.Kind != yaml.MappingNode {
				return c.fail(at(ptr, key), v, "items is a %s; it must be a mapping with a type", kindName(v))
			}
			items, err := c.simpleSchema(at(ptr, key), v, "items")
			if err != nil {
				return err
			}
			add(out, "items", items)
		case key == "$ref" && in == "items":
			ref, err := c.refString(at(ptr, key), v)
			if err != nil {
				return err
			}
			add(out, "$ref", strNode(c.rewriteRef(at(ptr, key), v, ref)))
		case key == "x-nullable":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				c.warn(at(ptr, key), v, "x-nullable is a %s, not a boolean; dropped", kindName(v))
				return nil
			}
			add(out, "nullable", v)
		case key == "collectionFormat" && in == "items":
			if cf, _ := str(n, "collectionFormat"); cf != "" && cf != "csv" {
				c.warn(at(ptr, key), v, "collectionFormat %q on nested items has no OpenAPI 3.0 equivalent; dropped", cf)
			}
		case isSimpleKeyword(key):
			add(out, key, v)
		case in == "items" && isExt(key):
			add(out, key, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if typ == "array" && get(n, "items") == nil {
		c.warn(ptr, n, "array %s has no items; added items: {} (OpenAPI 3.0 requires items for arrays)", describeIn(in))
		add(out, "items", newMap())
	}
	return out, nil
}

func describeIn(in string) string {
	switch in {
	case "items":
		return "items object"
	case "response-header":
		return "header"
	}
	return in + " parameter"
}

// style maps collectionFormat of an array parameter or header to the 3.0
// style and explode ("" when the 3.0 default applies or it is not an array).
func (c *converter) style(ptr string, n *yaml.Node, in string) (style, explode string) {
	if t, _ := str(n, "type"); t != "array" {
		return "", ""
	}
	cf, ok := str(n, "collectionFormat")
	if !ok || cf == "" {
		cf = "csv"
	}
	cfNode := get(n, "collectionFormat")
	switch in {
	case "query", "formData":
		switch cf {
		case "csv":
			return "form", "false"
		case "ssv":
			return "spaceDelimited", "false"
		case "pipes":
			return "pipeDelimited", "false"
		case "multi":
			return "form", "true"
		case "tsv":
			c.warn(at(ptr, "collectionFormat"), cfNode, "collectionFormat tsv has no OpenAPI 3.0 equivalent; converted as csv (form, explode false)")
		default:
			c.warn(at(ptr, "collectionFormat"), cfNode, "collectionFormat %q is not csv, ssv, tsv, pipes or multi; converted as csv", cf)
		}
		return "form", "false"
	default:
		if cf != "csv" {
			c.warn(at(ptr, "collectionFormat"), cfNode, "collectionFormat %q has no OpenAPI 3.0 equivalent for %s; converted as csv (style simple)", cf, describeIn(in))
		}
		if in == "response-header" {
			return "", ""
		}
		return "simple", ""
	}
}
