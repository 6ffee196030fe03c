package mockserver

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"mime"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

type yamlNode = yaml.Node

// object is a JSON object that keeps the key order of the spec, so examples
// are served as written.
type object struct {
	keys []string
	vals map[string]any
}

// maxNodeDepth bounds recursion over example nodes (aliases can loop).
const maxNodeDepth = 256

// nodeValue converts a YAML node from the spec into a JSON-compatible value.
// Mappings keep their key order; numbers keep their literal text.
func nodeValue(n *yaml.Node) any { return nodeValueDepth(n, 0) }

func nodeValueDepth(n *yaml.Node, depth int) any {
	if n == nil || depth > maxNodeDepth {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return nodeValueDepth(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nodeValueDepth(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, nodeValueDepth(c, depth+1))
		}
		return out
	case yaml.MappingNode:
		o := &object{vals: make(map[string]any, len(n.Content)/2)}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || k.Value == "<<" && k.Tag != "!!str" {
				if m, ok := nodeValueDepth(v, depth+1).(*object); ok {
					for _, mk := range m.keys {
						o.set(mk, m.vals[mk])
					}
				}
				continue
			}
			o.set(k.Value, nodeValueDepth(v, depth+1))
		}
		return o
	case yaml.ScalarNode:
		return scalarValue(n)
	default:
	}
	return nil
}

func (o *object) set(k string, v any) {
	if _, exists := o.vals[k]; !exists {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return n.Value
		}
		return b
	case "!!int", "!!float":
		if jsonNumber.MatchString(n.Value) {
			return json.Number(n.Value)
		}
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		return n.Value
	}
	return n.Value
}

// isJSON reports whether a media type carries JSON.
func isJSON(mt string) bool {
	base, _, err := mime.ParseMediaType(mt)
	if err != nil {
		base = strings.ToLower(mt)
	}
	return base == "application/json" || strings.HasSuffix(base, "+json") || base == "*/*" || base == "application/*" ||
		base == "text/json" || base == "application/x-ndjson"
}

func isXML(mt string) bool {
	base, _, err := mime.ParseMediaType(mt)
	if err != nil {
		base = strings.ToLower(mt)
	}
	return strings.HasSuffix(base, "/xml") || strings.HasSuffix(base, "+xml")
}

// encodeBody serialises v for the media type: JSON for JSON types, XML for
// XML types (a string holding an XML document is sent as is, any other
// string is the root element's text; xmlRoot names the root element, ""
// for Prism's "xml"), the raw string or scalar otherwise (a structure under
// a text type is an error, as in Prism), and JSON for other types.
func encodeBody(mediaType string, v any, xmlRoot string) ([]byte, error) {
	switch {
	case isJSON(mediaType):
		return encodeJSON(v)
	case isXML(mediaType):
		if s, ok := v.(string); ok && strings.HasPrefix(strings.TrimSpace(s), "<") {
			return []byte(s), nil // an XML document already (an example)
		}
		return encodeXML(v, cmp.Or(xmlRoot, "xml")) // Prism's root element name
	}
	switch t := v.(type) {
	case string:
		return []byte(t), nil
	case nil:
		return nil, nil
	case bool, json.Number, int64, float64:
		return fmt.Appendf(nil, "%v", t), nil
	}
	if strings.HasPrefix(strings.ToLower(mediaType), "text/") {
		// As Prism: a text type has no representation of a structure.
		kind := "an object"
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			kind = "a list"
		}
		return nil, fmt.Errorf("cannot serialise %s as %s: give a string example or declare a JSON media type", kind, mediaType)
	}
	return encodeJSON(v)
}

// encodeJSON writes v as compact JSON without HTML escaping, keeping the
// order of *object keys and sorting plain maps.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := appendJSON(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func appendJSON(b *bytes.Buffer, v any, depth int) error {
	if depth > maxNodeDepth {
		return fmt.Errorf("value nested deeper than %d levels", maxNodeDepth)
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case string:
		appendJSONString(b, t)
	case json.Number:
		b.WriteString(string(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(t, 10))
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return fmt.Errorf("number %v has no JSON form", t)
		}
		if t == math.Trunc(t) && math.Abs(t) < 1e21 {
			b.WriteString(strconv.FormatFloat(t, 'f', -1, 64))
		} else {
			b.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
		}
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			appendJSONString(b, k)
			b.WriteByte(':')
			if err := appendJSON(b, t.vals[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			appendJSONString(b, k)
			b.WriteByte(':')
			if err := appendJSON(b, t[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		enc, err := json.Marshal(t)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	return nil
}

func appendJSONString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xF])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			b.WriteString(`\u202`)
			b.WriteByte(hex[r&0xF])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// encodeXML renders a JSON-like value as XML: objects become child
// elements, arrays repeat their parent's element.
func encodeXML(v any, root string) ([]byte, error) {
	var b bytes.Buffer
	if arr, ok := v.([]any); ok {
		// One document has one root: wrap the items.
		b.WriteString("<" + xmlName(root) + ">")
		if err := appendXML(&b, "item", arr, 1); err != nil {
			return nil, err
		}
		b.WriteString("</" + xmlName(root) + ">")
		return b.Bytes(), nil
	}
	if err := appendXML(&b, root, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func appendXML(b *bytes.Buffer, name string, v any, depth int) error {
	if depth > maxNodeDepth {
		return fmt.Errorf("value nested deeper than %d levels", maxNodeDepth)
	}
	name = xmlName(name)
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if err := appendXML(b, name, e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	b.WriteString("<" + name + ">")
	switch t := v.(type) {
	case nil:
	case *object:
		for _, k := range t.keys {
			if err := appendXML(b, k, t.vals[k], depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := appendXML(b, k, t[k], depth+1); err != nil {
				return err
			}
		}
	default:
		var s string
		if str, ok := t.(string); ok {
			s = str
		} else {
			s = fmt.Sprint(t)
		}
		if err := xml.EscapeText(b, []byte(s)); err != nil {
			return err
		}
	}
	b.WriteString("</" + name + ">")
	return nil
}

// xmlName makes a property name usable as an element name.
func xmlName(s string) string {
	if s == "" {
		return "item"
	}
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || r == '-' || r == '.' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r > 0x7F
		if i == 0 && (r == '-' || r == '.' || (r >= '0' && r <= '9')) {
			b.WriteByte('_')
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
