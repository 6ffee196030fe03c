package diff

import (
	"sort"
	"strings"

	"github.com/pb33f/libopenapi/what-changed/model"
	"go.yaml.in/yaml/v4"
)

// site is where a change sits: the operation (or component) and the side
// of the traffic, with a readable place inside it.
type site struct {
	op        *Operation
	side      side
	where     string // "response 200 application/json"
	schema    string // path inside a schema: "items[].name"
	component string // #/components/schemas/Pet
	param     bool   // a parameter's own properties (required, in, style)
	header    bool   // a response header's own properties
	inSchema  bool   // inside a schema
}

func (s site) in(where string) site {
	if s.where != "" {
		where = s.where + " " + where
	}
	s.where = where
	return s
}

func (s site) field(name string) site {
	switch {
	case s.schema == "":
		s.schema = name
	case strings.HasPrefix(name, "["):
		s.schema += name
	default:
		s.schema += "." + name
	}
	return s
}

// walker turns what-changed's tree into findings.
type walker struct {
	oldName, newName string
	oldUse, newUse   *usage
	oldRoot, newRoot *yaml.Node
	// oldPos and newPos map node positions to file positions.
	oldPos, newPos func(line, col int) (int, int)
	swagger        bool
	findings       []Finding
	seen           map[*model.Change]bool
}

func newWalker(oldName, newName string, oldUse, newUse *usage) *walker {
	return &walker{oldName: oldName, newName: newName, oldUse: oldUse, newUse: newUse, seen: map[*model.Change]bool{}}
}

// document walks every part of the report, then sweeps up the changes no
// walk placed (classified by libopenapi's own breaking flag), so nothing
// what-changed reports is lost.
func (w *walker) document(dc *model.DocumentChanges) {
	top := site{where: "document"}
	w.changes(top, propChanges(dc.PropertyChanges))
	w.rest(top, dc.InfoChanges.GetAllChanges())
	w.rest(top, dc.ExternalDocChanges.GetAllChanges())
	w.rest(top, dc.ExtensionChanges.GetAllChanges())
	for _, t := range dc.TagChanges {
		w.rest(top, t.GetAllChanges())
	}
	for _, s := range dc.ServerChanges {
		w.changes(site{where: "servers"}, s.GetAllChanges())
	}
	w.security(site{where: "security"}, nil, dc.SecurityRequirementChanges)
	if dc.PathsChanges != nil {
		w.paths(dc.PathsChanges)
	}
	for _, name := range sortedKeys(dc.WebhookChanges) {
		w.rest(site{where: "webhook " + name}, dc.WebhookChanges[name].GetAllChanges())
	}
	if dc.ComponentsChanges != nil {
		w.components(dc.ComponentsChanges)
	}
	for _, c := range dc.GetAllChanges() {
		if !w.seen[c] {
			w.emit(top, c)
		}
	}
}

func (w *walker) paths(pc *model.PathsChanges) {
	for _, c := range propChanges(pc.PropertyChanges) {
		w.emit(site{op: &Operation{Path: c.Property}}, c)
	}
	w.rest(site{where: "paths"}, pc.ExtensionChanges.GetAllChanges())
	for _, path := range sortedKeys(pc.PathItemsChanges) {
		w.pathItem(path, pc.PathItemsChanges[path])
	}
}

func (w *walker) pathItem(path string, pic *model.PathItemChanges) {
	if pic == nil {
		return
	}
	s := site{op: &Operation{Path: path}}
	w.changes(s, propChanges(pic.PropertyChanges))
	for _, sc := range pic.ServerChanges {
		w.changes(s.in("servers"), sc.GetAllChanges())
	}
	w.rest(s, pic.ExtensionChanges.GetAllChanges())
	for _, p := range pic.ParameterChanges {
		w.parameter(site{op: s.op, side: sideRequest}, p)
	}
	ops := map[string]*model.OperationChanges{
		"GET": pic.GetChanges, "PUT": pic.PutChanges, "POST": pic.PostChanges, "DELETE": pic.DeleteChanges,
		"OPTIONS": pic.OptionsChanges, "HEAD": pic.HeadChanges, "PATCH": pic.PatchChanges,
		"TRACE": pic.TraceChanges, "QUERY": pic.QueryChanges,
	}
	for m, oc := range pic.AdditionalOperationChanges {
		ops[strings.ToUpper(m)] = oc
	}
	for _, m := range sortedKeys(ops) {
		if ops[m] != nil {
			w.operation(Operation{Method: m, Path: path}, ops[m])
		}
	}
}

