package schemagen

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

const (
	// complexAttempts bounds regenerate-and-check rounds for a node whose keywords are not met by construction.
	complexAttempts = 12
	// branchAttempts bounds tries per oneOf branch.
	branchAttempts = 6
)

// retryable builds a SchemaError that a later attempt (with other random choices) may avoid.
func retryable(path, keyword string, line int, reason string) *SchemaError {
	return &SchemaError{Path: path, Keyword: keyword, Line: line, Reason: reason, retryable: true}
}

func isRetryable(err error) bool {
	se, ok := err.(*SchemaError)
	return ok && se.retryable
}

// genParts generates a value valid against all parts.
func (g *generator) genParts(parts []part, path string, depth int) (any, error) {
	n, err := buildNode(path, parts, nil)
	if err != nil {
		return nil, err
	}
	return g.genNode(n, depth, nil)
}

// schemaKey identifies a schema definition: every $ref to a component shares the YAML node it was built from.
func schemaKey(s *base.Schema) any {
	if low := s.GoLow(); low != nil && low.RootNode != nil {
		return low.RootNode
	}
	return s
}

// atCut reports whether the node is past the nesting cut-off (or a Static-mode circular reference).
func (n *node) atCut(depth, maxDepth int) bool { return n.cut || depth >= maxDepth }

func (n *node) line() int {
	if len(n.parts) == 0 {
		return 0
	}
	return schemaLine(n.parts[0].s)
}

// genNode generates a value for a merged node. resolved lists schemas whose oneOf/anyOf is decided.
func (g *generator) genNode(n *node, depth int, resolved map[*base.Schema]bool) (any, error) {
	g.budget--
	if g.budget < 0 {
		return nil, &SchemaError{Path: n.path, Keyword: "minItems", Line: n.line(),
			Reason: fmt.Sprintf("the value would need more than %d nested values (minItems/minProperties multiply through the nesting); lower them", valueBudget)}
	}
	if depth > g.maxDepth+depthSlack {
		return nil, &SchemaError{Path: n.path, Keyword: "required", Line: n.line(),
			Reason: fmt.Sprintf("the schema requires nesting deeper than %d levels (a required property or minItems > 0 recurses without end); make the recursive property optional or nullable", g.maxDepth+depthSlack)}
	}
	if n.hasConst {
		if g.matchesAll(n.parts, n.constVal) {
			return n.constVal, nil
		}
		return nil, &SchemaError{Path: n.path, Keyword: "const", Line: n.line(), Reason: "the const value violates the schema's other keywords; fix the const or the constraints"}
	}
	if v, ok := g.pickExample(n); ok {
		return v, nil
	}
	if len(n.enums) > 0 {
		return g.pickEnum(n)
	}
	if len(n.oneOf) > 0 {
		return g.genOneOf(n, depth, resolved)
	}
	if len(n.anyOf) > 0 {
		return g.genAnyOf(n, depth, resolved)
	}
	if g.static && len(n.parts) > 0 {
		top := schemaKey(n.parts[0].s)
		if g.active[top] > 0 {
			n.cut = true
		}
		g.active[top]++
		defer func() { g.active[top]-- }()
	}
	attempts := 1
	if n.complex {
		attempts = complexAttempts
	}
	var lastErr error
	for attempt := 0; attempt < attempts; attempt++ {
		gen := func() (any, error) {
			t, err := g.chooseType(n, depth)
			if err != nil {
				return nil, err
			}
			v, err := g.genTyped(n, t, depth, resolved)
			if err != nil && n.types&^t != 0 && errors.Is(err, ErrUnsatisfiable) && !isRetryable(err) {
				return g.otherType(n, t, depth, resolved, err)
			}
			return v, err
		}
		var v any
		var err error
		if attempt > 0 {
			v, err = g.fallback(gen)
		} else {
			v, err = gen()
		}
		if err != nil {
			if !isRetryable(err) {
				return nil, err
			}
			lastErr = err
			continue
		}
		if !n.complex || g.matchesAll(n.parts, v) {
			return v, nil
		}
		lastErr = retryable(n.path, complexKeyword(n), n.line(),
			fmt.Sprintf("no value satisfying %s was found in %d attempts; simplify that keyword", complexKeyword(n), attempts))
	}
	return nil, lastErr
}

