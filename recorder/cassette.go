package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/internal/yamlpos"

	"github.com/mockd/mockd/internal/content"
)

// Sentinel errors wrapped by LoadError; test them with errors.Is.
var (
	// ErrEmpty reports a file with no content (or only blank lines and
	// comments): nothing was ever recorded into it.
	ErrEmpty = errors.New("file is empty")
	// ErrTruncated reports a file that really ends early: it stops in the
	// middle of a construct (a quoted string, a JSON object) and lacks the
	// final newline every writer puts there.
	ErrTruncated = errors.New("file is truncated")
	// ErrSyntax reports a file that is not valid YAML (and, through
	// ErrJSONSyntax, JSON that is not valid JSON).
	ErrSyntax = errors.New("not valid YAML")
	// ErrJSONSyntax reports a JSON file (HAR, an NDJSON line, a cassette
	// written as JSON) that is not valid JSON; errors.Is(err, ErrSyntax)
	// holds for it too.
	ErrJSONSyntax error = jsonSyntaxError{}
	// ErrNotCassette reports valid YAML that is not shaped like a cassette.
	ErrNotCassette = errors.New("not a go-vcr cassette")
	// ErrUnsupportedVersion reports a cassette format version other than 1 or 2.
	ErrUnsupportedVersion = errors.New("unsupported cassette format version")
	// ErrMissingField reports a required interaction field that is absent or empty.
	ErrMissingField = errors.New("missing required field")
	// ErrInvalidField reports a field whose value has the wrong type or form.
	ErrInvalidField = errors.New("invalid field value")
	// ErrInvalidBody reports a body that is not valid for its declared encoding.
	ErrInvalidBody = errors.New("body does not match its declared encoding")
)

// Cassette format versions read by Load; Save always writes FormatV2.
const (
	// FormatV1 is the format written by go-vcr v1 and v2.
	FormatV1 = cassette.CassetteFormatV1
	// FormatV2 is the format written (and the only one read) by go-vcr v3.
	FormatV2 = cassette.CassetteFormatV2
)

// jsonSyntaxError is ErrJSONSyntax: its own message, and errors.Is
// matches ErrSyntax as well.
type jsonSyntaxError struct{}

// Error implements error.
func (jsonSyntaxError) Error() string { return "not valid JSON" }

// Is makes errors.Is(ErrJSONSyntax, ErrSyntax) hold.
func (jsonSyntaxError) Is(target error) bool { return target == ErrSyntax }

// LoadError describes why a traffic file (a cassette, a HAR file, an NDJSON
// file) could not be loaded. Its message names the format and the file, the
// 1-based line (and column when known), the interaction index and the field,
// then says how to fix the problem.
type LoadError struct {
	// Format names the kind of file in the message: "" or "cassette", "HAR
	// file", "NDJSON file".
	Format string
	// File is the path (or name) the file was loaded from.
	File string
	// Line is the 1-based line of the offending YAML node, 0 when unknown.
	Line int
	// Column is the 1-based column (in characters) of a syntax problem, 0
	// when unknown.
	Column int
	// Index is the 0-based interaction index, -1 outside the interactions list.
	Index int
	// Field is the dotted field path, e.g. "request.method"; empty when the
	// problem is not about one field.
	Field string
	// Err is one of the Err* sentinels, possibly wrapping the underlying cause.
	Err error
	// Hint says how to fix the file.
	Hint string
}

// Error implements error.
func (e *LoadError) Error() string {
	var b strings.Builder
	if e.Format == "" {
		b.WriteString("cassette ")
	} else {
		b.WriteString(e.Format)
		b.WriteString(" ")
	}
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if e.Index >= 0 {
		b.WriteString(": interaction ")
		b.WriteString(strconv.Itoa(e.Index))
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinel (and cause) so errors.Is works.
func (e *LoadError) Unwrap() error { return e.Err }

// LoadFile reads and parses the cassette at path (format 1 or 2). Unlike
// go-vcr's cassette.Load it takes the exact path (no ".yaml" appended).
func LoadFile(path string) (*cassette.Cassette, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("recorder: read cassette %s: %w (check the path given to --cassette)", path, err)
	}
	return Parse(data, path)
}

// Load reads a whole cassette from r; name is used in errors and as the
// cassette's Name and File.
func Load(r io.Reader, name string) (*cassette.Cassette, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("recorder: read cassette %s: %w", name, err)
	}
	return Parse(data, name)
}

