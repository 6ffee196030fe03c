package state

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/validator"
)

// ResourceExtension is the path-item (or operation) extension that
// overrides the inference: `x-mockd-resource: NAME` puts the path's
// operations in the resource NAME (on a collection path and its item path:
// the two are paired even when their schemas differ), `x-mockd-resource:
// false` leaves them stateless.
const ResourceExtension = "x-mockd-resource"

// Inference is what Infer found: the resources, and the operations left
// stateless with the reason.
type Inference struct {
	Resources []*Resource
	Stateless []Skipped
}

// Skipped is an operation left to the spec's canned answers.
type Skipped struct {
	Op     *validator.Operation
	Reason string
}

// override is an x-mockd-resource value: a name, or off.
type override struct {
	set  bool
	off  bool
	name string
}

// Infer finds the resources of spec (see the package doc). It reads the
// model under the spec's read lock.
func Infer(spec *validator.Spec) (*Inference, error) {
	var out *Inference
	var err error
	spec.Read(func() { out, err = infer(spec) })
	return out, err
}

func infer(spec *validator.Spec) (*Inference, error) {
	byPath := map[string][]*validator.Operation{}
	var paths []string
	for _, op := range spec.Operations {
		if op.Selector != nil {
			continue
		}
		if _, ok := byPath[op.RoutePath]; !ok {
			paths = append(paths, op.RoutePath)
		}
		byPath[op.RoutePath] = append(byPath[op.RoutePath], op)
	}
	sort.Strings(paths)
	in := &Inference{}
	claimed := map[*validator.Operation]bool{}
	names := map[string]bool{}
	for _, item := range paths {
		coll, param, ok := splitItemPath(item)
		if !ok || byPath[coll] == nil {
			continue
		}
		ov, err := overrideOf(byPath[item], byPath[coll])
		if err != nil {
			return nil, err
		}
		if ov.off {
			continue
		}
		r, why := pair(coll, item, param, byPath, ov)
		if r == nil {
			for _, op := range append(append([]*validator.Operation{}, byPath[coll]...), byPath[item]...) {
				if !claimed[op] {
					in.Stateless = append(in.Stateless, Skipped{Op: op, Reason: why})
					claimed[op] = true
				}
			}
			continue
		}
		if names[r.Name] {
			r.Name = strings.Trim(coll, "/")
		}
		names[r.Name] = true
		for _, op := range r.Ops {
			claimed[op] = true
		}
		in.Resources = append(in.Resources, r)
	}
	for _, op := range spec.Operations {
		if !claimed[op] {
			in.Stateless = append(in.Stateless, Skipped{Op: op, Reason: "no collection and item path pair"})
		}
	}
	// Operations of a pair that are not CRUD (HEAD, POST on an item...)
	// were claimed as part of the pair's paths: list them as stateless.
	for _, r := range in.Resources {
		for _, p := range []string{r.CollectionPath, r.ItemPath} {
			for _, op := range byPath[p] {
				if _, ok := kindOf(op.Method, p == r.ItemPath); !ok {
					in.Stateless = append(in.Stateless, Skipped{Op: op, Reason: "not a CRUD method of " + r.Name})
				}
			}
		}
	}
	return in, nil
}

// splitItemPath splits "/a/{id}" into "/a" and "id": the last segment must
// be exactly one template parameter.
func splitItemPath(p string) (coll, param string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "", "", false
	}
	last := p[i+1:]
	if len(last) < 3 || last[0] != '{' || last[len(last)-1] != '}' || strings.ContainsAny(last[1:len(last)-1], "{}") {
		return "", "", false
	}
	return p[:i], last[1 : len(last)-1], true
}

// overrideOf reads x-mockd-resource from the path items and operations of
// both paths; the first set wins.
func overrideOf(groups ...[]*validator.Operation) (override, error) {
	for _, ops := range groups {
		for _, op := range ops {
			for _, ext := range []*yaml.Node{extension(op.PathItem.Extensions), extension(op.Op.Extensions)} {
				if ext == nil {
					continue
				}
				if ext.Kind != yaml.ScalarNode {
					return override{}, fmt.Errorf("state: %s %s: line %d: %s must be a resource name or false", op.Method, op.Path, ext.Line, ResourceExtension)
				}
				if ext.Tag == "!!bool" || ext.Value == "false" || ext.Value == "true" {
					if ext.Value == "false" {
						return override{set: true, off: true}, nil
					}
					return override{set: true}, nil
				}
				return override{set: true, name: ext.Value}, nil
			}
		}
	}
	return override{}, nil
}

func extension(m interface {
	Get(string) (*yaml.Node, bool)
}) *yaml.Node {
	if m == nil {
		return nil
	}
	n, _ := m.Get(ResourceExtension)
	return n
}