// otherType answers for a node whose chosen type t has no value (err): null when the node is nullable,
// else a value of another declared type; a node without a declared type fails with err, no longer a proof of
// contradiction (a value of another type would do).
func (g *generator) otherType(n *node, t typeSet, depth int, resolved map[*base.Schema]bool, err error) (any, error) {
	if n.types == tAll || n.hasConst || len(n.enums) > 0 {
		return nil, withoutProof(err)
	}
	if n.types&tNull != 0 && t != tNull {
		return nil, nil
	}
	for alt := tBool; alt <= tObj; alt <<= 1 {
		if alt == t || n.types&alt == 0 {
			continue
		}
		if v, altErr := g.genTyped(n, alt, depth, resolved); altErr == nil {
			return v, nil
		}
	}
	return nil, withoutProof(err)
}

// complexKeyword names the keyword most likely at fault when a complex node fails its check.
func complexKeyword(n *node) string {
	switch {
	case len(n.nots) > 0:
		return "not"
	case len(n.patterns) > 1:
		return "pattern"
	case len(n.contains) > 0:
		return "contains"
	case len(n.prefix) > 0:
		return "prefixItems"
	case len(n.propNames) > 0:
		return "propertyNames"
	case n.unevalFalse:
		return "unevaluatedProperties"
	}
	return "if/then/else or dependentSchemas"
}

// pickExample returns the first (Static) or a random (Dynamic, one time in four) example/examples/default
// value that is valid against the node.
func (g *generator) pickExample(n *node) (any, bool) {
	if len(n.examples) == 0 {
		return nil, false
	}
	if !g.fixed {
		if g.static || g.rnd.IntN(4) != 0 {
			return nil, false
		}
	}
	start := 0
	if !g.fixed {
		start = g.rnd.IntN(len(n.examples))
	}
	for i := range n.examples {
		v := n.examples[(start+i)%len(n.examples)]
		if g.fixed && v == nil && n.types&^tNull != 0 {
			continue
		}
		if g.matchesAll(n.parts, v) {
			return v, true
		}
	}
	return nil, false
}

