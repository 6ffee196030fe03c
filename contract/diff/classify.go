package diff

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	lowbase "github.com/pb33f/libopenapi/datamodel/low/base"

	"github.com/pb33f/libopenapi/datamodel/low"
	lowv2 "github.com/pb33f/libopenapi/datamodel/low/v2"
	lowv3 "github.com/pb33f/libopenapi/datamodel/low/v3"
	"github.com/pb33f/libopenapi/what-changed/model"
)

// verdict is the classification of one change.
type verdict struct {
	id    string
	class Class
}

// emit classifies c at s. A change inside a component schema becomes one
// finding per side the operations use it on (none: non-breaking).
func (w *walker) emit(s site, c *model.Change) {
	w.seen[c] = true
	if s.component == "" || s.op != nil {
		w.add(s, c, classify(s, c))
		return
	}
	used := false
	for _, sd := range []side{sideRequest, sideResponse} {
		users := unionOps(w.oldUse.usedBy(s.component, sd), w.newUse.usedBy(s.component, sd))
		if len(users) == 0 {
			continue
		}
		used = true
		ss := s
		ss.side = sd
		w.add(ss, c, classify(ss, c)).UsedBy = users
	}
	if !used {
		v := classify(s, c)
		v.class = NonBreaking
		w.add(s, c, v)
	}
}

// add appends the finding for c and returns it.
func (w *walker) add(s site, c *model.Change, v verdict) *Finding {
	f := Finding{ID: v.id, Class: v.class, Operation: s.op, Component: s.component, Where: s.place()}
	f.Before, f.After = value(c.OriginalObject, c.Original), value(c.NewObject, c.New)
	f.Message = describe(c)
	if s.component != "" && s.op == nil && v.class == NonBreaking && s.side == sideNone {
		f.Message += " (no operation uses this schema)"
	}
	if ctx := c.Context; ctx != nil {
		if ctx.OriginalLine != nil {
			f.Old = location(fileOf(ctx, w.oldName), w.oldPos, *ctx.OriginalLine, deref(ctx.OriginalColumn))
		}
		if ctx.NewLine != nil {
			f.New = location(fileOf(ctx, w.newName), w.newPos, *ctx.NewLine, deref(ctx.NewColumn))
		}
	}
	w.findings = append(w.findings, f)
	return &w.findings[len(w.findings)-1]
}

// location is a finding's place in a file; filePos (nil in tests that
// build a walker by hand) maps the node position to the file's.
func location(file string, filePos func(line, col int) (int, int), line, col int) *Location {
	if filePos != nil {
		line, col = filePos(line, col)
	}
	return &Location{File: file, Line: line, Col: col}
}

// place is the readable place of a site: "response 200 application/json: items[].name".
func (s site) place() string {
	where := s.where
	if s.component != "" && s.op == nil {
		where = s.component
	}
	if s.schema != "" {
		if where != "" {
			return where + ": " + s.schema
		}
		return s.schema
	}
	return where
}

// classify picks the rule for the change's place.
func classify(s site, c *model.Change) verdict {
	switch {
	case s.param:
		return paramVerdict(s, c)
	case s.header:
		return headerVerdict(s, c)
	case s.inSchema:
		return schemaVerdict(s.side, c)
	case s.side != sideNone:
		return messageVerdict(s, c)
	case s.op != nil && s.op.Method == "" && s.where == "":
		return pathVerdict(s, c)
	}
	return operationVerdict(s, c)
}

// pathVerdict: paths and operations added or removed, path-wide parts.
func pathVerdict(s site, c *model.Change) verdict {
	if c.Property == s.op.Path {
		return addRemove(c, "path", BreakingForClients)
	}
	if m := strings.ToUpper(c.Property); isMethod(m) {
		s.op.Method = m
		return addRemove(c, "operation", BreakingForClients)
	}
	return operationVerdict(s, c)
}