// Parse decodes cassette bytes of format version 1 or 2 into go-vcr v3
// types. It is all-or-nothing: any invalid interaction fails the whole load
// with a *LoadError. The returned cassette keeps its source format in
// Version; Save always writes version 2.
func Parse(data []byte, name string) (*cassette.Cassette, error) {
	p := &parser{file: name, data: data, budget: 16*len(data) + 1<<16}
	c, err := p.parse()
	if err != nil {
		return nil, err
	}
	return c, nil
}

type parser struct {
	file   string
	data   []byte
	budget int // node visits left; bounds alias expansion
}

func (p *parser) fail(n *yaml.Node, index int, field string, err error, hint string) *LoadError {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &LoadError{File: p.file, Line: line, Index: index, Field: field, Err: err, Hint: hint}
}

func (p *parser) parse() (*cassette.Cassette, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(p.data, utf8BOM))) == 0 {
		return nil, &LoadError{File: p.file, Index: -1, Err: ErrEmpty,
			Hint: "nothing was recorded into it: check the path, record it again, or restore it from version control"}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(p.data, &doc); err != nil {
		return nil, p.syntaxError(err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &LoadError{File: p.file, Index: -1, Err: ErrEmpty,
			Hint: "it holds only comments or blank lines: check the path, record it again, or restore it from version control"}
	}
	root := p.deref(doc.Content[0])
	if root == nil {
		return nil, p.fail(doc.Content[0], -1, "", ErrNotCassette, "excessive aliasing")
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.fail(root, -1, "", ErrNotCassette,
			"expected a mapping with 'version' and 'interactions' keys, found "+yamlpos.Describe(root))
	}
	verNode, err := p.lookup(root, "version")
	if err != nil {
		return nil, err
	}
	if verNode == nil {
		return nil, p.fail(root, -1, "version", ErrMissingField,
			"add 'version: 2' (or 'version: 1' for go-vcr v1/v2 cassettes)")
	}
	version, convErr := strconv.Atoi(strings.TrimSpace(verNode.Value))
	if verNode.Kind != yaml.ScalarNode || convErr != nil || (version != FormatV1 && version != FormatV2) {
		return nil, p.fail(verNode, -1, "version", fmt.Errorf("%w %q", ErrUnsupportedVersion, verNode.Value),
			"mockd reads versions 1 (go-vcr v1/v2) and 2 (go-vcr v3)")
	}
	itNode, err := p.lookup(root, "interactions")
	if err != nil {
		return nil, err
	}
	c := &cassette.Cassette{
		Name:         p.file,
		File:         p.file,
		Version:      version,
		Interactions: make([]*cassette.Interaction, 0),
		Matcher:      cassette.DefaultMatcher,
	}
	if itNode == nil || itNode.ShortTag() == "!!null" {
		return c, nil
	}
	if itNode.Kind != yaml.SequenceNode {
		return nil, p.fail(itNode, -1, "interactions", ErrNotCassette, "'interactions' must be a list, found "+yamlpos.Describe(itNode))
	}
	for idx, raw := range itNode.Content {
		n := p.deref(raw)
		if n == nil {
			return nil, p.fail(raw, idx, "", ErrInvalidField, "excessive or circular YAML aliasing")
		}
		it, err := p.interaction(n, idx, version)
		if err != nil {
			if le := (*LoadError)(nil); errors.As(err, &le) && idx == len(itNode.Content)-1 && !bytes.HasSuffix(p.data, []byte("\n")) {
				le.Hint += "; the file does not end with a newline, so it was probably truncated"
			}
			return nil, err
		}
		c.Interactions = append(c.Interactions, it)
	}
	return c, nil
}

// interaction decodes one interaction; request.method, request.url and
// response.code are required.
func (p *parser) interaction(n *yaml.Node, idx, version int) (*cassette.Interaction, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, idx, "", ErrInvalidField, "each interaction must be a mapping with request and response, found "+yamlpos.Describe(n))
	}
	it := &cassette.Interaction{ID: idx}
	reqNode, err := p.lookup(n, "request")
	if err != nil {
		return nil, withIndex(err, idx)
	}
	respNode, err := p.lookup(n, "response")
	if err != nil {
		return nil, withIndex(err, idx)
	}
	if version == FormatV2 {
		if idNode, err := p.lookup(n, "id"); err != nil {
			return nil, withIndex(err, idx)
		} else if idNode != nil {
			id, err := p.integer(idNode, idx, "id")
			if err != nil {
				return nil, err
			}
			it.ID = int(id)
		}
	}
	if reqNode == nil || isNull(reqNode) {
		return nil, p.fail(n, idx, "request", ErrMissingField, "every interaction needs a request with method and url")
	}
	if respNode == nil || isNull(respNode) {
		return nil, p.fail(n, idx, "response", ErrMissingField, "every interaction needs a response with at least a code")
	}
	if err := p.request(reqNode, keyNode(n, "request"), idx, &it.Request); err != nil {
		return nil, err
	}
	if err := p.response(respNode, keyNode(n, "response"), idx, &it.Response); err != nil {
		return nil, err
	}
	return it, nil
}

