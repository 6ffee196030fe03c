package validator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pb33f/libopenapi-validator/cache"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"go.yaml.in/yaml/v4"
)

// Per-operation schema compilation.
//
// libopenapi-validator compiles a schema whose $refs survive inline
// rendering (any schema on a reference cycle, which large specs are full of)
// by rendering the whole document as one JSON Schema resource: on GitHub's
// spec that is seconds and hundreds of megabytes per compile. Instead, the
// first validation of an operation compiles each of its schemas here, from
// the YAML nodes of the already-parsed document: the schema plus only the
// components it reaches, bundled at their own JSON pointers into one small
// resource, compiled with the library's own compiler settings (OpenAPI
// vocabulary, 3.0 nullable, regex engine, formats). The results go into the
// library's schema cache under the library's keys, so the library finds
// them and never compiles. A schema this cannot bundle (a $ref to another
// file) is left to the library, which compiles it as before.

// bundleResource names the in-memory resource a bundle is compiled as.
const bundleResource = "mem://mockd/bundle.json"

// bundleEntry is the key of the bundle that holds the schema compiled.
const bundleEntry = "x-mockd-entry"

// errNotBundled marks a schema left to the library (external references).
var errNotBundled = errors.New("schema reaches another document")

// Prepare compiles op's schemas now instead of on op's first validation
// (each operation once; later calls return at once). A caller that knows
// which operations it will validate, such as a contract check reading
// traffic, can prepare them ahead from several goroutines: a validation of
// an operation still being prepared waits for it. op must be one of s's
// Operations.
func (s *Spec) Prepare(op *Operation) { s.prepare(op) }

// prepare compiles op's schemas into the schema cache, once per operation.
// It only reads the document's YAML nodes, so operations can be prepared
// concurrently with each other and with validations.
func (s *Spec) prepare(op *Operation) {
	if s.vopts == nil {
		return
	}
	op.prepared.Do(func() {
		s.cache.stats.operations.Add(1)
		for _, t := range s.operationSchemas(op) {
			s.compileInto(t)
		}
	})
}

// CompileStats counts the schema compilation done so far for a Spec.
type CompileStats struct {
	// Operations whose schemas were compiled (each once, on its first
	// validation or in Checker.Run's pre-compile pass).
	Operations int64
	// Schemas mockd's per-operation compiler compiled (or tried to: a
	// schema it cannot bundle is left to the library), and the distinct
	// schemas among them: equal when no schema was compiled twice.
	Schemas, Distinct int64
	// Library counts the schemas libopenapi-validator compiled itself
	// (those mockd cannot bundle: $refs into other files), each under the
	// exclusive lock that stops every other validation meanwhile.
	Library int64
}

// CompileStats returns the compilation counters.
func (s *Spec) CompileStats() CompileStats {
	c := &s.cache.stats
	return CompileStats{Operations: c.operations.Load(), Schemas: c.schemas.Load(), Distinct: c.distinct.Load(), Library: c.library.Load()}
}

// compileCounters back CompileStats.
type compileCounters struct {
	operations, schemas, distinct, library atomic.Int64
}

// schemaTarget is one schema of an operation and how the library keys it.
type schemaTarget struct {
	schema  *base.Schema
	purpose schema_validation.SchemaValidationPurpose
	version float32
	where   string // for logs: "GET /x request body"
}

// operationSchemas lists the schemas the library compiles when validating
// op: parameters, request bodies, response bodies and response headers.
func (s *Spec) operationSchemas(op *Operation) []schemaTarget {
	version := helpers.VersionToFloat(s.Model.Version)
	const paramVersion = 3.1 // libopenapi-validator compiles parameters as 3.1
	var out []schemaTarget
	add := func(p *base.SchemaProxy, purpose schema_validation.SchemaValidationPurpose, v float32, where string) {
		if p == nil {
			return
		}
		if sc := p.Schema(); sc != nil && sc.GoLow() != nil {
			out = append(out, schemaTarget{schema: sc, purpose: purpose, version: v, where: where})
		}
	}
	name := op.Method + " " + op.Path
	for _, p := range op.Parameters() {
		add(p.Schema, schema_validation.SchemaValidationPurposeGeneric, paramVersion, name+" parameter "+p.Name)
	}
	if rb := op.Op.RequestBody; rb != nil && rb.Content != nil {
		for m := rb.Content.First(); m != nil; m = m.Next() {
			if m.Value() != nil {
				add(m.Value().Schema, schema_validation.SchemaValidationPurposeRequestBody, version, name+" request body "+m.Key())
			}
		}
	}
	for _, key := range op.Statuses() {
		resp := op.Response(key)
		if resp == nil {
			continue
		}
		if resp.Content != nil {
			for m := resp.Content.First(); m != nil; m = m.Next() {
				if m.Value() != nil {
					add(m.Value().Schema, schema_validation.SchemaValidationPurposeResponseBody, version, name+" "+key+" response "+m.Key())
				}
			}
		}
		if resp.Headers != nil {
			for h := resp.Headers.First(); h != nil; h = h.Next() {
				if h.Value() != nil {
					add(h.Value().Schema, schema_validation.SchemaValidationPurposeGeneric, paramVersion, name+" "+key+" header "+h.Key())
				}
			}
		}
	}
	return out
}

