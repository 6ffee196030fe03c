package validator

import (
	"encoding/xml"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi-validator/content"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// maxXMLDepth bounds the nesting xmlDecoding.value follows (deeper elements are kept
// as text).
const maxXMLDepth = 64

// xmlNode is one parsed element.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []xmlNode  `xml:",any"`
}

// xmlBodyDecoder decodes an XML body into the JSON-like value its schema is
// checked against, guided by the schema as OpenAPI's xml object describes it:
// element and attribute names (xml.name, xml.attribute), wrapped and
// unwrapped arrays (xml.wrapped, the items' xml.name), and the types of
// text, which XML does not carry (an integer is "42" in XML). Unlike the
// library's decoder it reads types, properties and items through allOf,
// oneOf, anyOf and $ref (AWS specs give every property as allOf of a
// $ref'd type and a description), so `<ItemCount>0</ItemCount>` is the
// integer 0. The root element stands for the body itself, whatever its name.
func xmlBodyDecoder() content.Decoder {
	return content.DecoderFunc(func(in *content.DecodeInput) (any, error) {
		if in == nil || in.Body == nil {
			return nil, nil
		}
		var root xmlNode
		if err := xml.NewDecoder(in.Body).Decode(&root); err != nil {
			return nil, err
		}
		d := &xmlDecoding{views: map[*base.Schema]*xmlView{}}
		return d.value(root, in.Schema, 0), nil
	})
}

// xmlView is a schema merged through allOf/oneOf/anyOf for decoding: the
// types it may take, its properties (first declaration wins), its items and
// its xml object.
type xmlView struct {
	types []string
	props []xmlProp
	items *base.Schema
	xml   *base.XML
}

type xmlProp struct {
	key    string
	schema *base.Schema
}

// xmlDecoding decodes one body, merging each schema once.
type xmlDecoding struct {
	views map[*base.Schema]*xmlView
}

// view returns the merged view of s (cached).
func (d *xmlDecoding) view(s *base.Schema) *xmlView {
	if v, ok := d.views[s]; ok {
		return v
	}
	v := mergeXMLView(s)
	d.views[s] = &v
	return &v
}

func mergeXMLView(s *base.Schema) xmlView {
	var v xmlView
	seen := map[*base.Schema]bool{}
	var walk func(s *base.Schema, depth int)
	walk = func(s *base.Schema, depth int) {
		if s == nil || seen[s] || depth > maxXMLDepth {
			return
		}
		seen[s] = true
		for _, t := range s.Type {
			if !slices.Contains(v.types, t) {
				v.types = append(v.types, t)
			}
		}
		if s.Nullable != nil && *s.Nullable && !slices.Contains(v.types, "null") {
			v.types = append(v.types, "null")
		}
		if s.Properties != nil {
			for p := s.Properties.First(); p != nil; p = p.Next() {
				if !slices.ContainsFunc(v.props, func(x xmlProp) bool { return x.key == p.Key() }) {
					v.props = append(v.props, xmlProp{key: p.Key(), schema: schemaOf(p.Value())})
				}
			}
		}
		if v.items == nil && s.Items != nil && s.Items.IsA() {
			v.items = schemaOf(s.Items.A)
		}
		if v.xml == nil && s.XML != nil {
			v.xml = s.XML
		}
		for _, group := range [][]*base.SchemaProxy{s.AllOf, s.OneOf, s.AnyOf} {
			for _, sp := range group {
				walk(schemaOf(sp), depth+1)
			}
		}
	}
	walk(s, 0)
	return v
}

func (v *xmlView) is(t string) bool { return slices.Contains(v.types, t) }

// elementName is the element (or attribute) name of a property: its xml.name,
// else its key.
func (d *xmlDecoding) elementName(p xmlProp) string {
	if x := d.view(p.schema).xml; x != nil && x.Name != "" {
		return x.Name
	}
	return p.key
}

