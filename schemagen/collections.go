package schemagen

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

const (
	// uniqueAttempts bounds regeneration of one array item that duplicates an earlier one.
	uniqueAttempts = 16
	// extraKeyAttempts bounds attempts to find a usable additional property name.
	extraKeyAttempts = 16
	// maxGenItems bounds the length of a generated array or object.
	maxGenItems = 10000
)

func (g *generator) genArray(n *node, depth int) (any, error) {
	minI, count, err := g.arrayCount(n, depth)
	if err != nil {
		return nil, err
	}
	arr := make([]any, 0, count)
	seen := make(map[string]bool, count)
	for i := 0; i < count; i++ {
		var parts []part
		path := n.path + "/items"
		if i < len(n.prefix) {
			parts = n.prefix[i]
			path = n.path + "/prefixItems/" + strconv.Itoa(i)
		} else {
			parts = n.items
		}
		if i < n.minCont && len(n.contains) > 0 {
			parts = append(append([]part(nil), parts...), n.contains...)
		}
		var v any
		ok := false
		for attempt := 0; attempt < uniqueAttempts; attempt++ {
			gen := func() (any, error) { return g.genParts(parts, path, depth+1) }
			var err error
			if attempt > 0 || (n.unique && i > 0 && g.fixed) {
				v, err = g.fallback(gen)
			} else {
				v, err = gen()
			}
			if err != nil {
				if i >= minI && errors.Is(err, ErrUnsatisfiable) {
					return arr, nil // the items so far already make a valid array
				}
				return nil, err
			}
			if !n.unique || !seen[uniqueKey(v)] {
				ok = true
				break
			}
		}
		if !ok {
			if i >= minI {
				break
			}
			return nil, retryable(n.path, "uniqueItems", n.line(),
				fmt.Sprintf("could not generate %d distinct items; the item schema allows too few values for minItems with uniqueItems", minI))
		}
		if n.unique {
			seen[uniqueKey(v)] = true
		}
		arr = append(arr, v)
	}
	return arr, nil
}

// arrayCount checks the array bounds (items: false, minContains, the
// generator's limit) and draws how many items to generate.
func (g *generator) arrayCount(n *node, depth int) (minI, count int, err error) {
	minI, maxI := n.minItems, n.maxItems
	if n.itemsFalse {
		maxI = minBound(maxI, len(n.prefix))
	}
	if maxI >= 0 && minI > maxI {
		return 0, 0, &SchemaError{Path: n.path, Keyword: "minItems", Line: n.line(),
			Reason: fmt.Sprintf("minItems %d > maxItems %d (items: false limits the array to its prefixItems); fix the bounds", minI, maxI)}
	}
	if minI > maxGenItems {
		return 0, 0, &SchemaError{Path: n.path, Keyword: "minItems", Line: n.line(),
			Reason: fmt.Sprintf("minItems %d is over the generator's limit of %d", minI, maxGenItems)}
	}
	minI = max(minI, n.minCont)
	if maxI >= 0 && minI > maxI {
		return 0, 0, &SchemaError{Path: n.path, Keyword: "minContains", Line: n.line(), Reason: "minContains exceeds maxItems; fix the bounds"}
	}
	hasItems := len(n.items) > 0 || len(n.prefix) > 0
	count = minI
	switch {
	case n.atCut(depth, g.maxDepth):
	case g.fixed:
		if hasItems {
			count = max(minI, 1)
		}
	default:
		span := 3
		if maxI >= 0 {
			span = min(span, maxI-minI)
		}
		count = minI + g.rnd.IntN(span+1)
		if len(n.prefix) > count && g.rnd.IntN(2) == 0 {
			count = len(n.prefix)
		}
	}
	if maxI >= 0 {
		count = min(count, maxI)
	}
	return minI, count, nil
}