// operationVerdict: an operation's own properties and the document's.
func operationVerdict(s site, c *model.Change) verdict {
	switch c.Property {
	case "parameters":
		if added(c) {
			if requiresAny(c.NewObject) {
				return verdict{"request-parameter-added-required", BreakingForCallers}
			}
			return verdict{"request-parameter-added", NonBreaking}
		}
		return verdict{"request-parameter-removed", NonBreaking}
	case "requestBody":
		if added(c) {
			if requiresAny(c.NewObject) {
				return verdict{"request-body-added-required", BreakingForCallers}
			}
			return verdict{"request-body-added", NonBreaking}
		}
		return verdict{"request-body-removed", NonBreaking}
	case "responses":
		return addRemove(c, "response-status", BreakingForClients)
	case "consumes":
		return addRemove(c, "request-media-type", BreakingForCallers)
	case "produces":
		return addRemove(c, "response-media-type", BreakingForClients)
	case "security":
		if added(c) {
			return verdict{"security-added", BreakingForCallers}
		}
		return verdict{"security-removed", NonBreaking}
	case "deprecated":
		return verdict{"deprecated", NonBreaking}
	case "operationId":
		return verdict{"operation-id-changed", NonBreaking}
	case "servers", "url", "host", "basePath", "schemes":
		if added(c) && c.Property != "host" && c.Property != "basePath" {
			return verdict{"server-added", NonBreaking}
		}
		return verdict{"server-changed", BreakingForCallers}
	case "openapi", "swagger", "jsonSchemaDialect":
		return verdict{"openapi-version-changed", NonBreaking}
	}
	if isDoc(c.Property) {
		return verdict{"documentation-changed", NonBreaking}
	}
	return fallback(s.side, c)
}

// messageVerdict: request bodies, responses and media types (not their schemas).
func messageVerdict(s site, c *model.Change) verdict {
	prefix := sidePrefix(s.side)
	switch {
	case c.Property == "content":
		return addRemove(c, prefix+"media-type", s.side.breaks())
	case c.Property == "headers":
		return addRemove(c, "response-header", BreakingForClients)
	case c.Property == "required" && c.ChangeType == model.Modified:
		if c.New == "true" {
			return verdict{"request-body-became-required", BreakingForCallers}
		}
		return verdict{"request-body-became-optional", NonBreaking}
	case s.where == "responses" && (c.ChangeType == model.ObjectAdded || c.ChangeType == model.ObjectRemoved || c.ChangeType == model.PropertyRemoved || c.ChangeType == model.PropertyAdded):
		return addRemove(c, "response-status", BreakingForClients)
	case c.Property == "schema":
		return schemaVerdict(s.side, c)
	}
	if isDoc(c.Property) {
		return verdict{"documentation-changed", NonBreaking}
	}
	return fallback(s.side, c)
}

// paramVerdict: a parameter's own properties (Swagger 2.0 parameters
// carry their schema keywords inline).
func paramVerdict(s site, c *model.Change) verdict {
	switch c.Property {
	case "required":
		if c.New == "true" {
			return verdict{"request-parameter-became-required", BreakingForCallers}
		}
		return verdict{"request-parameter-became-optional", NonBreaking}
	case "in":
		return verdict{"request-parameter-location-changed", BreakingForCallers}
	case "style", "explode", "allowReserved", "collectionFormat":
		return verdict{"request-parameter-serialization-changed", BreakingForCallers}
	case "allowEmptyValue":
		if c.New == "true" {
			return verdict{"request-parameter-widened", NonBreaking}
		}
		return verdict{"request-parameter-narrowed", BreakingForCallers}
	case "content":
		return addRemove(c, "request-media-type", BreakingForCallers)
	}
	if isDoc(c.Property) {
		return verdict{"documentation-changed", NonBreaking}
	}
	return schemaVerdict(s.side, c)
}

// headerVerdict: a response header's own properties.
func headerVerdict(s site, c *model.Change) verdict {
	if c.Property == "required" {
		if c.New == "true" {
			return verdict{"response-header-became-required", NonBreaking}
		}
		return verdict{"response-header-became-optional", BreakingForClients}
	}
	if isDoc(c.Property) {
		return verdict{"documentation-changed", NonBreaking}
	}
	return schemaVerdict(s.side, c)
}

// addRemove: removal breaks whom (id-removed), addition is id-added.
func addRemove(c *model.Change, id string, whom Class) verdict {
	if added(c) {
		return verdict{id + "-added", NonBreaking}
	}
	if c.ChangeType == model.Modified {
		return verdict{id + "-changed", whom}
	}
	return verdict{id + "-removed", whom}
}

