package swagger2

// This file builds an operation's requestBody from body and formData parameters.

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// requestBody builds the requestBody of an operation from its body or
// formData parameters (nil when there are none).
func (c *converter) requestBody(ptr string, op *yaml.Node, ps []param, consumes []string, globalConsumes bool) (*yaml.Node, error) {
	var body, form []param
	for _, p := range ps {
		if p.in == "body" {
			body = append(body, p)
		} else {
			form = append(form, p)
		}
	}
	switch {
	case len(body) > 0:
		if len(form) > 0 {
			c.warn(at(ptr, "parameters"), op, "operation has both body and formData parameters, which Swagger 2.0 forbids; the formData parameters are dropped")
		}
		if len(body) > 1 {
			c.warn(at(ptr, "parameters"), op, "operation has %d body parameters; only the first is used", len(body))
		}
		p := body[0]
		if p.refName != "" && globalConsumes {
			ref := newMap()
			add(ref, "$ref", strNode("#/components/requestBodies/"+escapeToken(p.refName)))
			return ref, nil
		}
		return c.bodyRequest(p, consumes)
	case len(form) > 0:
		return c.formRequest(form, consumes, at(ptr, "parameters"))
	}
	return nil, nil
}

// bodyRequest converts a body parameter into a request body with one
// content entry per consumed media type.
func (c *converter) bodyRequest(p param, consumes []string) (*yaml.Node, error) {
	n := p.node
	out := newMap()
	if d := get(n, "description"); d != nil {
		add(out, "description", d)
	}
	var schema *yaml.Node
	if s := get(n, "schema"); s != nil {
		conv, err := c.schema(at(p.ptr, "schema"), s)
		if err != nil {
			return nil, err
		}
		schema = conv
	} else {
		c.warn(p.ptr, n, "body parameter has no schema; any body is accepted")
		schema = newMap()
	}
	examples := get(n, "x-examples")
	if examples != nil && examples.Kind != yaml.MappingNode {
		c.warn(at(p.ptr, "x-examples"), examples, "x-examples is a %s, not a mapping of media type to example; ignored", kindName(examples))
		examples = nil
	}
	mimes := slices.Clone(consumes)
	_ = pairs(examples, func(m string, _, _ *yaml.Node) error {
		if !slices.Contains(mimes, m) {
			mimes = append(mimes, m)
		}
		return nil
	})
	content := newMap()
	for _, m := range mimes {
		mt := newMap()
		add(mt, "schema", schema)
		if ex := get(examples, m); ex != nil {
			add(mt, "example", ex)
		}
		add(content, m, mt)
	}
	add(out, "content", content)
	if r := get(n, "required"); r != nil {
		add(out, "required", r)
	}
	err := pairs(n, func(key string, _, v *yaml.Node) error {
		if isExt(key) && key != "x-examples" {
			add(out, key, v)
		}
		return nil
	})
	return out, err
}

// mediaBase returns the lower-cased media type without parameters.
func mediaBase(m string) string {
	m, _, _ = strings.Cut(m, ";")
	return strings.ToLower(strings.TrimSpace(m))
}

const (
	mimeForm      = "application/x-www-form-urlencoded"
	mimeMultipart = "multipart/form-data"
)

// byteAlphabet is the pattern Prism gives a format: byte form field: the
// base64 alphabet (format byte alone asserts nothing in JSON Schema).
const byteAlphabet = `^[\w\d+\/=]*$`

// formConstraints carries a formData string's constraints that OpenAPI 3.0
// cannot say in a schema's format: allowEmptyValue: false becomes
// minLength 1, format: byte the base64 alphabet (as Prism does).
func formConstraints(prop, param *yaml.Node) {
	if t, _ := str(param, "type"); t != "string" {
		return
	}
	if v := get(param, "allowEmptyValue"); v != nil && v.Value == "false" && get(param, "minLength") == nil {
		add(prop, "minLength", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"})
	}
	if f, _ := str(param, "format"); f == "byte" && get(param, "pattern") == nil {
		add(prop, "pattern", strNode(byteAlphabet))
	}
}

// formRequest converts formData parameters into a request body whose schema
// is an object with one property per parameter.
func (c *converter) formRequest(ps []param, consumes []string, ptr string) (*yaml.Node, error) {
	hasFile := false
	for _, p := range ps {
		if t, _ := str(p.node, "type"); t == "file" {
			hasFile = true
		}
	}
	var mimes []string
	for _, m := range consumes {
		switch mediaBase(m) {
		case mimeMultipart:
			mimes = append(mimes, m)
		case mimeForm:
			if !hasFile {
				mimes = append(mimes, m)
			}
		}
	}
	if len(mimes) == 0 {
		if hasFile {
			if slices.ContainsFunc(consumes, func(m string) bool { return mediaBase(m) == mimeForm }) {
				c.warn(ptr, nil, "a file parameter needs multipart/form-data, but consumes lists only %s; used multipart/form-data", mimeForm)
			}
			mimes = []string{mimeMultipart}
		} else {
			mimes = []string{mimeForm}
		}
	}
	props, encoding := newMap(), newMap()
	required := newSeq()
	for _, p := range ps {
		s, err := c.simpleSchema(p.ptr, p.node, "formData")
		if err != nil {
			return nil, err
		}
		prop := newMap()
		if d := get(p.node, "description"); d != nil {
			add(prop, "description", d)
		}
		prop.Content = append(prop.Content, s.Content...)
		if ex := get(p.node, "x-example"); ex != nil {
			add(prop, "example", ex)
		}
		add(props, p.name, prop)
		if isTrue(p.node, "required") {
			required.Content = append(required.Content, strNode(p.name))
		}
		formConstraints(prop, p.node)
		if v := get(p.node, "allowEmptyValue"); v != nil && !(v.Value == "false" && get(prop, "minLength") != nil) {
			c.warn(at(p.ptr, "allowEmptyValue"), v, "allowEmptyValue on a formData parameter has no OpenAPI 3.0 equivalent; dropped")
		}
		if style, explode := c.style(p.ptr, p.node, "formData"); style != "" {
			enc := newMap()
			add(enc, "style", strNode(style))
			add(enc, "explode", boolNode(explode == "true"))
			add(encoding, p.name, enc)
		}
	}
	schema := newMap()
	add(schema, "type", strNode("object"))
	add(schema, "properties", props)
	if len(required.Content) > 0 {
		add(schema, "required", required)
	}
	content := newMap()
	for _, m := range mimes {
		mt := newMap()
		add(mt, "schema", schema)
		if mediaBase(m) == mimeForm && len(encoding.Content) > 0 {
			add(mt, "encoding", encoding)
		}
		add(content, m, mt)
	}
	out := newMap()
	add(out, "content", content)
	if len(required.Content) > 0 {
		add(out, "required", boolNode(true))
	}
	return out, nil
}
