package fault

import (
	"bytes"
	"encoding/json"
	"strconv"

	"gopkg.in/yaml.v3"
)

// CorruptKind says how a corrupt fault breaks the payload.
type CorruptKind string

// Corrupt kinds.
const (
	CorruptWrongContentType CorruptKind = "wrong_content_type" // the body as is, under another Content-Type
	CorruptInvalidJSON      CorruptKind = "invalid_json"       // the body cut so that it no longer parses
	CorruptSchemaViolation  CorruptKind = "schema_violation"   // valid JSON, every value of another type
)

// corruptKinds lists the kinds in the order messages name them.
var corruptKinds = []CorruptKind{CorruptWrongContentType, CorruptInvalidJSON, CorruptSchemaViolation}

// Valid reports whether k is one of the Corrupt* kinds.
func (k CorruptKind) Valid() bool {
	switch k {
	case CorruptWrongContentType, CorruptInvalidJSON, CorruptSchemaViolation:
		return true
	}
	return false
}

// Corrupt keeps the HTTP exchange valid but breaks the payload: a wrong
// Content-Type, invalid JSON, or JSON that violates any typed schema.
//
// YAML: `corrupt: invalid_json` or `corrupt: {kind: wrong_content_type,
// content_type: text/html}`; header: `corrupt=schema_violation`. `contract`
// is its old name and is still accepted in both places.
type Corrupt struct {
	Kind        CorruptKind `json:"kind"`
	ContentType string      `json:"content_type,omitempty"`
}

func corruptKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "corrupt", Aliases: []string{"contract"}, Class: ClassResponse,
			Summary: "valid HTTP with a broken payload: a wrong Content-Type, invalid JSON or a schema violation"},
		has:   func(f *Fault) bool { return f.Corrupt != nil },
		take:  func(dst, src *Fault) { dst.Corrupt = src.Corrupt },
		parse: func(p *parser, v *yaml.Node, f *Fault) { f.Corrupt = p.corrupt(v) },
		check: func(f *Fault) error {
			return checkEnum(f.Corrupt.Kind, "corrupt fault", corruptKinds, false)
		},
		alter: func(x *exchange, resp *response) string { return x.d.Fault.Corrupt.apply(resp) },
	}
}

// corrupt parses a kind or {kind, content_type}.
func (p *parser) corrupt(v *yaml.Node) *Corrupt {
	c := &Corrupt{}
	if v.Kind == yaml.ScalarNode {
		c.Kind = CorruptKind(v.Value)
	} else {
		p.Mapping(v, "corrupt", []string{"kind", "content_type"}, func(key string, _, fv *yaml.Node) {
			if key == "kind" {
				s, _ := p.Scalar(fv, "corrupt.kind")
				c.Kind = CorruptKind(s)
			} else {
				c.ContentType, _ = p.str(fv, "corrupt.content_type")
			}
		})
	}
	if !c.Kind.Valid() {
		p.Fail(v, "use "+orList(corruptKinds, false), "unknown corrupt fault %q", c.Kind)
		return nil
	}
	return c
}

// apply corrupts a buffered response and returns a note for the outcome when
// it had to fall back.
func (c *Corrupt) apply(resp *response) string {
	switch c.Kind {
	case CorruptWrongContentType:
		ct := c.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
			if resp.header.Get("Content-Type") == ct {
				ct = "application/octet-stream"
			}
		}
		resp.header.Set("Content-Type", ct)
	case CorruptInvalidJSON:
		resp.body = breakJSON(resp.body)
	case CorruptSchemaViolation:
		var v any
		dec := json.NewDecoder(bytes.NewReader(resp.body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			resp.body = breakJSON(resp.body)
			return " (schema_violation degraded to invalid_json: body is not JSON)"
		}
		out, err := json.Marshal(flipTypes(v))
		if err != nil {
			resp.body = breakJSON(resp.body)
			return " (schema_violation degraded to invalid_json: " + err.Error() + ")"
		}
		resp.body = out
	}
	return ""
}

// breakJSON makes a JSON body unparseable: it drops the closing brace or
// bracket, or appends an unterminated object to anything else.
func breakJSON(b []byte) []byte {
	t := bytes.TrimRight(b, " \t\r\n")
	if n := len(t); n > 0 && (t[n-1] == '}' || t[n-1] == ']') {
		return append([]byte(nil), t[:n-1]...)
	}
	return append(append([]byte(nil), t...), []byte(`{"`)...)
}

// flipTypes changes the JSON type of every scalar (string → number,
// number → string, bool → string, null → number), every array to an object
// and keeps objects' keys, so any schema that types its fields is violated.
func flipTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return []any{}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = flipTypes(e)
		}
		return out
	case []any:
		out := make(map[string]any, len(x))
		for i, e := range x {
			out[strconv.Itoa(i)] = flipTypes(e)
		}
		return out
	case string:
		return 12345
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		return 0
	}
}