func (w *walker) operation(op Operation, oc *model.OperationChanges) {
	s := site{op: &op}
	w.changes(s, propChanges(oc.PropertyChanges))
	w.rest(s, oc.ExternalDocChanges.GetAllChanges())
	w.rest(s, oc.ExtensionChanges.GetAllChanges())
	for _, name := range sortedKeys(oc.CallbackChanges) {
		w.rest(s.in("callback "+name), oc.CallbackChanges[name].GetAllChanges())
	}
	for _, sc := range oc.ServerChanges {
		w.changes(s.in("servers"), sc.GetAllChanges())
	}
	for _, p := range oc.ParameterChanges {
		w.parameter(site{op: &op, side: sideRequest}, p)
	}
	if rb := oc.RequestBodyChanges; rb != nil {
		rs := site{op: &op, side: sideRequest, where: "request body"}
		w.changes(rs, propChanges(rb.PropertyChanges))
		w.rest(rs, rb.ExtensionChanges.GetAllChanges())
		w.content(rs, rb.ContentChanges)
	}
	if rc := oc.ResponsesChanges; rc != nil {
		rs := site{op: &op, side: sideResponse, where: "responses"}
		w.changes(rs, propChanges(rc.PropertyChanges))
		w.rest(rs, rc.ExtensionChanges.GetAllChanges())
		for _, code := range sortedKeys(rc.ResponseChanges) {
			w.response(site{op: &op, side: sideResponse, where: "response " + code}, rc.ResponseChanges[code])
		}
		if rc.DefaultChanges != nil {
			w.response(site{op: &op, side: sideResponse, where: "response default"}, rc.DefaultChanges)
		}
	}
	w.security(site{op: &op, where: "security"}, &op, oc.SecurityRequirementChanges)
}

func (w *walker) parameter(s site, pc *model.ParameterChanges) {
	if pc == nil {
		return
	}
	s = s.in("parameter " + pc.Name)
	ps := s
	ps.param = true
	w.changes(ps, propChanges(pc.PropertyChanges))
	w.rest(s, pc.ExtensionChanges.GetAllChanges())
	for _, name := range sortedKeys(pc.ExamplesChanges) {
		w.rest(s, pc.ExamplesChanges[name].GetAllChanges())
	}
	w.schema(s, pc.SchemaChanges)
	w.items(s.field("[]"), pc.ItemsChanges)
	w.content(s, pc.ContentChanges)
}

func (w *walker) response(s site, rc *model.ResponseChanges) {
	if rc == nil {
		return
	}
	w.changes(s, propChanges(rc.PropertyChanges))
	w.rest(s, rc.ExtensionChanges.GetAllChanges())
	w.rest(s, rc.ExamplesChanges.GetAllChanges())
	for _, name := range sortedKeys(rc.LinkChanges) {
		w.rest(s, rc.LinkChanges[name].GetAllChanges())
	}
	w.schema(s, rc.SchemaChanges)
	w.content(s, rc.ContentChanges)
	for _, name := range sortedKeys(rc.HeadersChanges) {
		hc := rc.HeadersChanges[name]
		hs := s.in("header " + name)
		own := hs
		own.header = true
		w.changes(own, propChanges(hc.PropertyChanges))
		w.rest(hs, hc.ExtensionChanges.GetAllChanges())
		for _, ex := range sortedKeys(hc.ExamplesChanges) {
			w.rest(hs, hc.ExamplesChanges[ex].GetAllChanges())
		}
		w.schema(hs, hc.SchemaChanges)
		w.items(hs.field("[]"), hc.ItemsChanges)
		w.content(hs, hc.ContentChanges)
	}
}