func (g *generator) pickEnum(n *node) (any, error) {
	var cands []any
	for _, v := range n.enums[0] {
		if g.matchesAll(n.parts, v) {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return nil, &SchemaError{Path: n.path, Keyword: "enum", Line: n.line(), Reason: "no enum member satisfies the schema's other keywords (type, bounds, pattern, other enums); fix the enum"}
	}
	if g.fixed {
		for _, v := range cands {
			if v != nil {
				return v, nil
			}
		}
		return cands[0], nil
	}
	return cands[g.rnd.IntN(len(cands))], nil
}

// onlyType reports whether a schema constrains nothing but its type (so `not` of it just removes types).
func onlyType(s *base.Schema) bool {
	return len(s.Type) > 0 && s.Enum == nil && s.Const == nil && s.Format == "" && s.Pattern == "" &&
		s.Minimum == nil && s.Maximum == nil && s.ExclusiveMinimum == nil && s.ExclusiveMaximum == nil &&
		s.MinLength == nil && s.MaxLength == nil && s.MultipleOf == nil && s.Properties == nil &&
		len(s.Required) == 0 && s.Items == nil && s.MinItems == nil && s.MaxItems == nil &&
		len(s.AllOf) == 0 && len(s.AnyOf) == 0 && len(s.OneOf) == 0 && s.Not == nil
}

// typePreference is the Static order among types when the schema does not list one.
func typePreference() [6]typeSet { return [6]typeSet{tObj, tArr, tStr, tInt, tNum, tBool} }

// chooseType picks the JSON type to generate.
func (g *generator) chooseType(n *node, depth int) (typeSet, error) {
	allowed := n.types
	for _, np := range n.nots {
		if onlyType(np.s) {
			allowed &^= schemaTypes(np.s)
		}
	}
	if allowed == 0 {
		return 0, &SchemaError{Path: n.path, Keyword: "type", Line: n.line(),
			Reason: "the combined schemas (allOf members, the chosen oneOf/anyOf branch, not) allow no common type; make the types agree"}
	}
	if allowed == tAll || (n.types == tAll && allowed != tAll) {
		// no type declared: infer from the keywords present
		if n.hints != 0 && allowed&n.hints != 0 {
			allowed &= n.hints
		} else if g.fixed {
			allowed &= tObj | tStr | tInt | tNum | tBool | tArr
		} else {
			allowed &= tStr | tInt | tNum | tBool | tObj
		}
		if allowed == 0 {
			allowed = n.types &^ tNull
		}
	}
	nonNull := allowed &^ tNull
	if nonNull == 0 {
		return tNull, nil
	}
	if n.atCut(depth, g.maxDepth) {
		if allowed&tArr != 0 && n.minItems == 0 {
			return tArr, nil
		}
		if allowed&tNull != 0 {
			return tNull, nil
		}
	}
	if g.fixed {
		for _, name := range n.typeOrder {
			if t := typeBits(name) & nonNull; t != 0 {
				if t&tNum != 0 {
					return tNum, nil
				}
				return t, nil
			}
		}
		for _, t := range typePreference() {
			if nonNull&t != 0 {
				return t, nil
			}
		}
	}
	if allowed&tNull != 0 && g.rnd.IntN(12) == 0 {
		return tNull, nil
	}
	if nonNull&(tInt|tNum) == tInt|tNum {
		nonNull &^= tInt // "number": genNumber also yields integral values
	}
	k := g.rnd.IntN(bits.OnesCount8(uint8(nonNull)))
	for t := typeSet(1); t <= tObj; t <<= 1 {
		if nonNull&t == 0 {
			continue
		}
		if k == 0 {
			return t, nil
		}
		k--
	}
	return tStr, nil
}

func (g *generator) genTyped(n *node, t typeSet, depth int, resolved map[*base.Schema]bool) (any, error) {
	switch t {
	case tNull:
		return nil, nil
	case tBool:
		if g.fixed {
			return true, nil
		}
		return g.rnd.IntN(2) == 0, nil
	case tInt:
		return g.genInteger(n)
	case tNum:
		return g.genNumber(n)
	case tStr:
		return g.genString(n)
	case tArr:
		return g.genArray(n, depth)
	case tObj:
		return g.genObject(n, depth)
	default:
	}
	return nil, &SchemaError{Path: n.path, Keyword: "type", Line: n.line(), Reason: "no type to generate"}
}

// branchOrder returns the order in which to try a group's branches.
func (g *generator) branchOrder(k int) []int {
	if g.fixed {
		order := make([]int, k)
		for i := range order {
			order[i] = i
		}
		return order
	}
	return g.rnd.Perm(k)
}

// discriminatorValue returns the discriminator value naming a branch: its mapping key, else its schema name.
func discriminatorValue(d *base.Discriminator, b branch) (string, bool) {
	if d == nil || d.PropertyName == "" || b.proxy == nil {
		return "", false
	}
	ref := b.proxy.GetReference()
	if d.Mapping != nil {
		for key, target := range d.Mapping.FromOldest() {
			if ref != "" && (target == ref || strings.HasSuffix(ref, "/"+target)) {
				return key, true
			}
		}
	}
	if ref == "" {
		return "", false
	}
	return ref[strings.LastIndex(ref, "/")+1:], true
}

func copyResolved(resolved map[*base.Schema]bool, owner *base.Schema) map[*base.Schema]bool {
	out := make(map[*base.Schema]bool, len(resolved)+1)
	for k := range resolved {
		out[k] = true
	}
	out[owner] = true
	return out
}

// branchNode merges the node with one branch of its first oneOf/anyOf group.
func (g *generator) branchNode(n *node, grp group, b branch, resolved map[*base.Schema]bool) (*node, map[*base.Schema]bool, error) {
	bs, bpath, err := resolveProxy(b.proxy, b.path)
	if err != nil {
		return nil, nil, err
	}
	res := copyResolved(resolved, grp.owner)
	parts := make([]part, 0, len(n.parts)+1)
	parts = append(parts, n.parts...)
	parts = append(parts, part{s: bs, path: bpath})
	child, err := buildNode(n.path, parts, res)
	if err != nil {
		return nil, nil, err
	}
	child.forced = n.forced
	if v, ok := discriminatorValue(grp.disc, b); ok {
		forced := make(map[string]any, len(n.forced)+1)
		for k, fv := range n.forced {
			forced[k] = fv
		}
		forced[grp.disc.PropertyName] = v
		child.forced = forced
	}
	return child, res, nil
}

// genOneOf generates a value matching exactly one branch of the node's first oneOf group.
func (g *generator) genOneOf(n *node, depth int, resolved map[*base.Schema]bool) (any, error) {
	grp := n.oneOf[0]
	var lastErr error
	for _, i := range g.branchOrder(len(grp.branches)) {
		child, res, err := g.branchNode(n, grp, grp.branches[i], resolved)
		if err != nil {
			return nil, err
		}
		for attempt := 0; attempt < branchAttempts; attempt++ {
			gen := func() (any, error) { return g.genNode(child, depth, res) }
			var v any
			if attempt > 0 {
				v, err = g.fallback(gen)
			} else {
				v, err = gen()
			}
			if err != nil {
				lastErr = err
				if !isRetryable(err) {
					break
				}
				continue
			}
			if g.exclusive(grp, i, v) {
				return v, nil
			}
			if pv, ok := g.poison(grp, i, v, child); ok {
				return pv, nil
			}
			if _, ok := discriminatorValue(grp.disc, grp.branches[i]); ok && grp.disc != nil {
				// The value names its branch in the discriminator
				// property, which selects that branch in OpenAPI even
				// where the branches overlap.
				return v, nil
			}
			lastErr = retryable(grp.path, "oneOf", schemaLine(grp.owner),
				"no value matched exactly one branch (the branches overlap); make them mutually exclusive with distinct required properties, const/enum discriminator values or additionalProperties: false")
		}
	}
	if lastErr == nil {
		lastErr = retryable(grp.path, "oneOf", schemaLine(grp.owner), "oneOf has no branches")
	}
	return nil, lastErr
}

// exclusive reports whether v matches branch i and no other branch of the group.
func (g *generator) exclusive(grp group, i int, v any) bool {
	for j, b := range grp.branches {
		m := g.matchesProxy(b.proxy, v, 0)
		if (j == i) != m {
			return false
		}
	}
	return true
}

// poisonValues are candidate values used to make an object fail another oneOf branch.
func poisonValues() []any {
	return []any{"x", int64(0), true, []any{}, map[string]any{}, nil, 0.5}
}

// poison tries to make object v exclusive to branch i by adding, for every other matching branch, a property
// that branch declares with a value that branch rejects but the chosen branch accepts.
func (g *generator) poison(grp group, i int, v any, child *node) (any, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(obj)+2)
	for k, val := range obj {
		out[k] = val
	}
	for j, b := range grp.branches {
		if j == i || !g.matchesProxy(b.proxy, out, 0) {
			continue
		}
		bs, _, err := resolveProxy(b.proxy, b.path)
		if err != nil || bs.Properties == nil {
			return nil, false
		}
		fixed := false
		for key, sp := range bs.Properties.FromOldest() {
			if _, present := out[key]; present {
				continue
			}
			for _, cand := range poisonValues() {
				if g.matchesProxy(sp, cand, 0) {
					continue
				}
				out[key] = cand
				if g.matchesAll(child.parts, out) {
					fixed = true
					break
				}
				delete(out, key)
			}
			if fixed {
				break
			}
		}
		if !fixed {
			return nil, false
		}
	}
	if g.exclusive(grp, i, out) {
		return out, true
	}
	return nil, false
}

// genAnyOf generates a value for one branch of the node's first anyOf group, merged with the node.
func (g *generator) genAnyOf(n *node, depth int, resolved map[*base.Schema]bool) (any, error) {
	grp := n.anyOf[0]
	var lastErr error
	for _, i := range g.branchOrder(len(grp.branches)) {
		child, res, err := g.branchNode(n, grp, grp.branches[i], resolved)
		if err != nil {
			return nil, err
		}
		v, err := g.genNode(child, depth, res)
		if err == nil {
			return v, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = retryable(grp.path, "anyOf", schemaLine(grp.owner), "anyOf has no branches")
	}
	return nil, lastErr
}
