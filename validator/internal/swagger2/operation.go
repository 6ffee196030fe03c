package swagger2

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxRefHops bounds chains of $ref between top-level parameters or
// responses, which also stops circular chains.
const maxRefHops = 32

// httpMethods are the operation keys of a Swagger 2.0 path item.
func isHTTPMethod(key string) bool {
	switch key {
	case "get", "put", "post", "delete", "options", "head", "patch":
		return true
	}
	return false
}

// param is one parameter of an operation or path item, with any local
// "#/parameters/X" reference resolved.
type param struct {
	ptr  string     // JSON pointer of the definition (the component for a $ref)
	node *yaml.Node // the definition; nil when keep is set
	name string
	in   string
	// refName is X when the parameter was written as $ref "#/parameters/X".
	refName string
	// keep is the converted {$ref: ...} of a reference that cannot be
	// resolved here (another file, or an unusual fragment).
	keep *yaml.Node
	// key identifies the parameter for path-level overrides (in + name).
	key string
}

func (p param) bodyish() bool { return p.in == "body" || p.in == "formData" }

// paths converts the paths object.
func (c *converter) paths(v *yaml.Node) (*yaml.Node, error) {
	out := newMap()
	err := pairs(v, func(key string, k, item *yaml.Node) error {
		if isExt(key) {
			add(out, key, item)
			return nil
		}
		ptr := at("/paths", key)
		if !strings.HasPrefix(key, "/") {
			c.warn(ptr, k, "path %q does not start with /; OpenAPI 3.0 requires it", key)
		}
		conv, err := c.pathItem(ptr, item)
		if err != nil {
			return err
		}
		add(out, key, conv)
		return nil
	})
	return out, err
}

// pathItem converts one path item. Path-level body and formData parameters
// move into each operation's requestBody, since 3.0 path items have none.
func (c *converter) pathItem(ptr string, item *yaml.Node) (*yaml.Node, error) {
	out := newMap()
	if isNull(item) {
		return out, nil
	}
	if err := c.expectMap(ptr, item, "path item"); err != nil {
		return nil, err
	}
	pathParams, err := c.paramList(at(ptr, "parameters"), get(item, "parameters"))
	if err != nil {
		return nil, err
	}
	var regular []*yaml.Node
	for _, p := range pathParams {
		if !p.bodyish() {
			conv, err := c.parameter(p)
			if err != nil {
				return nil, err
			}
			regular = append(regular, conv)
		}
	}
	err = pairs(item, func(key string, k, v *yaml.Node) error {
		switch {
		case key == "$ref":
			ref, err := c.refString(at(ptr, key), v)
			if err != nil {
				return err
			}
			add(out, key, strNode(c.rewriteRef(at(ptr, key), v, ref)))
		case key == "parameters":
			if len(regular) > 0 {
				seq := newSeq()
				seq.Content = regular
				add(out, key, seq)
			}
		case isHTTPMethod(key):
			op, err := c.operation(at(ptr, key), v, pathParams)
			if err != nil {
				return err
			}
			add(out, key, op)
		case isExt(key):
			add(out, key, v)
		default:
			c.warn(at(ptr, key), k, "%q is not a path item field; dropped", key)
		}
		return nil
	})
	return out, err
}

// paramList resolves a parameters list.
func (c *converter) paramList(ptr string, list *yaml.Node) ([]param, error) {
	if isNull(list) {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, c.fail(ptr, list, "parameters is a %s; it must be a list", kindName(list))
	}
	out := make([]param, 0, len(list.Content))
	for i, p := range list.Content {
		rp, err := c.resolveParam(at(ptr, strconv.Itoa(i)), p)
		if err != nil {
			return nil, err
		}
		out = append(out, rp)
	}
	return out, nil
}

// resolveParam reads a parameter, following a local "#/parameters/X" $ref.
func (c *converter) resolveParam(ptr string, n *yaml.Node) (param, error) {
	refName := ""
	for hops := 0; ; hops++ {
		if n.Kind != yaml.MappingNode {
			return param{}, c.fail(ptr, n, "parameter is a %s; it must be a mapping with name and in, or a $ref", kindName(n))
		}
		refNode := get(n, "$ref")
		if refNode == nil {
			break
		}
		ref, err := c.refString(at(ptr, "$ref"), refNode)
		if err != nil {
			return param{}, err
		}
		name, ok := localName(ref, "parameters")
		if !ok {
			keep := newMap()
			add(keep, "$ref", strNode(c.rewriteRef(at(ptr, "$ref"), refNode, ref)))
			return param{ptr: ptr, keep: keep, key: "$ref " + ref}, nil
		}
		if hops >= maxRefHops {
			return param{}, c.fail(at(ptr, "$ref"), refNode, "$ref %q starts a chain of more than %d references (or a cycle); point it at a parameter definition", ref, maxRefHops)
		}
		def := get(c.paramDefs, name)
		if def == nil {
			return param{}, c.fail(at(ptr, "$ref"), refNode, "$ref %q names no entry under parameters; define #/parameters/%s or fix the reference", ref, escapeToken(name))
		}
		refName, ptr, n = name, at("/parameters", name), def
	}
	in, _ := str(n, "in")
	name, hasName := str(n, "name")
	switch in {
	case "query", "header", "path", "formData":
		if !hasName || name == "" {
			return param{}, c.fail(ptr, n, "%s parameter has no name; add name", in)
		}
	case "body":
	case "":
		return param{}, c.fail(ptr, n, "parameter has no in; set in to query, header, path, formData or body")
	default:
		return param{}, c.fail(at(ptr, "in"), get(n, "in"), "parameter in is %q; it must be query, header, path, formData or body", in)
	}
	return param{ptr: ptr, node: n, name: name, in: in, refName: refName, key: in + " " + name}, nil
}