// keyNode returns the key node of key in mapping m (its line is where a
// missing sub-field is reported).
func keyNode(m *yaml.Node, key string) *yaml.Node {
	var found *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			found = k
		}
	}
	return found
}

func withIndex(err error, idx int) error {
	var le *LoadError
	if errors.As(err, &le) {
		le.Index = idx
	}
	return err
}

func (p *parser) request(n, key *yaml.Node, idx int, r *cassette.Request) error {
	var bodyNode, methodNode, urlNode *yaml.Node
	var err error
	set := map[string]fieldSetter{
		"proto":       func(v *yaml.Node, f string) error { r.Proto, err = p.str(v, idx, f); return err },
		"proto_major": func(v *yaml.Node, f string) error { x, e := p.integer(v, idx, f); r.ProtoMajor = int(x); return e },
		"proto_minor": func(v *yaml.Node, f string) error { x, e := p.integer(v, idx, f); r.ProtoMinor = int(x); return e },
		"content_length": func(v *yaml.Node, f string) error {
			r.ContentLength, err = p.integer(v, idx, f)
			return err
		},
		"transfer_encoding": func(v *yaml.Node, f string) error { r.TransferEncoding, err = p.strList(v, idx, f); return err },
		"trailer":           func(v *yaml.Node, f string) error { r.Trailer, err = p.multimap(v, idx, f, true); return err },
		"host":              func(v *yaml.Node, f string) error { r.Host, err = p.str(v, idx, f); return err },
		"remote_addr":       func(v *yaml.Node, f string) error { r.RemoteAddr, err = p.str(v, idx, f); return err },
		"request_uri":       func(v *yaml.Node, f string) error { r.RequestURI, err = p.str(v, idx, f); return err },
		"body":              func(v *yaml.Node, f string) error { bodyNode = v; r.Body, err = p.str(v, idx, f); return err },
		"form":              func(v *yaml.Node, f string) error { r.Form, err = p.multimap(v, idx, f, false); return err },
		"headers":           func(v *yaml.Node, f string) error { r.Headers, err = p.multimap(v, idx, f, true); return err },
		"url":               func(v *yaml.Node, f string) error { urlNode = v; r.URL, err = p.str(v, idx, f); return err },
		"method":            func(v *yaml.Node, f string) error { methodNode = v; r.Method, err = p.str(v, idx, f); return err },
	}
	if err := p.mapping(n, idx, "request", set); err != nil {
		return err
	}
	if strings.TrimSpace(r.Method) == "" {
		return p.fail(orNode(methodNode, key), idx, "request.method", ErrMissingField, "record the HTTP method, e.g. 'method: GET'")
	}
	if !validMethod(r.Method) {
		return p.fail(methodNode, idx, "request.method", ErrInvalidField, fmt.Sprintf("%q is not an HTTP method token", r.Method))
	}
	if strings.TrimSpace(r.URL) == "" {
		return p.fail(orNode(urlNode, key), idx, "request.url", ErrMissingField, "record the full request URL, e.g. 'url: https://api.example.com/v1/items'")
	}
	if _, err := url.Parse(r.URL); err != nil {
		return p.fail(urlNode, idx, "request.url", fmt.Errorf("%w: %w", ErrInvalidField, err), "the URL must parse with net/url")
	}
	if r.Headers == nil {
		r.Headers = http.Header{}
	}
	if r.Form == nil {
		r.Form = url.Values{}
	}
	if err := checkBodyEncoding(r.Headers, r.Body, false); err != nil {
		return p.fail(orNode(bodyNode, key), idx, "request.body", err, "the body must be stored as sent; drop the Content-Encoding header or re-record")
	}
	return nil
}

