package swagger2

import (
	"math"
	"strconv"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// maxEncodeDepth bounds nesting in the encoder; deeper trees are cut with null.
const maxEncodeDepth = 100000

// encodeJSON writes n as indented JSON, keeping the key order of every
// mapping. A key that occurs more than once keeps its first position and
// its last value.
func encodeJSON(n *yaml.Node) []byte {
	e := encoder{buf: make([]byte, 0, 4096)}
	e.node(n, 0)
	e.buf = append(e.buf, '\n')
	return e.buf
}

type encoder struct {
	buf []byte
}

func (e *encoder) newline(depth int) {
	e.buf = append(e.buf, '\n')
	for i := 0; i < depth; i++ {
		e.buf = append(e.buf, ' ', ' ')
	}
}

func (e *encoder) node(n *yaml.Node, depth int) {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < 64; hops++ {
		n = n.Alias
	}
	if n == nil || depth > maxEncodeDepth {
		e.buf = append(e.buf, "null"...)
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.node(n.Content[0], depth)
	case yaml.MappingNode:
		e.mapping(n, depth)
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			e.buf = append(e.buf, "[]"...)
			return
		}
		e.buf = append(e.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.newline(depth + 1)
			e.node(c, depth+1)
		}
		e.newline(depth)
		e.buf = append(e.buf, ']')
	case yaml.ScalarNode:
		e.scalar(n)
	default:
		e.buf = append(e.buf, "null"...)
	}
}

func (e *encoder) mapping(n *yaml.Node, depth int) {
	if len(n.Content) < 2 {
		e.buf = append(e.buf, "{}"...)
		return
	}
	// last maps a key to the index of its last value, only when a key repeats.
	var last map[string]int
	if len(n.Content) > 2 {
		seen := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := seen[k]; dup {
				if last == nil {
					last = map[string]int{}
				}
				last[k] = i + 1
			}
			seen[k] = i + 1
		}
	}
	var written map[string]bool
	if last != nil {
		written = map[string]bool{}
	}
	e.buf = append(e.buf, '{')
	first := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if last != nil {
			if written[k] {
				continue
			}
			written[k] = true
			if j, ok := last[k]; ok {
				v = n.Content[j]
			}
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.newline(depth + 1)
		e.str(k)
		e.buf = append(e.buf, ':', ' ')
		e.node(v, depth+1)
	}
	e.newline(depth)
	e.buf = append(e.buf, '}')
}

func (e *encoder) scalar(n *yaml.Node) {
	switch n.ShortTag() {
	case "!!null":
		e.buf = append(e.buf, "null"...)
	case "!!bool":
		var b bool
		if n.Decode(&b) != nil {
			e.str(n.Value)
			return
		}
		e.buf = strconv.AppendBool(e.buf, b)
	case "!!int", "!!float":
		e.number(n)
	default:
		e.str(n.Value)
	}
}

// number writes a numeric scalar: a literal JSON accepts is kept verbatim
// (so 0.10 and 1e3 survive as written), other YAML forms (0x1F, 1_000, +5,
// .5) are decoded and re-encoded, and non-finite values (.inf, .nan), which
// JSON cannot express, are written as strings.
func (e *encoder) number(n *yaml.Node) {
	if isJSONNumber(n.Value) {
		e.buf = append(e.buf, n.Value...)
		return
	}
	var v any
	if n.Decode(&v) != nil {
		e.str(n.Value)
		return
	}
	switch x := v.(type) {
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case uint64:
		e.buf = strconv.AppendUint(e.buf, x, 10)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			e.str(n.Value)
			return
		}
		e.buf = strconv.AppendFloat(e.buf, x, 'g', -1, 64)
	default:
		e.str(n.Value)
	}
}

const hexDigits = "0123456789abcdef"

// str writes s as a JSON string. Invalid UTF-8 becomes U+FFFD; <, > and &
// are not escaped.
func (e *encoder) str(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			e.buf = append(e.buf, s[start:i]...)
			switch c {
			case '"', '\\':
				e.buf = append(e.buf, '\\', c)
			case '\n':
				e.buf = append(e.buf, '\\', 'n')
			case '\r':
				e.buf = append(e.buf, '\\', 'r')
			case '\t':
				e.buf = append(e.buf, '\\', 't')
			default:
				e.buf = append(e.buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

// isJSONNumber reports whether s is a number literal as JSON writes it
// (RFC 8259 section 6).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