// localName returns X for a local reference "#/<section>/X".
func localName(ref, section string) (string, bool) {
	prefix := "#/" + section + "/"
	if !strings.HasPrefix(ref, prefix) {
		return "", false
	}
	rest := ref[len(prefix):]
	if rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	return unescapeToken(rest), true
}

// refString reads the string value of a $ref.
func (c *converter) refString(ptr string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode || isNull(v) {
		return "", c.fail(ptr, v, "$ref is a %s; it must be a string such as \"#/definitions/Pet\"", kindName(v))
	}
	return v.Value, nil
}

// operation converts one operation.
func (c *converter) operation(ptr string, op *yaml.Node, pathParams []param) (*yaml.Node, error) {
	out := newMap()
	if isNull(op) {
		return out, nil
	}
	if err := c.expectMap(ptr, op, "operation"); err != nil {
		return nil, err
	}
	ownConsumes, err := c.mediaTypes(at(ptr, "consumes"), get(op, "consumes"))
	if err != nil {
		return nil, err
	}
	ownProduces, err := c.mediaTypes(at(ptr, "produces"), get(op, "produces"))
	if err != nil {
		return nil, err
	}
	consumes, produces := c.effective(c.consumes), c.effective(c.produces)
	globalConsumes, globalProduces := true, true
	if ownConsumes != nil {
		globalConsumes = slices.Equal(ownConsumes, consumes)
		consumes = ownConsumes
	}
	if ownProduces != nil {
		globalProduces = slices.Equal(ownProduces, produces)
		produces = ownProduces
	}
	own, err := c.paramList(at(ptr, "parameters"), get(op, "parameters"))
	if err != nil {
		return nil, err
	}
	overridden := map[string]bool{}
	ownBody := false
	for _, p := range own {
		overridden[p.key] = true
		ownBody = ownBody || p.in == "body"
	}
	var bodyish []param
	for _, p := range pathParams {
		// An operation's body parameter replaces the path's, whatever its name:
		// there is only one body.
		if p.bodyish() && !overridden[p.key] && !(p.in == "body" && ownBody) {
			bodyish = append(bodyish, p)
		}
	}
	var regular []*yaml.Node
	for _, p := range own {
		if p.bodyish() {
			bodyish = append(bodyish, p)
			continue
		}
		conv, err := c.parameter(p)
		if err != nil {
			return nil, err
		}
		regular = append(regular, conv)
	}
	rb, err := c.requestBody(ptr, op, bodyish, consumes, globalConsumes)
	if err != nil {
		return nil, err
	}
	addBody := func() {
		if rb != nil {
			add(out, "requestBody", rb)
			rb = nil
		}
	}
	hasResponses := false
	err = pairs(op, func(key string, k, v *yaml.Node) error {
		switch key {
		case "parameters":
			if len(regular) > 0 {
				seq := newSeq()
				seq.Content = regular
				add(out, key, seq)
			}
			addBody()
		case "responses":
			addBody()
			hasResponses = true
			conv, err := c.responses(at(ptr, key), v, produces, globalProduces)
			if err != nil {
				return err
			}
			add(out, key, conv)
		case "consumes", "produces":
		case "schemes":
			c.warn(at(ptr, key), k, "operation-level schemes have no OpenAPI 3.0 equivalent; dropped (servers come from the document's schemes)")
		case "tags", "summary", "description", "externalDocs", "operationId", "deprecated", "security":
			add(out, key, v)
		default:
			if isExt(key) {
				add(out, key, v)
				return nil
			}
			c.warn(at(ptr, key), k, "%q is not an operation field; dropped", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	addBody()
	if !hasResponses {
		c.warn(ptr, op, "operation has no responses; OpenAPI 3.0 requires at least one")
	}
	return out, nil
}

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
		var mimes []string
		if schema != nil {
			mimes = slices.Clone(produces)
		}
		// An example keyed by a media range ("*/*", "text/*") belongs to
		// the produced types it covers; only uncovered ranges get an entry.
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
		content = newMap()
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
			if isNull(v) {
				return nil
			}
			if err := c.expectMap(at(ptr, key), v, "headers"); err != nil {
				return err
			}
			headers := newMap()
			err := pairs(v, func(name string, _, h *yaml.Node) error {
				conv, err := c.header(at(ptr, key, name), h)
				if err != nil {
					return err
				}
				add(headers, name, conv)
				return nil
			})
			if err != nil {
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