// fallback classifies a change no rule knows by libopenapi's own breaking
// flag, on the side it sits.
func fallback(s side, c *model.Change) verdict {
	return verdict{sidePrefix(s) + "changed", libClass(c, s)}
}

// libClass turns libopenapi's breaking flag into a class for side s.
func libClass(c *model.Change, s side) Class {
	if !c.Breaking {
		return NonBreaking
	}
	if s == sideRequest {
		return BreakingForCallers
	}
	return BreakingForClients
}

// breaks is the class of a change that breaks on side s.
func (s side) breaks() Class {
	switch s {
	case sideRequest:
		return BreakingForCallers
	case sideResponse:
		return BreakingForClients
	case sideNone:
	}
	return NonBreaking
}

func sidePrefix(s side) string {
	switch s {
	case sideRequest:
		return "request-"
	case sideResponse:
		return "response-"
	case sideNone:
	}
	return "schema-"
}

func added(c *model.Change) bool {
	return c.ChangeType == model.PropertyAdded || c.ChangeType == model.ObjectAdded
}

func isMethod(m string) bool {
	switch m {
	case "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY":
		return true
	}
	return false
}

func isDoc(label string) bool {
	switch label {
	case "description", "summary", "title", "example", "examples", "externalDocs", "tags", "$comment", "xml",
		"contact", "license", "termsOfService", "info", "version", "name", "url", "email", "links":
		return true
	}
	return strings.HasPrefix(label, "x-")
}

// requiresAny reports whether an added parameter (or list of them), or a
// request body, is required.
func requiresAny(obj any) bool {
	switch v := obj.(type) {
	case *lowv3.Parameter:
		return v.Required.Value
	case *lowv2.Parameter:
		return v.Required.Value
	case *lowv3.RequestBody:
		return v.Required.Value
	case []low.ValueReference[*lowv3.Parameter]:
		for _, p := range v {
			if p.Value != nil && p.Value.Required.Value {
				return true
			}
		}
	case []low.ValueReference[*lowv2.Parameter]:
		for _, p := range v {
			if p.Value != nil && p.Value.Required.Value {
				return true
			}
		}
	}
	return false
}

func describe(c *model.Change) string {
	before, after := value(c.OriginalObject, c.Original), value(c.NewObject, c.New)
	label := c.Property
	switch label {
	case "properties":
		label = "property"
	case "enum":
		label = "enum value"
	case "required":
		if c.ChangeType != model.Modified {
			label = "required field"
		}
	case "content":
		label = "media type"
	}
	switch c.ChangeType {
	case model.Modified:
		return fmt.Sprintf("%s changed from %s to %s", c.Property, quote(before), quote(after))
	case model.PropertyAdded, model.ObjectAdded:
		if after != "" && after != c.Property {
			return fmt.Sprintf("%s %s added", label, quote(after))
		}
		return label + " added"
	}
	if before != "" && before != c.Property {
		return fmt.Sprintf("%s %s removed", label, quote(before))
	}
	return label + " removed"
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

// value is what a finding shows of a changed value: for a schema (a
// oneOf entry added, say) the component it refers to, or nothing for an
// inline one, since the node value what-changed gives for a schema varies
// from run to run; for anything else the scalar, when it is short.
func value(obj any, s string) string {
	if sp, ok := obj.(*lowbase.SchemaProxy); ok {
		if sp.IsReference() {
			return path.Base(sp.GetReference())
		}
		return ""
	}
	return scalar(s)
}

// scalar keeps short one-line values; objects render as nothing.
func scalar(s string) string {
	if len(s) > 200 || strings.ContainsAny(s, "\n") {
		return ""
	}
	return s
}

func fileOf(ctx *model.ChangeContext, name string) string {
	if ctx.DocumentLocation != "" && !strings.HasSuffix(ctx.DocumentLocation, "root.yaml") {
		return ctx.DocumentLocation
	}
	return name
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func unionOps(a, b []Operation) []Operation {
	seen := map[Operation]bool{}
	var out []Operation
	for _, list := range [][]Operation{a, b} {
		for _, o := range list {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}
