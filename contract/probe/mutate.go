package probe

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/validator"
)

// maxMissingParams bounds the missing-parameter cases of one operation.
const maxMissingParams = 3

// unsupportedContentType is the Content-Type of wrong-content-type cases.
const unsupportedContentType = "application/x-mockd-unsupported"

// mutation is one way to make an operation's request invalid.
type mutation struct {
	kind  Kind
	note  string
	apply func(*BuildOptions)
}

// mutations lists the invalid requests op allows: each required parameter
// left out (up to maxMissingParams), the first parameter that can take a
// wrong type or an out-of-bounds value, the same for the body's top-level
// properties, a required body property left out, an undeclared content
// type, and no credentials.
func mutations(op *validator.Operation) []mutation {
	var out []mutation
	var typed, bounded bool
	missing := 0
	for _, p := range op.Parameters() {
		if selects(op, p) {
			continue // changing it selects another operation, not a bad request
		}
		key := p.In + ":" + p.Name
		if p.Required != nil && *p.Required && p.In != "path" && missing < maxMissingParams {
			missing++
			out = append(out, mutation{KindMissingParam, fmt.Sprintf("%s parameter %s left out", p.In, p.Name),
				func(b *BuildOptions) { b.Params = map[string]*string{key: nil} }})
		}
		s := schemaOf(p.Schema)
		if s == nil {
			continue
		}
		if v, ok := wrongParamType(s); ok && !typed {
			typed = true
			out = append(out, paramMutation(KindWrongType, p, v))
		}
		if v, why, ok := outOfBounds(s); ok && !bounded {
			bounded = true
			m := paramMutation(KindOutOfBounds, p, scalar(v))
			m.note += " (" + why + ")"
			out = append(out, m)
		}
	}
	out = append(out, bodyMutations(op, !typed, !bounded)...)
	if len(op.Security) > 0 && !op.SecurityOptional {
		out = append(out, mutation{KindNoCredentials, "no credentials (the operation requires " + operationSecurity(op) + ")", func(b *BuildOptions) { b.NoCredentials = true }})
	}
	return out
}

// selects reports whether p is the parameter of op's path selector
// ("/tags#operation=tag-resource"): the request builder always sends the
// selector's value, and another value routes to another operation.
func selects(op *validator.Operation, p *v3.Parameter) bool {
	sel := op.Selector
	if sel == nil || p.In != sel.In {
		return false
	}
	if p.In == "header" {
		return strings.EqualFold(p.Name, sel.Name)
	}
	return p.Name == sel.Name
}

func paramMutation(kind Kind, p *v3.Parameter, raw string) mutation {
	key := p.In + ":" + p.Name
	return mutation{kind, fmt.Sprintf("%s parameter %s = %q", p.In, p.Name, raw),
		func(b *BuildOptions) { b.Params = map[string]*string{key: &raw} }}
}

// bodyMutations are the mutations of a JSON object body: a required
// property left out, a property of the wrong type and one out of bounds
// (these two only when no parameter had one), and a wrong content type.
func bodyMutations(op *validator.Operation, typed, bounded bool) []mutation {
	rb := op.Op.RequestBody
	if rb == nil || rb.Content == nil || rb.Content.Len() == 0 {
		return nil
	}
	var out []mutation
	for p := rb.Content.First(); p != nil; p = p.Next() {
		if strings.Contains(p.Key(), "*") {
			return nil // any content type is accepted
		}
	}
	first := rb.Content.First()
	if s := schemaOf(first.Value().Schema); s != nil && strings.Contains(strings.ToLower(first.Key()), "json") && s.Properties != nil {
		out = append(out, propertyMutations(s, typed, bounded)...)
	}
	return append(out, mutation{KindWrongContentType, "Content-Type " + unsupportedContentType,
		func(b *BuildOptions) { b.ContentType = unsupportedContentType }})
}

