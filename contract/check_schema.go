package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/validator"
)

// maxSchemaDepth bounds schema walks (recursive schemas, deep bodies).
const maxSchemaDepth = 64

// decodeJSON decodes a JSON body (a json or +json media type, or no type
// and a body that looks like JSON).
func decodeJSON(body []byte, contentType string) (any, bool) {
	if len(body) == 0 {
		return nil, false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json")
	if !isJSON {
		t := bytes.TrimSpace(body)
		if mt != "" || len(t) == 0 || (t[0] != '{' && t[0] != '[') {
			return nil, false
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// selectDiscriminated keeps, for a oneOf with a discriminator, only the
// errors of the branch the discriminator selects (libopenapi-validator
// reports every branch). When the discriminator value is missing or maps
// to no branch, the branch errors are replaced by one finding saying so.
func (c *Checker) selectDiscriminated(fs []validator.Finding, schemaPtr string, body func() (any, bool)) (out []validator.Finding) {
	if c.tree == nil || schemaPtr == "" {
		return fs
	}
	c.tree.under(func() { out = c.discriminatedBranches(fs, schemaPtr, body) })
	return out
}

// discriminatedBranches is selectDiscriminated over the spec tree.
func (c *Checker) discriminatedBranches(fs []validator.Finding, schemaPtr string, body func() (any, bool)) []validator.Finding {
	out := fs[:0:0]
	added := map[string]bool{}
	for _, f := range fs {
		if strings.HasSuffix(f.Keyword, "/discriminator") {
			added[f.Pointer] = true // the library already reported it
		}
	}
	for _, f := range fs {
		if (f.Check != validator.CheckResponseBody && f.Check != validator.CheckRequestBody) || !strings.Contains(f.Keyword, "/oneOf") {
			out = append(out, f)
			continue
		}
		segs := validator.SplitPointer(f.Keyword)
		keep := true
		for k, seg := range segs {
			if seg != "oneOf" {
				continue
			}
			prefix := segs[:k]
			node := c.tree.node(schemaPtr + joinPointer(prefix))
			disc, _ := child(node, "discriminator")
			prop, ok := scalar(disc, "propertyName")
			if !ok {
				continue
			}
			v, ok := body()
			if !ok {
				break
			}
			inst := instancePrefix(prefix, validator.SplitPointer(f.Pointer))
			obj, _ := validator.ValueAt(v, inst).(map[string]any)
			val, _ := obj[prop].(string)
			branch := c.discriminatedBranch(node, disc, val)
			if branch >= 0 {
				if k+1 >= len(segs) || segs[k+1] != strconv.Itoa(branch) {
					keep = false // another branch, or the bare "oneOf failed"
				}
				continue
			}
			keep = false
			where := joinPointer(inst)
			if !added[where] {
				added[where] = true
				g := f
				g.Keyword = joinPointer(prefix) + "/discriminator"
				g.Pointer = where
				g.Detail = fmt.Sprintf("discriminator %s is %q, which selects none of the oneOf branches (%s)", prop, val, strings.Join(c.discriminatorValues(node, disc), ", "))
				if val == "" {
					g.Detail = fmt.Sprintf("discriminator property %s is missing (one of %s)", prop, strings.Join(c.discriminatorValues(node, disc), ", "))
				}
				g.Hint = "send a discriminator value the mapping declares"
				out = append(out, g)
			}
			break
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

func joinPointer(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(validator.EscapePointer(s))
	}
	return b.String()
}

// instancePrefix maps a schema keyword path onto the instance path: the
// part of inst that the keywords in prefix descend into.
func instancePrefix(prefix, inst []string) []string {
	n := 0
	for i := 0; i < len(prefix); i++ {
		switch prefix[i] {
		case "properties", "patternProperties", "prefixItems":
			i++
			n++
		case "items", "additionalProperties", "unevaluatedProperties", "additionalItems", "contains", "unevaluatedItems":
			n++
		case "allOf", "anyOf", "oneOf", "dependentSchemas", "$defs", "definitions":
			i++
		}
	}
	if n > len(inst) {
		n = len(inst)
	}
	return inst[:n]
}

// discriminatedBranch returns the index of the oneOf branch val selects:
// through the mapping, else a $ref whose last segment is val; -1 if none.
func (c *Checker) discriminatedBranch(node, disc *yaml.Node, val string) int {
	if val == "" {
		return -1
	}
	oneOf, _ := child(node, "oneOf")
	if oneOf == nil || oneOf.Kind != yaml.SequenceNode {
		return -1
	}
	target := ""
	if m, _ := child(disc, "mapping"); m != nil {
		target, _ = scalar(m, val)
	}
	for i, item := range oneOf.Content {
		ref, _ := scalar(item, "$ref")
		switch {
		case target != "" && (ref == target || strings.HasSuffix(target, "/"+lastSegment(ref)) && lastSegment(ref) == lastSegment(target)):
			return i
		case target == "" && ref != "" && lastSegment(ref) == val:
			return i
		}
	}
	return -1
}

func (c *Checker) discriminatorValues(node, disc *yaml.Node) []string {
	var vals []string
	if m, _ := child(disc, "mapping"); m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			vals = append(vals, m.Content[i].Value)
		}
		return vals
	}
	if oneOf, _ := child(node, "oneOf"); oneOf != nil {
		for _, item := range oneOf.Content {
			if ref, ok := scalar(item, "$ref"); ok {
				vals = append(vals, lastSegment(ref))
			}
		}
	}
	return vals
}

func lastSegment(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// writeOnly reports properties of a response body that the schema marks
// writeOnly (libopenapi-validator reports them only in strict mode).
func (c *Checker) writeOnly(schemaPtr string, v any) []validator.Finding {
	var out []validator.Finding
	c.tree.under(func() { c.walkWriteOnly(c.tree.node(schemaPtr), schemaPtr, v, nil, 0, &out) })
	return out
}

func (c *Checker) walkWriteOnly(n *yaml.Node, ptr string, v any, inst []string, depth int, out *[]validator.Finding) {
	n = c.tree.deref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > maxSchemaDepth {
		return
	}
	switch val := v.(type) {
	case map[string]any:
		props, _ := child(n, "properties")
		addl, _ := child(n, "additionalProperties")
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, _ := child(props, k)
			if ps == nil {
				if addl != nil && addl.Kind == yaml.MappingNode {
					c.walkWriteOnly(addl, ptr+"/additionalProperties", val[k], append(inst, k), depth+1, out)
				}
				continue
			}
			pptr := ptr + "/properties/" + validator.EscapePointer(k)
			if wo, _ := scalar(c.tree.deref(ps), "writeOnly"); wo == "true" {
				path := append(append([]string(nil), inst...), k)
				*out = append(*out, validator.Finding{Check: validator.CheckWriteOnly, In: "body", Name: k,
					Pointer: joinPointer(path), Keyword: "/properties/" + validator.EscapePointer(k) + "/writeOnly", SpecPointer: pptr,
					Message: fmt.Sprintf("response contains writeOnly property %s", k),
					Hint:    "writeOnly properties are sent by clients only: stop returning " + k + " (it may leak data)"})
				continue
			}
			c.walkWriteOnly(ps, pptr, val[k], append(inst, k), depth+1, out)
		}
	case []any:
		if items, _ := child(n, "items"); items != nil {
			for i, e := range val {
				c.walkWriteOnly(items, ptr+"/items", e, append(inst, strconv.Itoa(i)), depth+1, out)
			}
		}
	}
	if all, _ := child(n, "allOf"); all != nil && all.Kind == yaml.SequenceNode {
		for i, b := range all.Content {
			c.walkWriteOnly(b, ptr+"/allOf/"+strconv.Itoa(i), v, inst, depth+1, out)
		}
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		list, _ := child(n, kw)
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		disc, _ := child(n, "discriminator")
		if prop, ok := scalar(disc, "propertyName"); ok {
			if obj, isObj := v.(map[string]any); isObj {
				val, _ := obj[prop].(string)
				if b := c.discriminatedBranch(n, disc, val); b >= 0 {
					c.walkWriteOnly(list.Content[b], ptr+"/"+kw+"/"+strconv.Itoa(b), v, inst, depth+1, out)
				}
				continue
			}
		}
		for i, b := range list.Content {
			c.walkWriteOnly(b, ptr+"/"+kw+"/"+strconv.Itoa(i), v, inst, depth+1, out)
		}
	}
}