// compileInto compiles one schema and stores it in the library's cache,
// unless it is there already or cannot be bundled. Operations prepared
// concurrently that share a schema compile it once: the others wait for it.
func (s *Spec) compileInto(t schemaTarget) {
	key := schema_validation.SchemaCacheKey(t.schema.GoLow().Hash(), t.version, t.purpose)
	if _, ok := s.cache.m.Load(key); ok {
		return
	}
	once, loaded := s.cache.compiling.LoadOrStore(key, new(sync.Once))
	if !loaded {
		s.cache.stats.distinct.Add(1)
	}
	once.(*sync.Once).Do(func() {
		s.cache.stats.schemas.Add(1)
		entry, err := s.compileSchema(t)
		if err != nil {
			if !errors.Is(err, errNotBundled) {
				s.logger.Debug("schema left to libopenapi-validator", "schema", t.where, "reason", err.Error())
			}
			return
		}
		s.cache.m.LoadOrStore(key, entry)
	})
}

// compileSchema bundles and compiles one schema.
func (s *Spec) compileSchema(t schemaTarget) (*cache.SchemaCacheEntry, error) {
	low := t.schema.GoLow()
	node := low.GetRootNode()
	idx := low.GetIndex()
	if node == nil || idx == nil || idx.GetRootNode() == nil {
		return nil, errNotBundled
	}
	b := &bundler{root: docRoot(idx.GetRootNode()), purpose: t.purpose, done: map[string]bool{}, out: map[string]any{}}
	entry, err := b.convert(node, "", 0)
	if err != nil {
		return nil, err
	}
	b.out[bundleEntry] = entry
	for len(b.queue) > 0 {
		ref := b.queue[0]
		b.queue = b.queue[1:]
		if err := b.include(ref); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(b.out)
	if err != nil {
		return nil, fmt.Errorf("encode bundle of %s: %w", t.where, err)
	}
	compiled, err := helpers.NewCompiledSchemaResourcesWithVersion(
		bundleResource+"#/"+bundleEntry, map[string][]byte{bundleResource: data}, s.vopts, t.version)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", t.where, err)
	}
	// No YAML rendering here: yaml.Marshal rewrites the nodes it is given.
	out := &cache.SchemaCacheEntry{
		Schema:         t.schema,
		RenderedJSON:   data,
		CompiledSchema: compiled,
		RenderedNode:   node,
	}
	if t.purpose == schema_validation.SchemaValidationPurposeGeneric {
		// The library quotes a parameter's schema in its errors and,
		// finding no rendering in the cache, renders it inline again on
		// every validation of the parameter (two thirds of a GET with a
		// path parameter). The schema as JSON (also YAML) is kept instead.
		// Body schemas do without: there the library would read the
		// rendering for error positions, which come from the spec's nodes.
		if inline, err := json.Marshal(entry); err == nil {
			out.RenderedInline, out.ReferenceSchema = inline, string(inline)
		}
	}
	return out, nil
}

// Document returns the root mapping node of the document the model was
// built from, whose nodes carry the spec file's lines and columns (nil when
// the spec has no parsed document). The library compiles schemas from the
// same nodes and may resolve them meanwhile: read the tree only inside
// Read, and never change it.
func (s *Spec) Document() *yaml.Node { return s.rootNode() }

// rootNode returns the mapping node of the parsed document the model was
// built from (nil when there is none).
func (s *Spec) rootNode() *yaml.Node {
	if s.Model == nil || s.Model.Index == nil {
		return nil
	}
	return docRoot(s.Model.Index.GetRootNode())
}

// docRoot returns the mapping node of a document node.
func docRoot(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return n
}

// bundler converts a schema's YAML nodes to JSON values and gathers the
// local components its $refs reach, placed at their own JSON pointers.
type bundler struct {
	root    *yaml.Node
	purpose schema_validation.SchemaValidationPurpose
	out     map[string]any
	done    map[string]bool
	queue   []string
}

// maxBundleDepth bounds the conversion of one node tree.
const maxBundleDepth = 256

// include resolves a local $ref and places its converted target in out.
func (b *bundler) include(ref string) error {
	segs := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	node := b.root
	for _, seg := range segs {
		node = yamlChild(node, seg)
		if node == nil {
			return nil // unresolved: jsonschema reports it if it is a schema ref
		}
	}
	v, err := b.convert(node, "", 0)
	if err != nil {
		return err
	}
	cur := b.out
	for i, seg := range segs {
		if i == len(segs)-1 {
			cur[seg] = v
			break
		}
		next, ok := cur[seg].(map[string]any)
		if !ok {
			if cur[seg] != nil {
				return errNotBundled // a pointer into a list already bundled
			}
			next = map[string]any{}
			cur[seg] = next
		}
		cur = next
	}
	return nil
}

