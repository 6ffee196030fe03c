package validator

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// oneOfMatched reads the branches a failed oneOf matched from the schema
// library's reason ("'oneOf' failed, subschemas 0, 1 matched").
var oneOfMatched = regexp.MustCompile(`subschemas ([0-9, ]+) matched`)

// dropDiscriminatedOverlaps removes "oneOf matched more than one branch"
// findings where the oneOf has a discriminator and the value's discriminator
// selects one of the branches it matched. OpenAPI's discriminator picks the
// branch, so branches that overlap (allOfs sharing a base, without
// additionalProperties: false) are not an error; JSON Schema alone, which the
// validator library applies, would reject every such value.
func dropDiscriminatedOverlaps(fs []Finding, schema *base.Schema, body []byte) []Finding {
	if schema == nil || len(fs) == 0 {
		return fs
	}
	var doc any
	decoded := false
	out := fs[:0:0]
	for _, f := range fs {
		m := oneOfMatched.FindStringSubmatch(f.Detail + " " + f.Message)
		if m == nil || !strings.HasSuffix(f.Keyword, "/oneOf") || (f.Check != CheckRequestBody && f.Check != CheckResponseBody) {
			out = append(out, f)
			continue
		}
		if !decoded {
			decoded = true
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if dec.Decode(&doc) != nil {
				doc = nil
			}
		}
		sch := schemaAt(schema, SplitPointer(strings.TrimSuffix(f.Keyword, "/oneOf")))
		branch := selectedBranch(sch, ValueAt(doc, SplitPointer(f.Pointer)))
		if branch >= 0 && slices.Contains(matchedBranches(m[1]), branch) {
			continue // the discriminator selects a branch the value matches
		}
		out = append(out, f)
	}
	return out
}

func matchedBranches(list string) []int {
	var out []int
	for _, p := range strings.Split(list, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// schemaAt follows a keyword path (properties/x, items, allOf/0...) from s.
func schemaAt(s *base.Schema, segs []string) *base.Schema {
	for i := 0; s != nil && i < len(segs); i++ {
		var next *base.SchemaProxy
		switch segs[i] {
		case "$ref":
			continue // the model's proxies are resolved already
		case "properties":
			if i+1 >= len(segs) || s.Properties == nil {
				return nil
			}
			i++
			next = s.Properties.GetOrZero(segs[i])
		case "items":
			if s.Items == nil || !s.Items.IsA() {
				return nil
			}
			next = s.Items.A
		case "additionalProperties":
			if s.AdditionalProperties == nil || !s.AdditionalProperties.IsA() {
				return nil
			}
			next = s.AdditionalProperties.A
		case "allOf", "anyOf", "oneOf":
			if i+1 >= len(segs) {
				return nil
			}
			list := map[string][]*base.SchemaProxy{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf}[segs[i]]
			i++
			n, err := strconv.Atoi(segs[i])
			if err != nil || n < 0 || n >= len(list) {
				return nil
			}
			next = list[n]
		default:
			return nil
		}
		if next == nil {
			return nil
		}
		s = next.Schema()
	}
	return s
}

// selectedBranch returns the index of the oneOf branch the discriminator of
// s selects for value v, or -1.
func selectedBranch(s *base.Schema, v any) int {
	if s == nil || s.Discriminator == nil || s.Discriminator.PropertyName == "" {
		return -1
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return -1
	}
	val, ok := obj[s.Discriminator.PropertyName].(string)
	if !ok || val == "" {
		return -1
	}
	target := ""
	if s.Discriminator.Mapping != nil {
		target = s.Discriminator.Mapping.GetOrZero(val)
	}
	for i, b := range s.OneOf {
		ref := b.GetReference()
		if ref == "" {
			continue
		}
		if target != "" && (ref == target || strings.HasSuffix(ref, target) || strings.HasSuffix(target, ref)) {
			return i
		}
		if target == "" && strings.HasSuffix(ref, "/"+val) {
			return i
		}
	}
	return -1
}

// requestSchema returns the schema of op's request body for the request's
// content type.
func requestSchema(op *Operation, contentType string) *base.Schema {
	if op.Op == nil || op.Op.RequestBody == nil {
		return nil
	}
	return mediaSchema(op.Op.RequestBody.Content, contentType)
}

// responseSchema returns the schema of op's response for code and content type.
func responseSchema(op *Operation, code int, contentType string) *base.Schema {
	_, resp := op.ResponseFor(code)
	if resp == nil {
		return nil
	}
	return mediaSchema(resp.Content, contentType)
}

func mediaSchema(content *orderedmap.Map[string, *v3.MediaType], contentType string) *base.Schema {
	if content == nil {
		return nil
	}
	media := content.GetOrZero(declaredMedia(content, contentType))
	if media == nil || media.Schema == nil {
		return nil
	}
	return media.Schema.Schema()
}