// keySchemas returns the schemas a property value must satisfy (properties, else matching patternProperties,
// else additionalProperties, per constituent) and whether the key is allowed at all.
func (g *generator) keySchemas(n *node, key string) ([]part, bool, error) {
	var out []part
	for _, p := range n.parts {
		s := p.s
		if s.Properties != nil {
			if sp, ok := s.Properties.Get(key); ok {
				ps, path, err := resolveProxy(sp, p.path+"/properties/"+key)
				if err != nil {
					return nil, false, err
				}
				out = append(out, part{s: ps, path: path})
				continue
			}
		}
		matched := false
		if s.PatternProperties != nil {
			for pat, sp := range s.PatternProperties.FromOldest() {
				re, err := g.regexp(pat)
				if err != nil {
					return nil, false, &SchemaError{Path: p.path + "/patternProperties", Keyword: "patternProperties", Line: schemaLine(s),
						Reason: fmt.Sprintf("pattern %q does not compile (%v); rewrite it in RE2 syntax", pat, err)}
				}
				if !re.MatchString(key) {
					continue
				}
				ps, path, err := resolveProxy(sp, p.path+"/patternProperties/"+pat)
				if err != nil {
					return nil, false, err
				}
				out = append(out, part{s: ps, path: path})
				matched = true
			}
		}
		if matched || s.AdditionalProperties == nil {
			continue
		}
		if s.AdditionalProperties.IsB() {
			if !s.AdditionalProperties.B {
				return nil, false, nil
			}
			continue
		}
		if s.AdditionalProperties.A != nil {
			ps, path, err := resolveProxy(s.AdditionalProperties.A, p.path+"/additionalProperties")
			if err != nil {
				return nil, false, err
			}
			out = append(out, part{s: ps, path: path})
		}
	}
	return out, true, nil
}

// requiredInfo returns the properties that must be present (required and not pruned by direction) and
// those to omit because of direction (readOnly in requests, writeOnly in responses).
func (g *generator) requiredInfo(n *node) (hard, omit map[string]bool) {
	hard = make(map[string]bool)
	omit = make(map[string]bool)
	for _, p := range n.parts {
		if p.s.Properties == nil {
			continue
		}
		for name, sp := range p.s.Properties.FromOldest() {
			if g.directional(sp) {
				omit[name] = true
			}
		}
	}
	for _, p := range n.parts {
		for _, r := range p.s.Required {
			pruned := false
			if p.s.Properties != nil {
				if sp, ok := p.s.Properties.Get(r); ok && g.directional(sp) {
					pruned = true
				}
			}
			if !pruned {
				hard[r] = true
			}
		}
	}
	return hard, omit
}

func (g *generator) genObject(n *node, depth int) (any, error) {
	n.forced = undeclaredDiscriminators(n)
	hard, omit := g.requiredInfo(n)
	cut := n.atCut(depth, g.maxDepth)
	include, err := g.objectKeys(n, hard, omit, cut)
	if err != nil {
		return nil, err
	}
	obj := make(map[string]any, len(include)+2)
	for _, name := range include {
		if err := g.putProperty(n, obj, name, hard[name], depth); err != nil {
			// An optional property whose constraints contradict each
			// other (say a string in allOf and additionalProperties of
			// type object) is left out: the object is valid without it.
			if _, forced := n.forced[name]; !hard[name] && !forced && errors.Is(err, ErrUnsatisfiable) {
				continue
			}
			return nil, err
		}
	}
	// minProperties: more declared properties first
	if len(obj) < n.minProps {
		for _, name := range n.propOrder {
			if len(obj) >= n.minProps {
				break
			}
			if _, ok := obj[name]; ok || omit[name] {
				continue
			}
			if err := g.putProperty(n, obj, name, false, depth); err != nil {
				return nil, err
			}
		}
	}
	if err := g.addExtras(n, obj, depth); err != nil {
		return nil, err
	}
	if len(obj) < n.minProps {
		return nil, &SchemaError{Path: n.path, Keyword: "minProperties", Line: n.line(),
			Reason: fmt.Sprintf("only %d properties could be generated but minProperties is %d; allow additionalProperties or declare more properties", len(obj), n.minProps)}
	}
	return obj, nil
}