// yamlChild returns the value under key of a mapping, or the element at
// index key of a sequence.
func yamlChild(n *yaml.Node, key string) *yaml.Node {
	n = deAlias(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	default:
	}
	return nil
}

func deAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// nameMaps are schema keywords whose keys are names, not keywords.
func isNameMap(key string) bool {
	switch key {
	case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
		return true
	}
	return false
}

// isData reports keywords whose values are instances, not schemas: their
// content is copied as is and never searched for $refs.
func isData(key string) bool {
	switch key {
	case "enum", "const", "default", "example", "examples":
		return true
	}
	return false
}

// convert turns a schema node into JSON values. parent is the keyword the
// node sits under. Local $refs are queued for inclusion; documentation-only
// keywords are dropped; readOnly (request) or writeOnly (response) properties
// are dropped from required, as the library does.
func (b *bundler) convert(n *yaml.Node, parent string, depth int) (any, error) {
	n = deAlias(n)
	if n == nil {
		return nil, nil
	}
	if depth > maxBundleDepth {
		return nil, fmt.Errorf("schema nests deeper than %d levels", maxBundleDepth)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := b.convert(c, parent, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		return b.convertMapping(n, parent, depth)
	default:
	}
	return nil, nil
}

func (b *bundler) convertMapping(n *yaml.Node, parent string, depth int) (any, error) {
	names := isNameMap(parent)
	out := make(map[string]any, len(n.Content)/2)
	var required *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if !names {
			switch k {
			case "description", "externalDocs", "example", "examples", "xml", "title":
				continue
			case "required":
				required = v
			case "$ref":
				if v.Kind == yaml.ScalarNode {
					if !strings.HasPrefix(v.Value, "#") {
						return nil, errNotBundled
					}
					if !b.done[v.Value] {
						b.done[v.Value] = true
						b.queue = append(b.queue, v.Value)
					}
					out[k] = v.Value
					continue
				}
			}
			if isData(k) {
				out[k] = plainValue(v, 0)
				continue
			}
		}
		cv, err := b.convert(v, k, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = cv
	}
	if required != nil && !names && b.purpose != schema_validation.SchemaValidationPurposeGeneric {
		b.pruneRequired(n, required, out)
	}
	return out, nil
}

// pruneRequired drops from required the properties that are readOnly (in a
// request) or writeOnly (in a response).
func (b *bundler) pruneRequired(n, required *yaml.Node, out map[string]any) {
	props := yamlChild(n, "properties")
	if props == nil || required.Kind != yaml.SequenceNode {
		return
	}
	kept := make([]any, 0, len(required.Content))
	for _, item := range required.Content {
		if item.Kind == yaml.ScalarNode && b.directional(yamlChild(props, item.Value), 0) {
			continue
		}
		kept = append(kept, plainValue(item, 0))
	}
	if len(kept) == 0 {
		delete(out, "required")
		return
	}
	out["required"] = kept
}

// directional reports whether a property schema is readOnly (request) or
// writeOnly (response), following local $refs and allOf/anyOf/oneOf.
func (b *bundler) directional(n *yaml.Node, depth int) bool {
	n = deAlias(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 8 {
		return false
	}
	key := "readOnly"
	if b.purpose == schema_validation.SchemaValidationPurposeResponseBody {
		key = "writeOnly"
	}
	if v := yamlChild(n, key); v != nil && v.Kind == yaml.ScalarNode && v.Value == "true" {
		return true
	}
	if ref := yamlChild(n, "$ref"); ref != nil && strings.HasPrefix(ref.Value, "#/") {
		target := b.root
		for _, seg := range strings.Split(strings.TrimPrefix(ref.Value, "#/"), "/") {
			target = yamlChild(target, strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~"))
		}
		if b.directional(target, depth+1) {
			return true
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if seq := yamlChild(n, k); seq != nil && seq.Kind == yaml.SequenceNode {
			for _, c := range seq.Content {
				if b.directional(c, depth+1) {
					return true
				}
			}
		}
	}
	return false
}

// plainValue converts instance data (enum, const, default) without any
// schema handling.
func plainValue(n *yaml.Node, depth int) any {
	n = deAlias(n)
	if n == nil || depth > maxBundleDepth {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, plainValue(c, depth+1))
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = plainValue(n.Content[i+1], depth+1)
		}
		return out
	default:
	}
	return nil
}

// scalarValue decodes a YAML scalar as JSON would see it. Numbers stay
// json.Number, so integers beyond int64 keep every digit.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	case "!!int", "!!float":
		if json.Valid([]byte(n.Value)) {
			return json.Number(n.Value)
		}
		var v any
		if err := n.Decode(&v); err == nil {
			if i, ok := v.(int); ok {
				return json.Number(strconv.Itoa(i))
			}
			if f, ok := v.(float64); ok {
				if b, err := json.Marshal(f); err == nil {
					return json.Number(b)
				}
			}
		}
		return n.Value
	}
	return n.Value
}
