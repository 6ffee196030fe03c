package schemagen

import (
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// maxMatchDepth bounds the matcher's recursion through schemas (allOf/not cycles through $ref).
const maxMatchDepth = 128

// valueType returns the JSON type bit of v.
func valueType(v any) typeSet {
	switch v.(type) {
	case nil:
		return tNull
	case bool:
		return tBool
	case string:
		return tStr
	case []any:
		return tArr
	case map[string]any:
		return tObj
	}
	if _, ok := toFloat(v); ok {
		if isIntegral(v) {
			return tInt
		}
		return tNum
	}
	return 0
}

// matches is the internal matcher: it reports whether v is valid against s for the keywords this package
// understands (the JSON Schema 2020-12 validation vocabulary plus OpenAPI 3.0 nullable and boolean
// exclusiveMinimum/Maximum). Required properties carrying readOnly (requests) or writeOnly (responses) in the
// same schema are not required, as libopenapi-validator does for bodies.
func (g *generator) matches(s *base.Schema, v any, depth int) bool {
	if s == nil {
		return true
	}
	if depth > maxMatchDepth {
		return false
	}
	vt := valueType(v)
	if schemaTypes(s)&vt == 0 {
		return false
	}
	if s.Const != nil {
		c, err := yamlValue(s.Const)
		if err != nil || !jsonEqual(c, v) {
			return false
		}
	}
	if s.Enum != nil && !g.inEnum(s, v) {
		return false
	}
	switch vt {
	case tInt, tNum:
		if !numberOK(s, v) {
			return false
		}
	case tStr:
		if !g.stringOK(s, v.(string)) {
			return false
		}
	case tArr:
		if !g.arrayOK(s, v.([]any), depth) {
			return false
		}
	case tObj:
		if !g.objectOK(s, v.(map[string]any), depth) {
			return false
		}
	default:
	}
	return g.matchesComposition(s, v, depth)
}

// matchesComposition checks allOf, anyOf, oneOf (by discriminator when
// there is one), not and if/then/else.
func (g *generator) matchesComposition(s *base.Schema, v any, depth int) bool {
	for _, sp := range s.AllOf {
		if !g.matchesProxy(sp, v, depth) {
			return false
		}
	}
	if len(s.AnyOf) > 0 {
		ok := false
		for _, sp := range s.AnyOf {
			if g.matchesProxy(sp, v, depth) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if i := discriminated(s, v); i >= 0 {
		// The discriminator selects the branch (OpenAPI), so overlapping
		// branches do not count against the value.
		if !g.matchesProxy(s.OneOf[i], v, depth) {
			return false
		}
	} else if len(s.OneOf) > 0 {
		count := 0
		for _, sp := range s.OneOf {
			if g.matchesProxy(sp, v, depth) {
				count++
				if count > 1 {
					return false
				}
			}
		}
		if count != 1 {
			return false
		}
	}
	if s.Not != nil && g.matchesProxy(s.Not, v, depth) {
		return false
	}
	if s.If != nil {
		if g.matchesProxy(s.If, v, depth) {
			if s.Then != nil && !g.matchesProxy(s.Then, v, depth) {
				return false
			}
		} else if s.Else != nil && !g.matchesProxy(s.Else, v, depth) {
			return false
		}
	}
	return true
}

func (g *generator) matchesProxy(p *base.SchemaProxy, v any, depth int) bool {
	s, _, err := resolveProxy(p, "#")
	if err != nil {
		return false
	}
	return g.matches(s, v, depth+1)
}

func (g *generator) matchesAll(parts []part, v any) bool {
	for _, p := range parts {
		if !g.matches(p.s, v, 0) {
			return false
		}
	}
	return true
}

func (g *generator) inEnum(s *base.Schema, v any) bool {
	if v == nil && s.Nullable != nil && *s.Nullable {
		return true
	}
	for _, e := range s.Enum {
		ev, err := yamlValue(e)
		if err == nil && jsonEqual(ev, v) {
			return true
		}
	}
	return false
}

func numberOK(s *base.Schema, v any) bool {
	f, _ := toFloat(v)
	if s.Minimum != nil {
		excl := s.ExclusiveMinimum != nil && s.ExclusiveMinimum.IsA() && s.ExclusiveMinimum.A
		if f < *s.Minimum || (excl && f == *s.Minimum) {
			return false
		}
	}
	if s.ExclusiveMinimum != nil && s.ExclusiveMinimum.IsB() && f <= s.ExclusiveMinimum.B {
		return false
	}
	if s.Maximum != nil {
		excl := s.ExclusiveMaximum != nil && s.ExclusiveMaximum.IsA() && s.ExclusiveMaximum.A
		if f > *s.Maximum || (excl && f == *s.Maximum) {
			return false
		}
	}
	if s.ExclusiveMaximum != nil && s.ExclusiveMaximum.IsB() && f >= s.ExclusiveMaximum.B {
		return false
	}
	if s.MultipleOf != nil && !isMultiple(v, *s.MultipleOf) {
		return false
	}
	if s.Format == "int32" && isIntegral(v) && (f < math.MinInt32 || f > math.MaxInt32) {
		return false
	}
	return true
}

// ratOf returns the exact rational of a number as it is written in JSON.
func ratOf(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	}
	f, ok := toFloat(v)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	return new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
}

// isMultiple checks multipleOf exactly on the JSON decimal forms, as JSON Schema validators using big numbers do.
func isMultiple(v any, m float64) bool {
	rv, ok1 := ratOf(v)
	rm, ok2 := ratOf(m)
	if !ok1 || !ok2 || rm.Sign() == 0 {
		return false
	}
	return new(big.Rat).Quo(rv, rm).IsInt()
}

func (g *generator) stringOK(s *base.Schema, str string) bool {
	n := utf8.RuneCountInString(str)
	if s.MinLength != nil && int64(n) < *s.MinLength {
		return false
	}
	if s.MaxLength != nil && int64(n) > *s.MaxLength {
		return false
	}
	if s.Pattern != "" {
		re, err := g.regexp(s.Pattern)
		if err != nil || !re.MatchString(str) {
			return false
		}
	}
	return formatOK(s.Format, str)
}

func (g *generator) arrayOK(s *base.Schema, arr []any, depth int) bool {
	if s.MinItems != nil && int64(len(arr)) < *s.MinItems {
		return false
	}
	if s.MaxItems != nil && int64(len(arr)) > *s.MaxItems {
		return false
	}
	if s.UniqueItems != nil && *s.UniqueItems {
		seen := make(map[string]bool, len(arr))
		for _, it := range arr {
			k := uniqueKey(it)
			if seen[k] {
				return false
			}
			seen[k] = true
		}
	}
	for i, it := range arr {
		if i < len(s.PrefixItems) {
			if !g.matchesProxy(s.PrefixItems[i], it, depth) {
				return false
			}
			continue
		}
		if s.Items != nil {
			if s.Items.IsB() {
				if !s.Items.B {
					return false
				}
				continue
			}
			if s.Items.A != nil && !g.matchesProxy(s.Items.A, it, depth) {
				return false
			}
		}
	}
	if s.Contains != nil {
		count := 0
		for _, it := range arr {
			if g.matchesProxy(s.Contains, it, depth) {
				count++
			}
		}
		minC := int64(1)
		if s.MinContains != nil {
			minC = *s.MinContains
		}
		if int64(count) < minC || (s.MaxContains != nil && int64(count) > *s.MaxContains) {
			return false
		}
	}
	return true
}

// uniqueKey is the equality key for uniqueItems: numbers compare by value.
func uniqueKey(v any) string {
	if f, ok := toFloat(v); ok {
		return "n:" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	return canonical(v)
}

// directional reports whether a property schema is readOnly (requests) or writeOnly (responses), looking
// through allOf/anyOf/oneOf one level deep as libopenapi-validator's required pruning does.
func (g *generator) directional(p *base.SchemaProxy) bool {
	s, _, err := resolveProxy(p, "#")
	if err != nil {
		return false
	}
	return g.directionalSchema(s, 0)
}

func (g *generator) directionalSchema(s *base.Schema, depth int) bool {
	if s == nil || depth > 8 {
		return false
	}
	if g.dir == Request && s.ReadOnly != nil && *s.ReadOnly {
		return true
	}
	if g.dir == Response && s.WriteOnly != nil && *s.WriteOnly {
		return true
	}
	for _, list := range [][]*base.SchemaProxy{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sp := range list {
			cs, _, err := resolveProxy(sp, "#")
			if err == nil && g.directionalSchema(cs, depth+1) {
				return true
			}
		}
	}
	return false
}

func (g *generator) objectOK(s *base.Schema, obj map[string]any, depth int) bool {
	for _, r := range s.Required {
		if _, ok := obj[r]; ok {
			continue
		}
		if s.Properties != nil {
			if sp, ok := s.Properties.Get(r); ok && g.directional(sp) {
				continue
			}
		}
		return false
	}
	if s.MinProperties != nil && int64(len(obj)) < *s.MinProperties {
		return false
	}
	if s.MaxProperties != nil && int64(len(obj)) > *s.MaxProperties {
		return false
	}
	for k, v := range obj {
		if !g.propertyOK(s, k, v, depth) {
			return false
		}
	}
	return g.dependenciesOK(s, obj, depth)
}

// propertyOK checks one property of an object: properties,
// patternProperties, additionalProperties, propertyNames and
// unevaluatedProperties.
func (g *generator) propertyOK(s *base.Schema, k string, v any, depth int) bool {
	evaluated := false
	if s.Properties != nil {
		if sp, ok := s.Properties.Get(k); ok {
			evaluated = true
			if !g.matchesProxy(sp, v, depth) {
				return false
			}
		}
	}
	if s.PatternProperties != nil {
		for pat, sp := range s.PatternProperties.FromOldest() {
			re, err := g.regexp(pat)
			if err != nil {
				return false
			}
			if re.MatchString(k) {
				evaluated = true
				if !g.matchesProxy(sp, v, depth) {
					return false
				}
			}
		}
	}
	if !evaluated && s.AdditionalProperties != nil {
		if s.AdditionalProperties.IsB() {
			if !s.AdditionalProperties.B {
				return false
			}
		} else if s.AdditionalProperties.A != nil && !g.matchesProxy(s.AdditionalProperties.A, v, depth) {
			return false
		}
		evaluated = true
	}
	if s.PropertyNames != nil && !g.matchesProxy(s.PropertyNames, k, depth) {
		return false
	}
	if !evaluated && s.UnevaluatedProperties != nil && !g.declaresKey(s, k, 0) {
		if s.UnevaluatedProperties.IsB() {
			if !s.UnevaluatedProperties.B {
				return false
			}
		} else if s.UnevaluatedProperties.A != nil && !g.matchesProxy(s.UnevaluatedProperties.A, v, depth) {
			return false
		}
	}
	return true
}

// dependenciesOK checks dependentRequired and dependentSchemas.
func (g *generator) dependenciesOK(s *base.Schema, obj map[string]any, depth int) bool {
	if s.DependentRequired != nil {
		for k, deps := range s.DependentRequired.FromOldest() {
			if _, ok := obj[k]; !ok {
				continue
			}
			for _, d := range deps {
				if _, ok := obj[d]; !ok {
					return false
				}
			}
		}
	}
	if s.DependentSchemas != nil {
		for k, sp := range s.DependentSchemas.FromOldest() {
			if _, ok := obj[k]; ok && !g.matchesProxy(sp, obj, depth) {
				return false
			}
		}
	}
	return true
}

// declaresKey reports whether s or one of its in-place applicators declares key (properties, patternProperties
// or additionalProperties), an approximation of "evaluated" for unevaluatedProperties.
func (g *generator) declaresKey(s *base.Schema, key string, depth int) bool {
	if s == nil || depth > 16 {
		return false
	}
	if s.Properties != nil {
		if _, ok := s.Properties.Get(key); ok {
			return true
		}
	}
	if s.PatternProperties != nil {
		for pat := range s.PatternProperties.KeysFromOldest() {
			if re, err := g.regexp(pat); err == nil && re.MatchString(key) {
				return true
			}
		}
	}
	if s.AdditionalProperties != nil && (s.AdditionalProperties.IsA() || s.AdditionalProperties.B) {
		return true
	}
	for _, list := range [][]*base.SchemaProxy{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sp := range list {
			cs, _, err := resolveProxy(sp, "#")
			if err == nil && g.declaresKey(cs, key, depth+1) {
				return true
			}
		}
	}
	return false
}

// discriminated returns the index of the oneOf branch that the value's
// discriminator property names, or -1.
func discriminated(s *base.Schema, v any) int {
	if s.Discriminator == nil || s.Discriminator.PropertyName == "" {
		return -1
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return -1
	}
	val, ok := obj[s.Discriminator.PropertyName].(string)
	if !ok {
		return -1
	}
	for i, sp := range s.OneOf {
		if name, ok := discriminatorValue(s.Discriminator, branch{proxy: sp}); ok && name == val {
			return i
		}
	}
	return -1
}