// pair builds the resource of a collection and an item path, or says why
// they do not make one.
func pair(coll, item, param string, byPath map[string][]*validator.Operation, ov override) (*Resource, string) {
	r := &Resource{CollectionPath: coll, ItemPath: item, IDParam: param, Ops: map[Kind]*validator.Operation{},
		segments: strings.Count(coll, "/")}
	for _, p := range []string{coll, item} {
		for _, op := range byPath[p] {
			if k, ok := kindOf(op.Method, p == item); ok {
				r.Ops[k] = op
			}
		}
	}
	itemSchema := itemSchemaOf(r)
	if itemSchema == nil {
		return nil, "no JSON object schema for the items of " + coll
	}
	sc := itemSchema.Schema()
	if sc == nil || len(allProperties(sc)) == 0 {
		return nil, "the item schema of " + item + " has no properties"
	}
	elem, shape := collectionSchemaOf(r)
	if !ov.set && elem != nil && !sameSchema(elem, itemSchema) {
		return nil, "the items listed at " + coll + " are not the items at " + item + " (set " + ResourceExtension + " to pair them)"
	}
	r.listShape = shape
	r.schema = itemSchema
	r.Name = ov.name
	if r.Name == "" {
		r.Name = lastLiteral(coll)
	}
	if list := r.Ops[KindList]; list != nil {
		r.Paging = detectPaging(list, shape)
	}
	r.facts(sc)
	r.id = idSpecOf(r, sc)
	if op := r.Ops[KindCreate]; op != nil {
		r.location = declaresHeader(op, SuccessStatus(op, 201), "Location")
	}
	if op := r.Ops[KindDelete]; op != nil {
		code := SuccessStatus(op, 204)
		r.deleteBody = code != 204 && jsonSchema(responseFor(op, code)) != nil
	}
	return r, ""
}

// itemSchemaOf is the item schema: GET item's success response, else PUT's
// or POST's request body.
func itemSchemaOf(r *Resource) *base.SchemaProxy {
	if op := r.Ops[KindGet]; op != nil {
		if s := jsonSchema(successResponse(op)); s != nil {
			return s
		}
	}
	for _, k := range []Kind{KindReplace, KindCreate} {
		if op := r.Ops[k]; op != nil && op.Op.RequestBody != nil {
			if s := jsonSchemaOf(op.Op.RequestBody.Content); s != nil {
				return s
			}
		}
	}
	if op := r.Ops[KindCreate]; op != nil {
		return jsonSchema(successResponse(op))
	}
	return nil
}

// collectionSchemaOf is the schema of the listed items and the list's
// shape (bare array or wrapper object).
func collectionSchemaOf(r *Resource) (*base.SchemaProxy, listShape) {
	op := r.Ops[KindList]
	if op == nil {
		return nil, listShape{}
	}
	s := jsonSchema(successResponse(op))
	if s == nil || s.Schema() == nil {
		return nil, listShape{}
	}
	sc := s.Schema()
	if items := arrayItems(sc); items != nil {
		return items, listShape{}
	}
	shape := listShape{wrapper: s, required: map[string]bool{}, nullable: map[string]bool{}}
	for _, req := range sc.Required {
		shape.required[req] = true
	}
	var best *base.SchemaProxy
	for _, p := range allProperties(sc) {
		ps := p.proxy.Schema()
		if ps == nil {
			continue
		}
		if ps.Nullable != nil && *ps.Nullable || contains(ps.Type, "null") {
			shape.nullable[p.name] = true
		}
		if items := arrayItems(ps); items != nil && (best == nil || preferredItemsField(p.name, r.CollectionPath)) {
			best, shape.itemsField = items, p.name
		}
	}
	if best == nil {
		return nil, listShape{}
	}
	return best, shape
}

func preferredItemsField(name, coll string) bool {
	switch strings.ToLower(name) {
	case "items", "data", "results", "content", "records", "entries", strings.ToLower(lastLiteral(coll)):
		return true
	}
	return false
}

// arrayItems is the items schema of an array schema (nil otherwise).
func arrayItems(s *base.Schema) *base.SchemaProxy {
	if s == nil || s.Items == nil || !s.Items.IsA() {
		return nil
	}
	if len(s.Type) > 0 && !contains(s.Type, "array") {
		return nil
	}
	return s.Items.A
}

// sameSchema compares two item schemas: the same $ref, or (both inline)
// the same property names.
func sameSchema(a, b *base.SchemaProxy) bool {
	if a.IsReference() && b.IsReference() {
		return a.GetReference() == b.GetReference()
	}
	as, bs := a.Schema(), b.Schema()
	if as == nil || bs == nil {
		return false
	}
	pa, pb := allProperties(as), allProperties(bs)
	if len(pa) != len(pb) {
		return false
	}
	names := map[string]bool{}
	for _, p := range pa {
		names[p.name] = true
	}
	for _, p := range pb {
		if !names[p.name] {
			return false
		}
	}
	return true
}

// successResponse is op's first declared 2xx response.
func successResponse(op *validator.Operation) *v3.Response {
	if c := SuccessStatus(op, 0); c != 0 {
		_, resp := op.ResponseFor(c)
		return resp
	}
	return nil
}

func jsonSchema(resp *v3.Response) *base.SchemaProxy {
	if resp == nil {
		return nil
	}
	return jsonSchemaOf(resp.Content)
}

// jsonSchemaOf is the schema of the first JSON media type of content.
func jsonSchemaOf(content *orderedmap.Map[string, *v3.MediaType]) *base.SchemaProxy {
	if content == nil {
		return nil
	}
	for p := content.First(); p != nil; p = p.Next() {
		if IsJSON(p.Key()) && p.Value() != nil && p.Value().Schema != nil {
			return p.Value().Schema
		}
	}
	return nil
}

// IsJSON reports whether a media type is JSON (application/json, a +json
// suffix, or */*).
func IsJSON(mt string) bool {
	mt = strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "*/*"
}

func lastLiteral(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if s := segs[i]; s != "" && !strings.HasPrefix(s, "{") {
			return s
		}
	}
	return strings.Trim(p, "/")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