func propertyMutations(s *base.Schema, typed, bounded bool) []mutation {
	var out []mutation
	for _, name := range s.Required {
		ps, ok := s.Properties.Get(name)
		if ps2 := schemaOf(ps); !ok || (ps2 != nil && ps2.ReadOnly != nil && *ps2.ReadOnly) {
			continue
		}
		out = append(out, mutation{KindMissingField, "body property " + name + " left out",
			func(b *BuildOptions) { b.MutateBody = setProperty(name, nil, true) }})
		break
	}
	for p := s.Properties.First(); p != nil && (typed || bounded); p = p.Next() {
		name, ps := p.Key(), schemaOf(p.Value())
		if ps == nil || (ps.ReadOnly != nil && *ps.ReadOnly) {
			continue
		}
		if v, ok := wrongBodyType(ps); ok && typed {
			typed = false
			out = append(out, mutation{KindWrongType, fmt.Sprintf("body property %s = %v", name, v),
				func(b *BuildOptions) { b.MutateBody = setProperty(name, v, false) }})
		}
		if v, why, ok := outOfBounds(ps); ok && bounded {
			bounded = false
			out = append(out, mutation{KindOutOfBounds, fmt.Sprintf("body property %s = %v (%s)", name, v, why),
				func(b *BuildOptions) { b.MutateBody = setProperty(name, v, false) }})
		}
	}
	return out
}

// setProperty returns a body mutator that sets (or deletes) a top-level
// property of an object body.
func setProperty(name string, v any, remove bool) func(any) any {
	return func(body any) any {
		m, ok := body.(map[string]any)
		if !ok {
			return body
		}
		c := make(map[string]any, len(m)+1)
		for k, e := range m {
			c[k] = e
		}
		if remove {
			delete(c, name)
		} else {
			c[name] = v
		}
		return c
	}
}

func schemaOf(p *base.SchemaProxy) *base.Schema {
	if p == nil {
		return nil
	}
	return p.Schema()
}

// wrongParamType is a raw value a parameter of schema s cannot take.
func wrongParamType(s *base.Schema) (string, bool) {
	t := validatorTypes(s)
	switch {
	case slices.Contains(t, "string") || len(t) == 0:
		return "", false
	case slices.Contains(t, "integer") || slices.Contains(t, "number"):
		return "not-a-number", true
	case slices.Contains(t, "boolean"):
		return "not-a-boolean", true
	}
	return "", false
}

// wrongBodyType is a JSON value a property of schema s cannot take.
func wrongBodyType(s *base.Schema) (any, bool) {
	t := validatorTypes(s)
	switch {
	case len(t) == 0 || slices.Contains(t, "null"):
		return nil, false
	case slices.Contains(t, "string"):
		if len(t) == 1 {
			return 12345, true
		}
		return nil, false
	}
	return "wrong-type", true
}

func validatorTypes(s *base.Schema) []string {
	if len(s.AllOf) > 0 || len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return nil // composed: the type is not known from s alone
	}
	return s.Type
}

// outOfBounds is a value schema s rejects by a bound: enum, minimum,
// maximum, maxLength, minLength or pattern; why names the bound.
func outOfBounds(s *base.Schema) (any, string, bool) {
	t := validatorTypes(s)
	isNum := slices.Contains(t, "integer") || slices.Contains(t, "number")
	isStr := len(t) == 1 && t[0] == "string"
	switch {
	case len(s.Enum) > 0 && isStr:
		return "not-in-the-enum", "not in the enum", true
	case isNum && s.Minimum != nil:
		return *s.Minimum - 1, "below minimum " + strconv.FormatFloat(*s.Minimum, 'g', -1, 64), true
	case isNum && s.Maximum != nil:
		return *s.Maximum + 1, "above maximum " + strconv.FormatFloat(*s.Maximum, 'g', -1, 64), true
	case isStr && s.MaxLength != nil && *s.MaxLength < 1000:
		return strings.Repeat("x", int(*s.MaxLength)+1), fmt.Sprintf("longer than maxLength %d", *s.MaxLength), true
	case isStr && s.MinLength != nil && *s.MinLength > 1 && s.Format == "":
		return "x", fmt.Sprintf("shorter than minLength %d", *s.MinLength), true
	case isStr && s.Pattern != "":
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return nil, "", false
		}
		for _, v := range []string{"~!", "0", "a", " "} {
			if !re.MatchString(v) {
				return v, "does not match pattern " + s.Pattern, true
			}
		}
	}
	return nil, "", false
}

// operationSecurity lists the scheme names op requires, for notes.
func operationSecurity(op *validator.Operation) string {
	var names []string
	for _, alt := range op.Security {
		for _, sc := range alt {
			names = append(names, sc.Name)
		}
	}
	return strings.Join(names, ", ")
}