func (p *parser) response(n, key *yaml.Node, idx int, r *cassette.Response) error {
	var bodyNode, codeNode *yaml.Node
	var err error
	set := map[string]fieldSetter{
		"proto":       func(v *yaml.Node, f string) error { r.Proto, err = p.str(v, idx, f); return err },
		"proto_major": func(v *yaml.Node, f string) error { x, e := p.integer(v, idx, f); r.ProtoMajor = int(x); return e },
		"proto_minor": func(v *yaml.Node, f string) error { x, e := p.integer(v, idx, f); r.ProtoMinor = int(x); return e },
		"content_length": func(v *yaml.Node, f string) error {
			r.ContentLength, err = p.integer(v, idx, f)
			return err
		},
		"transfer_encoding": func(v *yaml.Node, f string) error { r.TransferEncoding, err = p.strList(v, idx, f); return err },
		"trailer":           func(v *yaml.Node, f string) error { r.Trailer, err = p.multimap(v, idx, f, true); return err },
		"uncompressed":      func(v *yaml.Node, f string) error { r.Uncompressed, err = p.boolean(v, idx, f); return err },
		"body":              func(v *yaml.Node, f string) error { bodyNode = v; r.Body, err = p.str(v, idx, f); return err },
		"headers":           func(v *yaml.Node, f string) error { r.Headers, err = p.multimap(v, idx, f, true); return err },
		"status":            func(v *yaml.Node, f string) error { r.Status, err = p.str(v, idx, f); return err },
		"code": func(v *yaml.Node, f string) error {
			codeNode = v
			x, e := p.integer(v, idx, f)
			r.Code = int(x)
			return e
		},
		"duration": func(v *yaml.Node, f string) error { r.Duration, err = p.duration(v, idx, f); return err },
	}
	if err := p.mapping(n, idx, "response", set); err != nil {
		return err
	}
	if codeNode == nil || isNull(codeNode) {
		return p.fail(key, idx, "response.code", ErrMissingField, "record the HTTP status code, e.g. 'code: 200'")
	}
	if r.Code < 100 || r.Code > 999 {
		return p.fail(codeNode, idx, "response.code", ErrInvalidField, fmt.Sprintf("%d is not an HTTP status code (100-999)", r.Code))
	}
	if r.Headers == nil {
		r.Headers = http.Header{}
	}
	if err := checkBodyEncoding(r.Headers, r.Body, r.Uncompressed); err != nil {
		return p.fail(orNode(bodyNode, key), idx, "response.body", err,
			"store the body exactly as received, or set 'uncompressed: true' when it was decoded")
	}
	return nil
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

func validMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return m != ""
}

// contentCodings returns the Content-Encoding codings in the order applied.
func contentCodings(h http.Header) []string { return content.Codings(h) }

// checkBodyEncoding verifies a body decodes under its Content-Encoding
// (internal/content, under its per-body and ratio limits, output discarded).
// A coding it does not know, or a body over the limits (a bomb), is not
// verified; nor are bodies the recorder truncated or stored already decoded.
func checkBodyEncoding(h http.Header, body string, uncompressed bool) error {
	codings := contentCodings(h)
	if uncompressed || len(codings) == 0 || body == "" || h.Get(TruncatedHeader) != "" {
		return nil
	}
	err := content.Check(codings, []byte(body), content.Limits{})
	if errors.Is(err, content.ErrCorrupt) {
		return fmt.Errorf("%w: %w", ErrInvalidBody, err)
	}
	return nil
}

// fileV2 is the on-disk shape of a version 2 cassette (go-vcr v3's).
type fileV2 struct {
	Version      int                     `yaml:"version"`
	Interactions []*cassette.Interaction `yaml:"interactions"`
}

// Marshal encodes interactions as a version 2 cassette that go-vcr v3's
// cassette.Load reads. IDs are renumbered 0..n-1 in order; interactions
// marked DiscardOnSave are left out. The inputs are not modified.
func Marshal(interactions []*cassette.Interaction) ([]byte, error) {
	out := fileV2{Version: FormatV2, Interactions: make([]*cassette.Interaction, 0, len(interactions))}
	for _, it := range interactions {
		if it == nil || it.DiscardOnSave {
			continue
		}
		cp := *it
		cp.ID = len(out.Interactions)
		out.Interactions = append(out.Interactions, &cp)
	}
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	if err := enc.Encode(&out); err != nil {
		return nil, fmt.Errorf("recorder: encode cassette: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("recorder: encode cassette: %w", err)
	}
	return buf.Bytes(), nil
}

// SaveFile writes c's interactions to path as a version 2 cassette,
// crash-safely: a temporary file in the same directory is written, fsynced
// and renamed over path, then the directory is fsynced. A reader never sees
// a partial file.
func SaveFile(path string, c *cassette.Cassette) error {
	c.Mu.RLock()
	data, err := Marshal(c.Interactions)
	c.Mu.RUnlock()
	if err != nil {
		return fmt.Errorf("recorder: save %s: %w", path, err)
	}
	return writeFileAtomic(path, data)
}