// objectKeys chooses the properties to generate, in order: required and
// discriminator properties always, optional ones unless omitted or at the
// depth cut, all within maxProperties.
func (g *generator) objectKeys(n *node, hard, omit map[string]bool, cut bool) ([]string, error) {
	var include []string
	included := make(map[string]bool)
	add := func(name string) {
		if !included[name] {
			included[name] = true
			include = append(include, name)
		}
	}
	for _, name := range n.propOrder {
		_, forced := n.forced[name]
		switch {
		case hard[name] || forced:
			add(name)
		case omit[name] || cut:
		default:
			// Optional properties are always generated (as Prism's
			// alwaysFakeOptionals), so clients see the whole shape.
			add(name)
		}
	}
	for _, name := range n.required {
		if hard[name] {
			add(name)
		}
	}
	forcedNames := make([]string, 0, len(n.forced))
	for name := range n.forced {
		forcedNames = append(forcedNames, name)
	}
	sort.Strings(forcedNames)
	for _, name := range forcedNames {
		if !included[name] && !omit[name] {
			if _, ok, _ := g.keySchemas(n, name); ok {
				add(name)
			}
		}
	}
	if n.maxProps >= 0 && len(include) > n.maxProps {
		kept := include[:0]
		for _, name := range include {
			_, forced := n.forced[name]
			if hard[name] || forced || len(kept) < n.maxProps {
				kept = append(kept, name)
			}
		}
		include = kept
		if len(include) > n.maxProps {
			return nil, &SchemaError{Path: n.path, Keyword: "maxProperties", Line: n.line(),
				Reason: fmt.Sprintf("%d properties are required but maxProperties is %d; fix one of them", len(include), n.maxProps)}
		}
	}
	return include, nil
}

// undeclaredDiscriminators returns n.forced plus the value of each discriminator whose property no constituent
// declares and no oneOf/anyOf choice set (Azure's PropertyInfo: discriminator Kind, no Kind property): OpenAPI
// validators require the property, so it is added, naming the schema (its mapping key, else the component name).
func undeclaredDiscriminators(n *node) map[string]any {
	forced := n.forced
	for _, p := range n.parts {
		d := p.s.Discriminator
		if d == nil || d.PropertyName == "" {
			continue
		}
		if _, ok := forced[d.PropertyName]; ok || declaresProperty(n, d.PropertyName) {
			continue
		}
		v, ok := discriminatorName(d, n.parts[0].path)
		if !ok {
			if v, ok = discriminatorName(d, p.path); !ok {
				continue
			}
		}
		cp := make(map[string]any, len(forced)+1)
		for k, fv := range forced {
			cp[k] = fv
		}
		cp[d.PropertyName] = v
		forced = cp
	}
	return forced
}

// declaresProperty reports whether a constituent of n declares the property.
func declaresProperty(n *node, name string) bool {
	for _, p := range n.parts {
		if p.s.Properties != nil {
			if _, ok := p.s.Properties.Get(name); ok {
				return true
			}
		}
	}
	return false
}

// discriminatorName is the discriminator value of the component at path ("#/components/schemas/X"): the
// mapping key that targets it, else X.
func discriminatorName(d *base.Discriminator, path string) (string, bool) {
	const prefix = "#/components/schemas/"
	name, ok := strings.CutPrefix(path, prefix)
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	if d.Mapping != nil {
		for key, target := range d.Mapping.FromOldest() {
			if target == path || target == name {
				return key, true
			}
		}
	}
	return name, true
}