// value turns an element into the value its schema describes.
func (d *xmlDecoding) value(n xmlNode, s *base.Schema, depth int) any {
	v := d.view(s)
	if depth > maxXMLDepth {
		return strings.TrimSpace(n.Text)
	}
	if v.is("array") && !v.is("object") {
		// A wrapped array: the element holds the items.
		out := make([]any, 0, len(n.Nodes))
		for _, c := range n.Nodes {
			out = append(out, d.value(c, v.items, depth+1))
		}
		if len(n.Nodes) == 0 && strings.TrimSpace(n.Text) != "" {
			out = append(out, d.scalar(strings.TrimSpace(n.Text), d.view(v.items)))
		}
		return out
	}
	if len(n.Nodes) == 0 && (len(n.Attrs) == 0 || !v.is("object") && len(v.props) == 0) {
		if len(n.Attrs) == 0 && strings.TrimSpace(n.Text) == "" && v.is("object") && !v.is("string") {
			return map[string]any{} // an empty element is an empty object
		}
		return d.scalar(strings.TrimSpace(n.Text), v)
	}
	obj := map[string]any{}
	for _, a := range n.Attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		if p, ok := d.attribute(v, a.Name.Local); ok {
			obj[p.key] = d.scalar(a.Value, d.view(p.schema))
		}
	}
	for _, c := range n.Nodes {
		p, unwrappedItem, ok := d.element(v, c.XMLName.Local)
		if !ok {
			obj[c.XMLName.Local] = d.value(c, nil, depth+1)
			continue
		}
		if unwrappedItem {
			// An unwrapped array: each item is an element of its own.
			list, _ := obj[p.key].([]any)
			obj[p.key] = append(list, d.value(c, d.view(p.schema).items, depth+1))
			continue
		}
		obj[p.key] = d.value(c, p.schema, depth+1)
	}
	return obj
}

// attribute finds the property of v an attribute stands for.
func (d *xmlDecoding) attribute(v *xmlView, name string) (xmlProp, bool) {
	for _, p := range v.props {
		if x := d.view(p.schema).xml; x != nil && x.Attribute && d.elementName(p) == name {
			return p, true
		}
	}
	return xmlProp{}, false
}

// element finds the property a child element stands for, and whether it is
// one item of an unwrapped array: by the property's element name, then by
// the item name of an unwrapped array, then by the property's key.
func (d *xmlDecoding) element(v *xmlView, name string) (xmlProp, bool, bool) {
	unwrapped := func(p xmlProp) bool {
		pv := d.view(p.schema)
		return pv.is("array") && (pv.xml == nil || !pv.xml.Wrapped)
	}
	for _, p := range v.props {
		if x := d.view(p.schema).xml; x != nil && x.Attribute {
			continue
		}
		if d.elementName(p) == name {
			return p, unwrapped(p), true
		}
	}
	for _, p := range v.props {
		if !unwrapped(p) {
			continue
		}
		if items := d.view(d.view(p.schema).items); items.xml != nil && items.xml.Name == name {
			return p, true, true
		}
	}
	for _, p := range v.props {
		if p.key == name {
			return p, unwrapped(p), true
		}
	}
	return xmlProp{}, false, false
}

// scalar reads element or attribute text as the first of the schema's types
// it parses as; text that fits none stays a string (and the check reports
// it).
func (d *xmlDecoding) scalar(text string, v *xmlView) any {
	if text == "" && v.is("null") {
		return nil
	}
	for _, t := range v.types {
		switch t {
		case "integer":
			if i, err := strconv.ParseInt(text, 10, 64); err == nil {
				return i
			}
		case "number":
			if f, err := strconv.ParseFloat(text, 64); err == nil {
				return f
			}
		case "boolean":
			if b, err := strconv.ParseBool(text); err == nil && (text == "true" || text == "false") {
				return b
			}
		case "array":
			return []any{d.scalar(text, d.view(v.items))}
		}
	}
	return text
}
