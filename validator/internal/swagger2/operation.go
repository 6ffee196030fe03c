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
	consumes, produces, globalConsumes, globalProduces, err := c.operationMedia(ptr, op)
	if err != nil {
		return nil, err
	}
	bodyish, regular, err := c.operationParams(ptr, op, pathParams)
	if err != nil {
		return nil, err
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

// operationMedia is an operation's consumes and produces (its own, else
// the document's) and whether they are the document's.
func (c *converter) operationMedia(ptr string, op *yaml.Node) (consumes, produces []string, globalConsumes, globalProduces bool, err error) {
	ownConsumes, err := c.mediaTypes(at(ptr, "consumes"), get(op, "consumes"))
	if err != nil {
		return nil, nil, false, false, err
	}
	ownProduces, err := c.mediaTypes(at(ptr, "produces"), get(op, "produces"))
	if err != nil {
		return nil, nil, false, false, err
	}
	consumes, produces = c.effective(c.consumes), c.effective(c.produces)
	globalConsumes, globalProduces = true, true
	if ownConsumes != nil {
		globalConsumes = slices.Equal(ownConsumes, consumes)
		consumes = ownConsumes
	}
	if ownProduces != nil {
		globalProduces = slices.Equal(ownProduces, produces)
		produces = ownProduces
	}
	return consumes, produces, globalConsumes, globalProduces, nil
}

// operationParams splits an operation's parameters, with the path item's
// it does not override, into body/formData ones (for the requestBody) and
// converted regular ones.
func (c *converter) operationParams(ptr string, op *yaml.Node, pathParams []param) (bodyish []param, regular []*yaml.Node, err error) {
	own, err := c.paramList(at(ptr, "parameters"), get(op, "parameters"))
	if err != nil {
		return nil, nil, err
	}
	overridden := map[string]bool{}
	ownBody := false
	for _, p := range own {
		overridden[p.key] = true
		ownBody = ownBody || p.in == "body"
	}
	for _, p := range pathParams {
		// An operation's body parameter replaces the path's, whatever its name:
		// there is only one body.
		if p.bodyish() && !overridden[p.key] && !(p.in == "body" && ownBody) {
			bodyish = append(bodyish, p)
		}
	}
	for _, p := range own {
		if p.bodyish() {
			bodyish = append(bodyish, p)
			continue
		}
		conv, err := c.parameter(p)
		if err != nil {
			return nil, nil, err
		}
		regular = append(regular, conv)
	}
	return bodyish, regular, nil
}
