package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// jnode is an order-preserving JSON value, so a redacted body keeps its key
// order (only whitespace is normalised).
type jnode struct {
	kind jkind
	keys []string // jObject
	vals []*jnode // jObject (parallel to keys), jArray
	str  string   // jString
	raw  string   // jNumber, jBool, jNull literal text
}

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

func redactedNode() *jnode { return &jnode{kind: jString, str: Redacted} }

// parseOrderedJSON parses exactly one JSON value.
func parseOrderedJSON(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseJValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON value")
	}
	return n, nil
}

func parseJValue(dec *json.Decoder, depth int) (*jnode, error) {
	if depth > 1000 {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &jnode{kind: jObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := parseJValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &jnode{kind: jArray}
			for dec.More() {
				v, err := parseJValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	case string:
		return &jnode{kind: jString, str: t}, nil
	case json.Number:
		return &jnode{kind: jNumber, raw: string(t)}, nil
	case bool:
		return &jnode{kind: jBool, raw: strconv.FormatBool(t)}, nil
	case nil:
		return &jnode{kind: jNull, raw: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// encode appends the compact JSON text of n to dst.
func (n *jnode) encode(dst []byte) []byte {
	switch n.kind {
	case jObject:
		dst = append(dst, '{')
		for i, k := range n.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			dst = n.vals[i].encode(dst)
		}
		return append(dst, '}')
	case jArray:
		dst = append(dst, '[')
		for i, v := range n.vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.encode(dst)
		}
		return append(dst, ']')
	case jString:
		return appendJSONString(dst, n.str)
	default:
		return append(dst, n.raw...)
	}
}

func appendJSONString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a Go string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// jsonPath is a parsed redaction path such as $.items[*].secret.
type jsonPath struct {
	src  string
	segs []jseg
}

type jseg struct {
	name     string // member name; "" with wildcard
	index    int    // array index when isIndex
	isIndex  bool
	wildcard bool // .* or [*]
	descend  bool // ..name: match at any depth below
}

// parseJSONPath parses the supported JSONPath subset: $, .name, ['name'],
// ["name"], [N], [*], .*, ..name, ..*.
func parseJSONPath(src string) (jsonPath, error) {
	bad := func(why string) (jsonPath, error) {
		return jsonPath{}, fmt.Errorf("redact: JSON path %q: %s (supported: $.a.b, $.items[*].secret, $['a b'], $.list[0], $..token)", src, why)
	}
	s := strings.TrimSpace(src)
	if !strings.HasPrefix(s, "$") {
		return bad("must start with $")
	}
	s = s[1:]
	p := jsonPath{src: src}
	for len(s) > 0 {
		descend := false
		switch {
		case strings.HasPrefix(s, ".."):
			descend = true
			s = s[2:]
		case s[0] == '.':
			s = s[1:]
		case s[0] == '[':
		default:
			return bad(fmt.Sprintf("unexpected %q", s[0]))
		}
		if len(s) == 0 {
			return bad("ends after a dot")
		}
		if s[0] == '[' {
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return bad("unclosed [")
			}
			inner := strings.TrimSpace(s[1:end])
			s = s[end+1:]
			switch {
			case inner == "*":
				p.segs = append(p.segs, jseg{wildcard: true, descend: descend})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				p.segs = append(p.segs, jseg{name: inner[1 : len(inner)-1], descend: descend})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return bad(fmt.Sprintf("bad index [%s]", inner))
				}
				p.segs = append(p.segs, jseg{index: n, isIndex: true, descend: descend})
			}
			continue
		}
		end := strings.IndexAny(s, ".[")
		if end < 0 {
			end = len(s)
		}
		name := s[:end]
		s = s[end:]
		if name == "" {
			return bad("empty member name")
		}
		if name == "*" {
			p.segs = append(p.segs, jseg{wildcard: true, descend: descend})
		} else {
			p.segs = append(p.segs, jseg{name: name, descend: descend})
		}
	}
	return p, nil
}

// apply redacts the values the path selects; it returns the (possibly
// replaced) root and whether anything changed.
func (p jsonPath) apply(root *jnode, sc *scan) (*jnode, bool) {
	if len(p.segs) == 0 {
		if root.kind == jString && root.str == Redacted {
			return root, false
		}
		sc.leaves(root)
		return redactedNode(), true
	}
	return root, applySegs(root, p.segs, sc)
}

func applySegs(n *jnode, segs []jseg, sc *scan) bool {
	seg, rest := segs[0], segs[1:]
	changed := false
	visit := func(get func() *jnode, set func(*jnode)) {
		child := get()
		if len(rest) == 0 {
			if !(child.kind == jString && child.str == Redacted) {
				sc.leaves(child)
				set(redactedNode())
				changed = true
			}
			return
		}
		changed = applySegs(child, rest, sc) || changed
	}
	switch n.kind {
	case jObject:
		for i := range n.keys {
			if seg.isIndex {
				break
			}
			if seg.wildcard || n.keys[i] == seg.name {
				visit(func() *jnode { return n.vals[i] }, func(v *jnode) { n.vals[i] = v })
			}
		}
	case jArray:
		for i := range n.vals {
			if seg.wildcard || (seg.isIndex && seg.index == i) {
				visit(func() *jnode { return n.vals[i] }, func(v *jnode) { n.vals[i] = v })
			}
		}
	default:
	}
	if seg.descend {
		for _, child := range n.vals {
			if child.kind == jObject || child.kind == jArray {
				changed = applySegs(child, segs, sc) || changed
			}
		}
	}
	return changed
}
