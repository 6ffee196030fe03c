package schemagen

import (
	"fmt"
	"math"
	"strconv"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// typeSet is a bit set of JSON types.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBool
	tInt
	tNum // non-integral numbers; "number" allows tInt|tNum
	tStr
	tArr
	tObj

	tAll typeSet = tNull | tBool | tInt | tNum | tStr | tArr | tObj
)

// maxSafeInt is the largest integer a JSON number round-trips exactly through float64 (2^53-1).
const maxSafeInt = 9007199254740991

// maxFlatten bounds allOf flattening (allOf chains and allOf cycles through $ref).
const maxFlatten = 256

// typeBits maps an OpenAPI type name to its type set.
func typeBits(name string) typeSet {
	switch name {
	case "null":
		return tNull
	case "boolean":
		return tBool
	case "integer":
		return tInt
	case "number":
		return tInt | tNum
	case "string":
		return tStr
	case "array":
		return tArr
	case "object":
		return tObj
	}
	return 0
}

// schemaTypes returns the types a single schema admits by its type/nullable keywords alone.
func schemaTypes(s *base.Schema) typeSet {
	if len(s.Type) == 0 {
		return tAll
	}
	var t typeSet
	for _, name := range s.Type {
		t |= typeBits(name)
	}
	if s.Nullable != nil && *s.Nullable {
		t |= tNull
	}
	return t
}

// resolveProxy builds the schema behind a proxy. A 3.1 $ref with sibling keywords becomes an allOf of both.
// The returned path is the $ref when the proxy is a reference, otherwise path.
func resolveProxy(p *base.SchemaProxy, path string) (*base.Schema, string, error) {
	if p == nil {
		return nil, path, &SchemaError{Path: path, Keyword: "schema", Reason: "schema is missing (nil proxy); declare a schema here"}
	}
	if p.IsReference() {
		path = p.GetReference()
	}
	if p.IsTransformedRefWithSiblings() {
		s, err := p.BuildTransformedRefSemanticSchema(nil)
		if err != nil || s == nil {
			return nil, path, &SchemaError{Path: path, Keyword: "$ref", Reason: fmt.Sprintf("cannot build the $ref with sibling keywords: %v; check that the target exists", err)}
		}
		return s, path, nil
	}
	s, err := p.BuildSchema()
	if err != nil || s == nil {
		reason := "the schema could not be built"
		if err != nil {
			reason = fmt.Sprintf("the schema could not be built: %v", err)
		}
		if p.IsReference() {
			reason += "; check that the $ref target " + strconv.Quote(p.GetReference()) + " exists"
		}
		return nil, path, &SchemaError{Path: path, Keyword: "$ref", Reason: reason}
	}
	return s, path, nil
}

// schemaLine returns the spec line of a schema, 0 when unknown.
func schemaLine(s *base.Schema) int {
	if s == nil {
		return 0
	}
	low := s.GoLow()
	if low == nil || low.RootNode == nil {
		return 0
	}
	return low.RootNode.Line
}

// part is one schema with the path it was reached by.
type part struct {
	s    *base.Schema
	path string
}

// branch is one alternative of a oneOf/anyOf group.
type branch struct {
	proxy *base.SchemaProxy
	path  string
}

// group is a oneOf or anyOf group, owned by one schema.
type group struct {
	owner    *base.Schema
	branches []branch
	path     string
	disc     *base.Discriminator
}

// node is the merged view of a conjunction of schemas (a schema with its allOf members flattened, plus any
// chosen oneOf/anyOf branches): the constraints the generator must satisfy at one place in the value.
type node struct {
	path  string
	parts []part // flattened constituents, all must hold

	types typeSet
	// typeOrder is the first declared type list, used for static preference.
	typeOrder []string

	hasConst bool
	constVal any
	enums    [][]any
	examples []any

	// numbers
	lo, hi     float64
	hasLo      bool
	hasHi      bool
	exLo, exHi bool
	multipleOf []float64
	// fmtLo/fmtHi clamp integers to their format's range (int32, or the exactly representable int64 range)
	fmtLo, fmtHi float64

	// strings
	format   string
	minLen   int
	maxLen   int // -1: none
	patterns []string

	// arrays
	minItems   int
	maxItems   int // -1: none
	unique     bool
	itemsFalse bool
	prefix     [][]part
	items      []part
	contains   []part
	minCont    int
	maxCont    int // -1: none

	// objects
	propOrder   []string
	required    []string
	minProps    int
	maxProps    int  // -1: none
	hasAddl     bool // some constituent declares additionalProperties as a schema
	unevalFalse bool
	propNames   []part
	readOnly    bool
	writeOnly   bool
	// cut is set when the node recurses into a schema already being generated (Static mode, like
	// openapi-sampler's circular-reference stop): it is generated as if at MaxDepth.
	cut bool
	// forced holds property values imposed by a discriminator.
	forced map[string]any

	oneOf []group
	anyOf []group
	nots  []part

	// complex marks keywords the generator does not guarantee by construction, so the node's value is checked.
	complex bool
	// hints records keywords that imply a type when none is declared.
	hints typeSet
}