func (w *walker) content(s site, mts map[string]*model.MediaTypeChanges) {
	for _, mt := range sortedKeys(mts) {
		mc := mts[mt]
		if mc == nil {
			continue
		}
		ms := s.in(mt)
		w.changes(ms, propChanges(mc.PropertyChanges))
		w.rest(ms, mc.ExtensionChanges.GetAllChanges())
		for _, name := range sortedKeys(mc.ExampleChanges) {
			w.rest(ms, mc.ExampleChanges[name].GetAllChanges())
		}
		for _, name := range sortedKeys(mc.EncodingChanges) {
			w.rest(ms, mc.EncodingChanges[name].GetAllChanges())
		}
		w.schema(ms, mc.SchemaChanges)
		w.schema(ms.field("itemSchema"), mc.ItemSchemaChanges)
	}
}

// schema walks a schema's changes, naming each nested place.
func (w *walker) schema(s site, sc *model.SchemaChanges) {
	if sc == nil {
		return
	}
	s.inSchema = true
	w.changes(s, propChanges(sc.PropertyChanges))
	w.rest(s, sc.ExternalDocChanges.GetAllChanges())
	w.rest(s, sc.XMLChanges.GetAllChanges())
	w.rest(s, sc.ExtensionChanges.GetAllChanges())
	w.changes(s.field("discriminator"), sc.DiscriminatorChanges.GetAllChanges())
	for _, name := range sortedKeys(sc.SchemaPropertyChanges) {
		w.schema(s.field(name), sc.SchemaPropertyChanges[name])
	}
	w.schema(s.field("[]"), sc.ItemsChanges)
	w.schema(s.field("additionalProperties"), sc.AdditionalPropertiesChanges)
	for label, list := range map[string][]*model.SchemaChanges{"allOf": sc.AllOfChanges, "anyOf": sc.AnyOfChanges, "oneOf": sc.OneOfChanges, "prefixItems": sc.PrefixItemsChanges} {
		for _, sub := range list {
			w.schema(s.field(label), sub)
		}
	}
	nested := map[string]*model.SchemaChanges{
		"not": sc.NotChanges, "if": sc.IfChanges, "then": sc.ThenChanges, "else": sc.ElseChanges,
		"propertyNames": sc.PropertyNamesChanges, "contains": sc.ContainsChanges,
		"unevaluatedItems": sc.UnevaluatedItemsChanges, "unevaluatedProperties": sc.UnevaluatedPropertiesChanges,
		"contentSchema": sc.ContentSchemaChanges,
	}
	for _, label := range sortedKeys(nested) {
		w.schema(s.field(label), nested[label])
	}
	for _, m := range []map[string]*model.SchemaChanges{sc.DependentSchemasChanges, sc.PatternPropertiesChanges} {
		for _, name := range sortedKeys(m) {
			w.schema(s.field(name), m[name])
		}
	}
	w.changes(s, sc.DependentRequiredChanges)
}

// items walks Swagger 2.0's items (a parameter's or header's array items).
func (w *walker) items(s site, ic *model.ItemsChanges) {
	s.inSchema = true
	for ; ic != nil; ic = ic.ItemsChanges {
		w.changes(s, propChanges(ic.PropertyChanges))
		s = s.field("[]")
	}
}

func (w *walker) components(cc *model.ComponentsChanges) {
	for _, c := range propChanges(cc.PropertyChanges) {
		w.emit(site{where: "components"}, c)
	}
	w.rest(site{where: "components"}, cc.ExtensionChanges.GetAllChanges())
	prefix := "#/components/schemas/"
	if w.swagger {
		prefix = "#/definitions/"
	}
	for _, name := range sortedKeys(cc.SchemaChanges) {
		w.schema(site{component: prefix + name}, cc.SchemaChanges[name])
	}
	for _, name := range sortedKeys(cc.SecuritySchemeChanges) {
		s := site{where: "security scheme " + name}
		for _, c := range cc.SecuritySchemeChanges[name].GetAllChanges() {
			w.seen[c] = true
			w.add(s, c, schemeVerdict(c))
		}
	}
}

// changes classifies changes found at s.
func (w *walker) changes(s site, cs []*model.Change) {
	for _, c := range cs {
		w.emit(s, c)
	}
}

// rest records documentation-like parts (info, examples, extensions,
// links): never breaking unless libopenapi says so.
func (w *walker) rest(s site, cs []*model.Change) {
	for _, c := range cs {
		w.seen[c] = true
		w.add(s, c, verdict{id: "documentation-changed", class: libClass(c, s.side)})
	}
}

func propChanges(p *model.PropertyChanges) []*model.Change {
	if p == nil {
		return nil
	}
	return p.Changes
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
