package diff

import (
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/what-changed/model"
)

// schemaVerdict classifies a change of a schema keyword on side s. The
// rule is symmetric: a request schema that accepts less breaks callers, a
// response schema that may carry more (or other) values breaks clients.
func schemaVerdict(s side, c *model.Change) verdict {
	p := sidePrefix(s)
	switch c.Property {
	case "properties":
		if added(c) {
			return verdict{p + "property-added", NonBreaking}
		}
		if s == sideResponse {
			return verdict{p + "property-removed", BreakingForClients}
		}
		return verdict{p + "property-removed", NonBreaking}
	case "required":
		if added(c) {
			return narrowed(s, true, p+"property-became-required")
		}
		return narrowed(s, false, p+"property-became-optional")
	case "enum":
		if added(c) {
			return narrowed(s, false, p+"enum-value-added")
		}
		if s == sideResponse {
			// A value clients act on no longer comes: the rule.
			return verdict{p + "enum-value-removed", BreakingForClients}
		}
		return narrowed(s, true, p+"enum-value-removed")
	case "type":
		return typeVerdict(s, c)
	case "format":
		if c.ChangeType == model.Modified {
			return verdict{p + "format-changed", s.breaks()}
		}
		return narrowedKind(s, added(c), "format")
	case "maximum", "maxLength", "maxItems", "maxProperties", "exclusiveMaximum", "maxContains":
		return narrowedKind(s, boundNarrowed(c, true), "bounds")
	case "minimum", "minLength", "minItems", "minProperties", "exclusiveMinimum", "minContains":
		return narrowedKind(s, boundNarrowed(c, false), "bounds")
	case "pattern":
		if c.ChangeType == model.Modified {
			return verdict{p + "pattern-changed", s.breaks()}
		}
		return narrowedKind(s, added(c), "pattern")
	}
	return keywordVerdict(s, c)
}

// keywordVerdict classifies the keywords schemaVerdict leaves: composition,
// nullability, references and annotations.
func keywordVerdict(s side, c *model.Change) verdict {
	p := sidePrefix(s)
	switch c.Property {
	case "multipleOf", "uniqueItems", "const", "not", "allOf", "propertyNames", "dependentRequired", "if", "then", "else":
		return narrowedKind(s, c.ChangeType != model.PropertyRemoved && c.ChangeType != model.ObjectRemoved, "constraint")
	case "anyOf", "oneOf":
		return narrowedKind(s, !added(c), "variants")
	case "nullable":
		return narrowedKind(s, c.New != "true", "nullable")
	case "additionalProperties", "unevaluatedProperties":
		return narrowedKind(s, additionalNarrowed(c), "additional-properties")
	case "schema", "items", "itemSchema":
		if c.ChangeType == model.Modified {
			return verdict{p + "schema-replaced", s.breaks()}
		}
		return narrowedKind(s, added(c), "schema")
	case "$ref":
		return verdict{p + "schema-replaced", s.breaks()}
	case "readOnly", "writeOnly":
		return verdict{p + "read-write-changed", NonBreaking}
	case "default":
		return verdict{p + "default-changed", NonBreaking}
	case "deprecated":
		return verdict{"deprecated", NonBreaking}
	case "discriminator", "propertyName", "mapping":
		return verdict{p + "discriminator-changed", s.breaks()}
	}
	if isDoc(c.Property) || c.Property == "contentEncoding" || c.Property == "contentMediaType" {
		return verdict{"documentation-changed", NonBreaking}
	}
	return fallback(s, c)
}

// narrowedKind names the verdict "SIDE-KIND-narrowed" or "-widened".
func narrowedKind(s side, narrow bool, kind string) verdict {
	if narrow {
		return narrowed(s, true, sidePrefix(s)+kind+"-narrowed")
	}
	return narrowed(s, false, sidePrefix(s)+kind+"-widened")
}

// narrowed: a narrowed request breaks callers, a widened response breaks
// clients; the other two are non-breaking.
func narrowed(s side, narrow bool, id string) verdict {
	switch {
	case s == sideRequest && narrow:
		return verdict{id, BreakingForCallers}
	case s == sideResponse && !narrow:
		return verdict{id, BreakingForClients}
	}
	return verdict{id, NonBreaking}
}

// boundNarrowed reports whether a bound change admits fewer values: an
// upper bound added or lowered, a lower bound added or raised (3.0's
// boolean exclusiveMaximum/Minimum: turned on).
func boundNarrowed(c *model.Change, upper bool) bool {
	switch c.ChangeType {
	case model.PropertyAdded, model.ObjectAdded:
		return c.New != "false"
	case model.PropertyRemoved, model.ObjectRemoved:
		return c.Original == "false"
	}
	if c.Original == "false" || c.New == "true" {
		return true
	}
	if c.Original == "true" || c.New == "false" {
		return false
	}
	before, err1 := strconv.ParseFloat(c.Original, 64)
	after, err2 := strconv.ParseFloat(c.New, 64)
	if err1 != nil || err2 != nil {
		return true
	}
	if upper {
		return after < before
	}
	return after > before
}

// additionalNarrowed: additionalProperties turned false (or a schema) narrows.
func additionalNarrowed(c *model.Change) bool {
	switch c.ChangeType {
	case model.PropertyRemoved, model.ObjectRemoved:
		return false
	case model.Modified:
		return c.New != "true"
	}
	return c.New != "true"
}

// typeVerdict: a type that admits more (integer → number, a type added to
// a list, no type at all) widens, one that admits less narrows; any other
// change breaks the side it is on.
func typeVerdict(s side, c *model.Change) verdict {
	before, after := typeSet(c.Original), typeSet(c.New)
	switch {
	case len(before) == 0 && len(after) == 0:
		return fallback(s, c)
	case len(after) == 0 || (len(before) > 0 && covers(after, before)):
		return narrowedKind(s, false, "type")
	case len(before) == 0 || covers(before, after):
		return narrowedKind(s, true, "type")
	}
	return verdict{sidePrefix(s) + "type-changed", s.breaks()}
}

// typeSet reads libopenapi's rendering of a type ("string", "[string null]").
func typeSet(v string) map[string]bool {
	set := map[string]bool{}
	for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r < 'a' || r > 'z' }) {
		set[t] = true
	}
	return set
}

// covers reports whether every type in inner is admitted by outer.
func covers(outer, inner map[string]bool) bool {
	for t := range inner {
		if !outer[t] && (t != "integer" || !outer["number"]) {
			return false
		}
	}
	return true
}
