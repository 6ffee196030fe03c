package validator

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// Fast loading of JSON documents.
//
// libopenapi reads every document with the YAML parser, and on JSON that
// parser is slow and heavy: go-yaml keeps the opening '{' of a JSON document
// as a possible implicit key until it finds the closing '}', so it tokenizes
// the whole document before it builds the first node (on GitHub's 13 MB spec
// a queue of millions of tokens, copied each time it grows: most of the load
// time and hundreds of megabytes). jsonNodes builds the node tree
// yaml.Unmarshal would build (kinds, tags, styles, values, lines and
// columns) straight from the JSON, in one pass.
//
// It only accepts what that path accepts without a doubt: strict JSON, valid
// UTF-8, characters YAML can print, nesting within go-yaml's limit. For
// anything else it reports errNotFastJSON and the caller falls back to
// libopenapi's own parse, which reports the problem exactly as before.

// errNotFastJSON means the input is left to the YAML parser.
var errNotFastJSON = errors.New("not strict JSON")

// maxJSONDepth is go-yaml's nesting limit; deeper documents take the YAML
// path and get its error.
const maxJSONDepth = 10000

// crowdedLine is the number of nodes on one line above which a document is
// given virtual positions (see positions).
const crowdedLine = 512

// nodeSlab is how many nodes are allocated at once.
const nodeSlab = 1024

// jsonNodes parses a JSON document into the YAML node tree yaml.Unmarshal
// would return for it (a document node). It also returns the number of
// lines of the document, or of virtual lines when pos is not nil.
func jsonNodes(data []byte) (doc *yaml.Node, pos *positions, lines int, err error) {
	if !utf8.Valid(data) {
		return nil, nil, 0, errNotFastJSON
	}
	// One copy of the document backs every string without escapes, instead
	// of an allocation per string.
	p := &jsonParser{data: data, text: string(data), line: 1, col: 1, tags: map[string]string{}}
	p.skipSpace()
	if p.i >= len(data) || data[p.i] != '{' {
		return nil, nil, 0, errNotFastJSON
	}
	root, err := p.value()
	if err != nil {
		return nil, nil, 0, err
	}
	p.skipSpace()
	if p.i != len(data) {
		return nil, nil, 0, errNotFastJSON
	}
	doc = p.newNode(yaml.DocumentNode, "", 0, "", root.Line, root.Column)
	doc.Content = []*yaml.Node{root}
	lines = p.line
	if p.maxPerLine > crowdedLine {
		pos = renumber(doc, p.nodes)
		lines = len(pos.orig)
	}
	return doc, pos, lines, nil
}

// jsonParser is the state of one jsonNodes call.
type jsonParser struct {
	data []byte
	text string // data as a string
	i    int    // read offset

	line       int // current line, 1-based
	lineStart  int // offset of the current line's first byte
	colAt, col int // col is the 1-based column (in characters) of offset colAt
	perLine    int // nodes that start on the current line
	maxPerLine int
	nodes      int

	slab []yaml.Node
	ptrs []*yaml.Node      // the content of open collections, innermost last
	tags map[string]string // number literal → the tag YAML resolves it to
}

// frame is an open collection.
type frame struct {
	node  *yaml.Node
	start int  // where its content starts in ptrs
	key   bool // a mapping that expects a key next
}

func (p *jsonParser) newline(next int) {
	p.line++
	p.lineStart = next
	p.colAt, p.col = next, 1
	p.perLine = 0
}

// column returns the column of offset p.i on the current line.
func (p *jsonParser) column() int {
	if p.colAt < p.lineStart {
		p.colAt, p.col = p.lineStart, 1
	}
	seg := p.data[p.colAt:p.i]
	n := 0
	for _, c := range seg {
		if c < utf8.RuneSelf || c >= 0xC0 { // count the first byte of each character
			n++
		}
	}
	p.col += n
	p.colAt = p.i
	return p.col
}

func (p *jsonParser) newNode(kind yaml.Kind, tag string, style yaml.Style, value string, line, col int) *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, nodeSlab)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.Kind, n.Tag, n.Style, n.Value, n.Line, n.Column = kind, tag, style, value, line, col
	return n
}

// here creates a node that starts at the read offset.
func (p *jsonParser) here(kind yaml.Kind, tag string, style yaml.Style, value string) *yaml.Node {
	p.nodes++
	p.perLine++
	if p.perLine > p.maxPerLine {
		p.maxPerLine = p.perLine
	}
	return p.newNode(kind, tag, style, value, p.line, p.column())
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t':
			p.i++
		case '\n':
			p.i++
			p.newline(p.i)
		case '\r':
			p.i++
			if p.i < len(p.data) && p.data[p.i] == '\n' {
				p.i++
			}
			p.newline(p.i)
		default:
			return
		}
	}
}