// putProperty generates and stores one property value.
func (g *generator) putProperty(n *node, obj map[string]any, name string, required bool, depth int) error {
	parts, ok, err := g.keySchemas(n, name)
	if err != nil {
		return err
	}
	if !ok {
		if required {
			return &SchemaError{Path: n.path, Keyword: "required", Line: n.line(), contradiction: n.types == tObj,
				Reason: fmt.Sprintf("property %q is required but additionalProperties: false in a constituent schema forbids it; declare it in that schema's properties (with allOf in 3.1 use unevaluatedProperties instead)", name)}
		}
		return nil
	}
	if fv, forced := n.forced[name]; forced && g.matchesAll(parts, fv) {
		obj[name] = fv
		return nil
	}
	path := n.path + "/properties/" + name
	if len(parts) == 1 {
		path = parts[0].path // the $ref when the property is a reference
	}
	v, err := g.genParts(parts, path, depth+1)
	if err != nil {
		return err
	}
	obj[name] = v
	return nil
}

// addExtras adds additionalProperties/patternProperties entries: property1, property2 in Static mode when
// additionalProperties is a schema (as openapi-sampler does), a random few in Dynamic mode, and enough to
// reach minProperties.
func (g *generator) addExtras(n *node, obj map[string]any, depth int) error {
	var patterns []string
	for _, p := range n.parts {
		if p.s.PatternProperties != nil {
			for pat := range p.s.PatternProperties.KeysFromOldest() {
				patterns = append(patterns, pat)
			}
		}
	}
	want := 0
	if !n.atCut(depth, g.maxDepth) && !n.unevalFalse {
		switch {
		case g.fixed && n.hasAddl:
			want = 2
		case !g.fixed && (n.hasAddl || len(patterns) > 0):
			want = g.rnd.IntN(3)
		}
	}
	want = max(want, n.minProps-len(obj))
	if n.maxProps >= 0 {
		want = min(want, n.maxProps-len(obj))
	}
	if want > maxGenItems {
		return &SchemaError{Path: n.path, Keyword: "minProperties", Line: n.line(), Reason: fmt.Sprintf("minProperties is over the generator's limit of %d", maxGenItems)}
	}
	declared := make(map[string]bool, len(n.propOrder))
	for _, name := range n.propOrder {
		declared[name] = true
	}
	added, counter := 0, 0
	for attempt := 0; added < want && attempt < want*extraKeyAttempts; attempt++ {
		counter++
		key, err := g.extraKey(n, patterns, counter)
		if err != nil {
			return err
		}
		if _, exists := obj[key]; exists || declared[key] {
			continue
		}
		if len(n.propNames) > 0 && !g.matchesAll(n.propNames, key) {
			continue
		}
		parts, ok, err := g.keySchemas(n, key)
		if err != nil {
			return err
		}
		if !ok || (n.unevalFalse && len(parts) == 0) {
			continue
		}
		v, err := g.genParts(parts, n.path+"/additionalProperties", depth+1)
		if err != nil {
			if isRetryable(err) {
				continue
			}
			return err
		}
		obj[key] = v
		added++
	}
	return nil
}

// extraKey proposes a name for an additional property.
func (g *generator) extraKey(n *node, patterns []string, counter int) (string, error) {
	if len(n.propNames) > 0 && (!g.fixed || counter > 2) {
		v, err := g.fallback(func() (any, error) { return g.genParts(n.propNames, n.path+"/propertyNames", g.maxDepth) })
		if err != nil {
			return "", err
		}
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	if len(patterns) > 0 && (!n.hasAddl || g.fixed && counter > 2 || !g.fixed && g.rnd.IntN(2) == 0) {
		pat := patterns[g.rnd.IntN(len(patterns))]
		pg, err := g.patternGen(pat)
		if err != nil {
			return "", &SchemaError{Path: n.path + "/patternProperties", Keyword: "patternProperties", Line: n.line(), Reason: err.Error()}
		}
		s, err := pg.generate(g.rnd, 1, -1)
		if err == nil {
			return s, nil
		}
	}
	if g.fixed {
		return "property" + strconv.Itoa(counter), nil
	}
	return g.word(3+g.rnd.IntN(6)) + strconv.Itoa(g.rnd.IntN(100)), nil
}