// buildNode flattens parts (expanding allOf) and merges their keywords. resolved lists the schemas whose
// oneOf/anyOf group has already been decided by the caller.
func buildNode(path string, parts []part, resolved map[*base.Schema]bool) (*node, error) {
	n := &node{path: path, types: tAll, maxLen: -1, maxItems: -1, maxProps: -1, maxCont: -1,
		fmtLo: -maxSafeInt, fmtHi: maxSafeInt}
	seen := make(map[*base.Schema]bool)
	var flat []part
	var walk func(p part) error
	walk = func(p part) error {
		if p.s == nil || seen[p.s] {
			return nil
		}
		if len(flat) >= maxFlatten {
			return &SchemaError{Path: p.path, Keyword: "allOf", Line: schemaLine(p.s), Reason: fmt.Sprintf("more than %d schemas after flattening allOf; simplify the composition", maxFlatten)}
		}
		seen[p.s] = true
		flat = append(flat, p)
		for i, sp := range p.s.AllOf {
			s, sub, err := resolveProxy(sp, fmt.Sprintf("%s/allOf/%d", p.path, i))
			if err != nil {
				return err
			}
			if err := walk(part{s: s, path: sub}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, p := range parts {
		if err := walk(p); err != nil {
			return nil, err
		}
	}
	n.parts = flat
	reqSeen := make(map[string]bool)
	propSeen := make(map[string]bool)
	for _, p := range flat {
		if err := n.merge(p, resolved, reqSeen, propSeen); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// merge folds one part of an allOf into the node, keyword family by family.
func (n *node) merge(p part, resolved map[*base.Schema]bool, reqSeen, propSeen map[string]bool) error {
	s := p.s
	n.types &= schemaTypes(s)
	if len(n.typeOrder) == 0 && len(s.Type) > 0 {
		n.typeOrder = s.Type
	}
	for _, step := range []func() error{
		func() error { return n.mergeValues(p, s) },
		func() error { return n.mergeNumbers(p, s) },
		func() error { return n.mergeStrings(p, s) },
		func() error { return n.mergeArrays(p, s) },
		func() error { return n.mergeObjects(p, s, reqSeen, propSeen) },
		func() error { return n.mergeRest(p, s, resolved) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// mergeValues merges const, enum, examples and default of one part.
func (n *node) mergeValues(p part, s *base.Schema) error {
	bad := func(kw string, err error) error {
		return &SchemaError{Path: p.path, Keyword: kw, Line: schemaLine(s), Reason: fmt.Sprintf("cannot read the value: %v; fix the YAML/JSON literal", err)}
	}
	if s.Const != nil {
		v, err := yamlValue(s.Const)
		if err != nil {
			return bad("const", err)
		}
		if n.hasConst && !jsonEqual(n.constVal, v) {
			return &SchemaError{Path: p.path, Keyword: "const", Line: schemaLine(s), Reason: "two different const values must both hold; make them equal"}
		}
		n.hasConst, n.constVal = true, v
	}
	if s.Enum != nil {
		vals := make([]any, 0, len(s.Enum))
		for _, e := range s.Enum {
			v, err := yamlValue(e)
			if err != nil {
				return bad("enum", err)
			}
			vals = append(vals, v)
		}
		if s.Nullable != nil && *s.Nullable {
			vals = append(vals, nil)
		}
		n.enums = append(n.enums, vals)
	}
	if s.Example != nil {
		v, err := yamlValue(s.Example)
		if err != nil {
			return bad("example", err)
		}
		n.examples = append(n.examples, v)
	}
	for _, e := range s.Examples {
		v, err := yamlValue(e)
		if err != nil {
			return bad("examples", err)
		}
		n.examples = append(n.examples, v)
	}
	if s.Default != nil {
		v, err := yamlValue(s.Default)
		if err != nil {
			return bad("default", err)
		}
		n.examples = append(n.examples, v)
	}

	// numbers
	return nil
}

// mergeNumbers merges the numeric bounds of one part.
func (n *node) mergeNumbers(p part, s *base.Schema) error {
	if s.Minimum != nil {
		n.hints |= tInt | tNum
		excl := s.ExclusiveMinimum != nil && s.ExclusiveMinimum.IsA() && s.ExclusiveMinimum.A
		n.raiseLo(*s.Minimum, excl)
	}
	if s.ExclusiveMinimum != nil && s.ExclusiveMinimum.IsB() {
		n.hints |= tInt | tNum
		n.raiseLo(s.ExclusiveMinimum.B, true)
	}
	if s.Maximum != nil {
		n.hints |= tInt | tNum
		excl := s.ExclusiveMaximum != nil && s.ExclusiveMaximum.IsA() && s.ExclusiveMaximum.A
		n.lowerHi(*s.Maximum, excl)
	}
	if s.ExclusiveMaximum != nil && s.ExclusiveMaximum.IsB() {
		n.hints |= tInt | tNum
		n.lowerHi(s.ExclusiveMaximum.B, true)
	}
	if s.MultipleOf != nil {
		n.hints |= tInt | tNum
		if *s.MultipleOf <= 0 || math.IsInf(*s.MultipleOf, 0) || math.IsNaN(*s.MultipleOf) {
			return &SchemaError{Path: p.path, Keyword: "multipleOf", Line: schemaLine(s), Reason: fmt.Sprintf("multipleOf must be a positive number, got %v", *s.MultipleOf)}
		}
		n.multipleOf = append(n.multipleOf, *s.MultipleOf)
	}

	// strings
	return nil
}

// mergeStrings merges format, length and pattern of one part.
func (n *node) mergeStrings(p part, s *base.Schema) error {
	if s.Format != "" {
		switch s.Format {
		case "int32", "int64":
			n.hints |= tInt
			if s.Format == "int32" {
				n.fmtLo, n.fmtHi = max(n.fmtLo, math.MinInt32), min(n.fmtHi, math.MaxInt32)
			}
		case "float", "double":
			n.hints |= tInt | tNum
		default:
			n.hints |= tStr
		}
		if n.format == "" {
			n.format = s.Format
		}
	}
	if s.MinLength != nil {
		n.hints |= tStr
		n.minLen = max(n.minLen, clampInt(*s.MinLength))
	}
	if s.MaxLength != nil {
		n.hints |= tStr
		n.maxLen = minBound(n.maxLen, clampInt(*s.MaxLength))
	}
	if s.Pattern != "" {
		n.hints |= tStr
		n.patterns = append(n.patterns, s.Pattern)
		if len(n.patterns) > 1 {
			n.complex = true
		}
	}

	// arrays
	return nil
}

// mergeArrays merges the array keywords of one part.
func (n *node) mergeArrays(p part, s *base.Schema) error {
	if s.MinItems != nil {
		n.hints |= tArr
		n.minItems = max(n.minItems, clampInt(*s.MinItems))
	}
	if s.MaxItems != nil {
		n.hints |= tArr
		n.maxItems = minBound(n.maxItems, clampInt(*s.MaxItems))
	}
	if s.UniqueItems != nil && *s.UniqueItems {
		n.unique = true
	}
	for i, sp := range s.PrefixItems {
		n.hints |= tArr
		ps, sub, err := resolveProxy(sp, fmt.Sprintf("%s/prefixItems/%d", p.path, i))
		if err != nil {
			return err
		}
		for len(n.prefix) <= i {
			n.prefix = append(n.prefix, nil)
		}
		n.prefix[i] = append(n.prefix[i], part{s: ps, path: sub})
	}
	if len(s.PrefixItems) > 0 {
		n.complex = true
	}
	if s.Items != nil {
		n.hints |= tArr
		if s.Items.IsA() && s.Items.A != nil {
			is, sub, err := resolveProxy(s.Items.A, p.path+"/items")
			if err != nil {
				return err
			}
			n.items = append(n.items, part{s: is, path: sub})
		} else if s.Items.IsB() && !s.Items.B {
			n.itemsFalse = true
		}
	}
	if s.Contains != nil {
		cs, sub, err := resolveProxy(s.Contains, p.path+"/contains")
		if err != nil {
			return err
		}
		n.contains = append(n.contains, part{s: cs, path: sub})
		n.complex = true
		if s.MinContains != nil {
			n.minCont = max(n.minCont, clampInt(*s.MinContains))
		} else {
			n.minCont = max(n.minCont, 1)
		}
		if s.MaxContains != nil {
			n.maxCont = minBound(n.maxCont, clampInt(*s.MaxContains))
		}
	}

	// objects
	return nil
}

// mergeObjects merges the object keywords of one part.
func (n *node) mergeObjects(p part, s *base.Schema, reqSeen, propSeen map[string]bool) error {
	if s.Properties != nil {
		n.hints |= tObj
		for name := range s.Properties.KeysFromOldest() {
			if !propSeen[name] {
				propSeen[name] = true
				n.propOrder = append(n.propOrder, name)
			}
		}
	}
	for _, r := range s.Required {
		n.hints |= tObj
		if !reqSeen[r] {
			reqSeen[r] = true
			n.required = append(n.required, r)
		}
	}
	if s.MinProperties != nil {
		n.hints |= tObj
		n.minProps = max(n.minProps, clampInt(*s.MinProperties))
	}
	if s.MaxProperties != nil {
		n.hints |= tObj
		n.maxProps = minBound(n.maxProps, clampInt(*s.MaxProperties))
	}
	if s.AdditionalProperties != nil {
		n.hints |= tObj
		if s.AdditionalProperties.IsA() && s.AdditionalProperties.A != nil {
			n.hasAddl = true
		}
	}
	if s.PatternProperties != nil && s.PatternProperties.Len() > 0 {
		n.hints |= tObj
	}
	if s.UnevaluatedProperties != nil {
		if s.UnevaluatedProperties.IsB() && !s.UnevaluatedProperties.B {
			n.unevalFalse = true
		}
		n.complex = true
	}
	if s.PropertyNames != nil {
		ps, sub, err := resolveProxy(s.PropertyNames, p.path+"/propertyNames")
		if err != nil {
			return err
		}
		n.propNames = append(n.propNames, part{s: ps, path: sub})
		n.complex = true
	}
	return nil
}

// mergeRest merges the remaining keywords: unsupported ones, readOnly/writeOnly, oneOf/anyOf/not of one part.
func (n *node) mergeRest(p part, s *base.Schema, resolved map[*base.Schema]bool) error {
	if s.DependentRequired != nil || s.DependentSchemas != nil || s.If != nil || s.UnevaluatedItems != nil {
		n.complex = true
	}
	if s.ReadOnly != nil && *s.ReadOnly {
		n.readOnly = true
	}
	if s.WriteOnly != nil && *s.WriteOnly {
		n.writeOnly = true
	}

	if len(s.OneOf) > 0 && !resolved[s] {
		n.oneOf = append(n.oneOf, makeGroup(s, s.OneOf, p.path+"/oneOf"))
	}
	if len(s.AnyOf) > 0 && !resolved[s] {
		n.anyOf = append(n.anyOf, makeGroup(s, s.AnyOf, p.path+"/anyOf"))
	}
	if s.Not != nil {
		ns, sub, err := resolveProxy(s.Not, p.path+"/not")
		if err != nil {
			return err
		}
		n.nots = append(n.nots, part{s: ns, path: sub})
		n.complex = true
	}
	return nil
}

func makeGroup(owner *base.Schema, proxies []*base.SchemaProxy, path string) group {
	g := group{owner: owner, path: path, disc: owner.Discriminator}
	for i, sp := range proxies {
		g.branches = append(g.branches, branch{proxy: sp, path: fmt.Sprintf("%s/%d", path, i)})
	}
	return g
}

func (n *node) raiseLo(v float64, excl bool) {
	if !n.hasLo || v > n.lo || (v == n.lo && excl) {
		n.lo, n.exLo, n.hasLo = v, excl, true
	}
}

func (n *node) lowerHi(v float64, excl bool) {
	if !n.hasHi || v < n.hi || (v == n.hi && excl) {
		n.hi, n.exHi, n.hasHi = v, excl, true
	}
}

// clampInt converts an int64 keyword to int, clamped to a sane range.
func clampInt(v int64) int {
	if v < 0 {
		return 0
	}
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// minBound lowers an optional upper bound (-1 means none).
func minBound(cur, v int) int {
	if cur < 0 || v < cur {
		return v
	}
	return cur
}