// value parses one JSON value (iteratively: nesting costs no Go stack).
func (p *jsonParser) value() (*yaml.Node, error) {
	var stack []frame
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, errNotFastJSON
		}
		var n *yaml.Node
		top := len(stack) - 1
		switch c := p.data[p.i]; {
		case top >= 0 && stack[top].key && c != '"':
			return nil, errNotFastJSON // a key must be a string
		case c == '{' || c == '[':
			if len(stack) >= maxJSONDepth {
				return nil, errNotFastJSON
			}
			f := frame{start: len(p.ptrs)}
			if c == '{' {
				f.node = p.here(yaml.MappingNode, "!!map", yaml.FlowStyle, "")
				f.key = true
			} else {
				f.node = p.here(yaml.SequenceNode, "!!seq", yaml.FlowStyle, "")
			}
			p.i++
			p.skipSpace()
			if p.i < len(p.data) && (p.data[p.i] == '}' && c == '{' || p.data[p.i] == ']' && c == '[') {
				p.i++
				n = f.node
				break
			}
			stack = append(stack, f)
			continue
		case c == '"':
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			n = s
		case c == '-' || c >= '0' && c <= '9':
			lit, err := p.number()
			if err != nil {
				return nil, err
			}
			n = p.here(yaml.ScalarNode, p.numberTag(lit), 0, lit)
			p.i += len(lit)
		case c == 't' && bytes.HasPrefix(p.data[p.i:], []byte("true")):
			n = p.here(yaml.ScalarNode, "!!bool", 0, "true")
			p.i += 4
		case c == 'f' && bytes.HasPrefix(p.data[p.i:], []byte("false")):
			n = p.here(yaml.ScalarNode, "!!bool", 0, "false")
			p.i += 5
		case c == 'n' && bytes.HasPrefix(p.data[p.i:], []byte("null")):
			n = p.here(yaml.ScalarNode, "!!null", 0, "null")
			p.i += 4
		default:
			return nil, errNotFastJSON
		}
		root, err := p.attach(&stack, n)
		if err != nil || root != nil {
			return root, err
		}
	}
}

// attach adds the complete value n to the open collection on the stack and
// closes every collection that ends here. It returns the outermost value
// once it is complete, and nil while a collection is still open.
func (p *jsonParser) attach(stack *[]frame, n *yaml.Node) (*yaml.Node, error) {
	for {
		if len(*stack) == 0 {
			return n, nil
		}
		f := &(*stack)[len(*stack)-1]
		p.ptrs = append(p.ptrs, n)
		p.skipSpace()
		if p.i >= len(p.data) {
			return nil, errNotFastJSON
		}
		c := p.data[p.i]
		if f.node.Kind == yaml.MappingNode && f.key {
			if c != ':' {
				return nil, errNotFastJSON
			}
			p.i++
			f.key = false
			return nil, nil
		}
		end := byte(']')
		if f.node.Kind == yaml.MappingNode {
			end = '}'
			f.key = true
		}
		if c == ',' {
			p.i++
			return nil, nil
		}
		if c != end {
			return nil, errNotFastJSON
		}
		p.i++
		content := make([]*yaml.Node, len(p.ptrs)-f.start)
		copy(content, p.ptrs[f.start:])
		clear(p.ptrs[f.start:])
		p.ptrs = p.ptrs[:f.start]
		f.node.Content = content
		n = f.node
		*stack = (*stack)[:len(*stack)-1]
	}
}

// number returns the JSON number literal at the read offset.
func (p *jsonParser) number() (string, error) {
	d := p.data
	j := p.i
	if j < len(d) && d[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(d) && d[j] == '0' {
		j++
	} else if digits() == 0 {
		return "", errNotFastJSON
	}
	if j < len(d) && d[j] == '.' {
		j++
		if digits() == 0 {
			return "", errNotFastJSON
		}
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if digits() == 0 {
			return "", errNotFastJSON
		}
	}
	return p.text[p.i:j], nil
}

// numberTag returns the tag YAML resolves a number literal to (!!int,
// !!float, or !!str for one out of float64's range), asking the YAML
// decoder once per distinct literal.
func (p *jsonParser) numberTag(lit string) string {
	if tag, ok := p.tags[lit]; ok {
		return tag
	}
	tag := "!!str"
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(lit), &n); err == nil && len(n.Content) == 1 {
		tag = n.Content[0].Tag
	}
	p.tags[lit] = tag
	return tag
}

// str parses a JSON string at the read offset into a double-quoted scalar.
func (p *jsonParser) str() (*yaml.Node, error) {
	n := p.here(yaml.ScalarNode, "!!str", yaml.DoubleQuotedStyle, "")
	d := p.data
	start := p.i + 1
	j := start
	// Fast path: no escapes.
	for j < len(d) {
		c := d[j]
		if c == '"' {
			n.Value = p.text[start:j]
			p.i = j + 1
			return n, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 || c == 0x7f {
			return nil, errNotFastJSON
		}
		if c >= utf8.RuneSelf {
			w, err := p.wide(j)
			if err != nil {
				return nil, err
			}
			j += w
			continue
		}
		j++
	}
	buf := append([]byte(nil), d[start:j]...)
	for j < len(d) {
		c := d[j]
		switch {
		case c == '"':
			n.Value = string(buf)
			p.i = j + 1
			return n, nil
		case c == '\\':
			var ok bool
			if buf, j, ok = unescape(buf, d, j); !ok {
				return nil, errNotFastJSON
			}
		case c < 0x20 || c == 0x7f:
			return nil, errNotFastJSON
		case c >= utf8.RuneSelf:
			w, err := p.wide(j)
			if err != nil {
				return nil, err
			}
			buf = append(buf, d[j:j+w]...)
			j += w
		default:
			buf = append(buf, c)
			j++
		}
	}
	return nil, errNotFastJSON
}

// unescape appends the escape sequence at d[j] (a backslash) to buf and
// returns the offset after it; false for an invalid or lone-surrogate escape.
func unescape(buf, d []byte, j int) ([]byte, int, bool) {
	if j+1 >= len(d) {
		return buf, j, false
	}
	j += 2
	switch d[j-1] {
	case '"', '\\', '/':
		buf = append(buf, d[j-1])
	case 'b':
		buf = append(buf, '\b')
	case 'f':
		buf = append(buf, '\f')
	case 'n':
		buf = append(buf, '\n')
	case 'r':
		buf = append(buf, '\r')
	case 't':
		buf = append(buf, '\t')
	case 'u':
		r, ok := hex4(d, j)
		if !ok {
			return buf, j, false
		}
		j += 4
		if utf16.IsSurrogate(r) {
			// Only a well-formed pair (YAML rejects a lone half).
			lo, ok := rune(0), false
			if j+1 < len(d) && d[j] == '\\' && d[j+1] == 'u' {
				lo, ok = hex4(d, j+2)
			}
			r = utf16.DecodeRune(r, lo)
			if !ok || r == utf8.RuneError {
				return buf, j, false
			}
			j += 6
		}
		buf = utf8.AppendRune(buf, r)
	default:
		return buf, j, false
	}
	return buf, j, true
}

// wide checks the multi-byte character at offset j of a string and returns
// its width. Characters YAML cannot print, and the ones it reads as line
// breaks inside a quoted scalar (NEL, LS, PS: it folds them and the spaces
// around them), send the document down the YAML path.
func (p *jsonParser) wide(j int) (int, error) {
	r, w := utf8.DecodeRune(p.data[j:])
	if r < 0xA0 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF {
		return 0, errNotFastJSON
	}
	return w, nil
}

// hex4 decodes the four hex digits at d[j:].
func hex4(d []byte, j int) (rune, bool) {
	if j+4 > len(d) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d[j:j+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// positions maps the virtual positions of a crowded document back to the
// file's. libopenapi maps every node by line, looking a column up by a
// linear scan of the line, so a document with thousands of nodes on one
// line (minified JSON: Stripe's 2.5 MB spec is one line) takes minutes to
// index. Such a document gets one virtual line per node, in document order;
// everything that shows a position to the user translates it here.
type positions struct {
	orig []filePos // orig[i] is where the node on virtual line i+1 is
}

// filePos is a line and column of the file.
type filePos struct{ line, col int32 }

// renumber gives every node of the tree its own line, in document order,
// and returns the table that maps those lines back.
func renumber(doc *yaml.Node, count int) *positions {
	pos := &positions{orig: make([]filePos, 0, count+1)}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind != yaml.DocumentNode {
			pos.orig = append(pos.orig, filePos{line: int32(n.Line), col: int32(n.Column)})
			n.Line, n.Column = len(pos.orig), 1
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	if len(doc.Content) > 0 {
		doc.Line, doc.Column = doc.Content[0].Line, doc.Content[0].Column
	}
	return pos
}

// file returns the file position of a node position (unchanged when the
// document has no virtual positions or the line is not one of them).
func (p *positions) file(line, col int) (int, int) {
	if p == nil || line < 1 || line > len(p.orig) {
		return line, col
	}
	o := p.orig[line-1]
	return int(o.line), int(o.col)
}

// positionText matches the positions libopenapi writes into its messages.
var positionText = regexp.MustCompile(`\[(\d+):(\d+)\]|\bline (\d+), (col(?:umn)?) (\d+)`)

// fileText rewrites the node positions in a libopenapi message to the
// file's (unchanged when the document has no virtual positions).
func (p *positions) fileText(msg string) string {
	if p == nil {
		return msg
	}
	return positionText.ReplaceAllStringFunc(msg, func(m string) string {
		g := positionText.FindStringSubmatch(m)
		if g[1] != "" {
			l, c := p.file(atoi(g[1]), atoi(g[2]))
			return fmt.Sprintf("[%d:%d]", l, c)
		}
		l, c := p.file(atoi(g[3]), atoi(g[5]))
		return fmt.Sprintf("line %d, %s %d", l, g[4], c)
	})
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
