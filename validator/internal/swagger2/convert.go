package swagger2

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxWarnings bounds the warnings one conversion returns; the rest are
// counted in a final summary warning.
const maxWarnings = 1000

// defaultMediaType is used when neither the operation nor the document
// declares consumes or produces.
const defaultMediaType = "application/json"

// Error is a conversion failure at one place of the input document.
type Error struct {
	// File is the file name given to Convert.
	File string
	// Pointer is the JSON pointer (RFC 6901) of the failing place in the
	// Swagger 2.0 input; empty for the whole document.
	Pointer string
	// Line and Column locate the failing node in the input (1-based); zero
	// when unknown.
	Line, Column int
	// Problem says what is wrong and how to fix it.
	Problem string
	// Err is the underlying error, if any.
	Err error
}

// Error formats the failure as "file:line:col: pointer: problem: cause".
func (e *Error) Error() string {
	s := place(e.File, e.Pointer, e.Line, e.Column) + e.Problem
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// place formats a location prefix ending in ": " (or "" when nothing is known).
func place(file, ptr string, line, col int) string {
	var b strings.Builder
	b.WriteString(file)
	if line > 0 {
		if file != "" {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(line))
		if col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(col))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if ptr != "" {
		b.WriteString(ptr)
		b.WriteString(": ")
	}
	return b.String()
}

// Convert turns a Swagger 2.0 document (YAML or JSON bytes) into an
// equivalent OpenAPI 3.0.3 document as JSON bytes, plus warnings for
// constructs that have no exact 3.0 equivalent. Keys keep their source order.
// Errors are *Error values that name the place (JSON pointer and line:col)
// and the problem; filename is used in messages only.
func Convert(data []byte, filename string) (out []byte, warnings []string, err error) {
	root, err := parseDocument(data, filename)
	if err != nil {
		return nil, nil, err
	}
	c := &converter{file: filename}
	doc, err := c.document(root)
	if err != nil {
		return nil, c.warnings, err
	}
	if c.dropped > 0 {
		c.warnings = append(c.warnings, fmt.Sprintf("%s%d more warnings not shown", place(filename, "", 0, 0), c.dropped))
	}
	return encodeJSON(doc), c.warnings, nil
}

// IsSwagger2 reports whether data looks like a Swagger 2.0 document: a
// top-level "swagger" key whose value is "2.0". It reads only as far as it
// must: the top-level keys of a JSON object, or the unindented lines of a
// YAML document.
func IsSwagger2(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if v, ok := jsonTopLevelSwagger(trimmed); ok {
			return v == "2.0"
		}
		// Flow-style YAML or JSON with errors: parse it as YAML.
		var top struct {
			Swagger string `yaml:"swagger"`
		}
		if decodeYAMLInto(trimmed, &top) != nil {
			return false
		}
		return top.Swagger == "2.0"
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if strings.Trim(strings.TrimSpace(key), `"'`) != "swagger" {
			continue
		}
		if i := strings.Index(val, " #"); i >= 0 {
			val = val[:i]
		}
		return strings.Trim(strings.TrimSpace(val), `"'`) == "2.0"
	}
	return false
}

// jsonTopLevelSwagger streams the top-level keys of a JSON object and
// returns the "swagger" value as text. ok is false when the input is not
// valid JSON up to that point.
func jsonTopLevelSwagger(data []byte) (value string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		key, _ := t.(string)
		if key != "swagger" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return "", false
			}
			continue
		}
		v, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err == nil && f == 2 {
				return "2.0", true
			}
			return string(x), true
		}
		return "", true
	}
	return "", true
}

// decodeYAMLInto decodes data into v, turning a library panic into an error.
func decodeYAMLInto(data []byte, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml parser failed: %v", p)
		}
	}()
	return yaml.Unmarshal(data, v)
}

// converter holds the state of one conversion.
type converter struct {
	file     string
	warnings []string
	dropped  int
	// consumes and produces are the document-level media types (nil when
	// the document declares none).
	consumes, produces []string
	// paramDefs and respDefs are the top-level parameters and responses
	// mappings (nil when absent).
	paramDefs, respDefs *yaml.Node
}

func (c *converter) warn(ptr string, n *yaml.Node, format string, args ...any) {
	if len(c.warnings) >= maxWarnings {
		c.dropped++
		return
	}
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	c.warnings = append(c.warnings, place(c.file, ptr, line, col)+fmt.Sprintf(format, args...))
}

func (c *converter) fail(ptr string, n *yaml.Node, format string, args ...any) error {
	e := &Error{File: c.file, Pointer: ptr, Problem: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// expectMap fails unless n is a mapping (a null counts as an empty one).
func (c *converter) expectMap(ptr string, n *yaml.Node, what string) error {
	if n.Kind == yaml.MappingNode || isNull(n) {
		return nil
	}
	return c.fail(ptr, n, "%s is a %s; it must be a mapping", what, kindName(n))
}

// mediaTypes reads a consumes/produces list: nil when absent or empty.
func (c *converter) mediaTypes(ptr string, n *yaml.Node) ([]string, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, c.fail(ptr, n, "is a %s; it must be a list of media types such as [application/json]", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, m := range n.Content {
		if m.Kind != yaml.ScalarNode || isNull(m) || strings.TrimSpace(m.Value) == "" {
			return nil, c.fail(at(ptr, strconv.Itoa(i)), m, "is a %s; it must be a media type string such as application/json", kindName(m))
		}
		if !slices.Contains(out, m.Value) {
			out = append(out, m.Value)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// document converts the root mapping.
func (c *converter) document(root *yaml.Node) (*yaml.Node, error) {
	if root.Kind != yaml.MappingNode {
		return nil, c.fail("", root, "the document root is a %s; a Swagger 2.0 document is a mapping with swagger: \"2.0\"", kindName(root))
	}
	if err := c.documentHeader(root); err != nil {
		return nil, err
	}
	c.paramDefs, c.respDefs = get(root, "parameters"), get(root, "responses")

	out := newMap()
	add(out, "openapi", strNode("3.0.3"))
	if info := get(root, "info"); info != nil && info.Kind == yaml.MappingNode {
		add(out, "info", info)
	} else {
		c.warn("/info", root, "missing info; added an empty title and version (both are required)")
		info := newMap()
		add(info, "title", strNode(""))
		add(info, "version", strNode(""))
		add(out, "info", info)
	}
	servers, err := c.servers(root)
	if err != nil {
		return nil, err
	}
	add(out, "servers", servers)
	componentsDone, pathsDone := false, false
	err = pairs(root, func(key string, k, v *yaml.Node) error {
		switch key {
		case "swagger", "info", "host", "basePath", "schemes", "consumes", "produces":
			return nil
		case "paths":
			p, err := c.paths(v)
			if err != nil {
				return err
			}
			add(out, "paths", p)
			pathsDone = true
		case "definitions", "parameters", "responses", "securityDefinitions":
			if componentsDone {
				return nil
			}
			componentsDone = true
			comp, err := c.components(root)
			if err != nil {
				return err
			}
			add(out, "components", comp)
		case "tags", "externalDocs", "security":
			add(out, key, v)
		default:
			if isExt(key) {
				add(out, key, v)
				return nil
			}
			c.warn("/"+escapeToken(key), k, "%q is not a Swagger 2.0 field; dropped", key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !pathsDone {
		c.warn("/paths", root, "missing paths; added an empty paths object")
		add(out, "paths", newMap())
	}
	return out, nil
}

// documentHeader checks the swagger version, the document's consumes and
// produces, and that the top-level sections are mappings.
func (c *converter) documentHeader(root *yaml.Node) error {
	sw := get(root, "swagger")
	if sw == nil {
		if v, ok := str(root, "openapi"); ok {
			return c.fail("/openapi", get(root, "openapi"), "this is an OpenAPI %s document, not Swagger 2.0; load it directly instead of converting it", v)
		}
		return c.fail("/swagger", root, "missing swagger: \"2.0\"; this is not a Swagger 2.0 document")
	}
	if sw.Kind != yaml.ScalarNode || sw.Value != "2.0" {
		return c.fail("/swagger", sw, "swagger is %q; only \"2.0\" can be converted", sw.Value)
	}
	var err error
	if c.consumes, err = c.mediaTypes("/consumes", get(root, "consumes")); err != nil {
		return err
	}
	if c.produces, err = c.mediaTypes("/produces", get(root, "produces")); err != nil {
		return err
	}
	for _, k := range []string{"parameters", "responses", "definitions", "securityDefinitions", "paths", "info"} {
		if v := get(root, k); v != nil {
			if err := c.expectMap("/"+k, v, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// servers builds the servers list from host, basePath and schemes.
func (c *converter) servers(root *yaml.Node) (*yaml.Node, error) {
	host, _ := str(root, "host")
	base, hasBase := str(root, "basePath")
	if !hasBase || base == "" {
		base = "/"
	}
	if !strings.HasPrefix(base, "/") {
		c.warn("/basePath", get(root, "basePath"), "basePath %q does not start with /; used /%s", base, base)
		base = "/" + base
	}
	var schemes []string
	if s := get(root, "schemes"); !isNull(s) {
		if s.Kind != yaml.SequenceNode {
			return nil, c.fail("/schemes", s, "schemes is a %s; it must be a list such as [https]", kindName(s))
		}
		for i, v := range s.Content {
			if v.Kind != yaml.ScalarNode || isNull(v) || v.Value == "" {
				return nil, c.fail(at("/schemes", strconv.Itoa(i)), v, "is a %s; it must be one of http, https, ws, wss", kindName(v))
			}
			if !slices.Contains(schemes, v.Value) {
				schemes = append(schemes, v.Value)
			}
		}
	}
	var urls []string
	switch {
	case host == "":
		urls = []string{base}
	default:
		if strings.Contains(host, "/") {
			c.warn("/host", get(root, "host"), "host %q must be a host name (and port) only, without scheme or path", host)
		}
		suffix := strings.TrimSuffix(base, "/")
		if len(schemes) == 0 {
			urls = []string{"//" + host + suffix}
		}
		for _, s := range schemes {
			urls = append(urls, s+"://"+host+suffix)
		}
	}
	seq := newSeq()
	for _, u := range urls {
		m := newMap()
		add(m, "url", strNode(u))
		seq.Content = append(seq.Content, m)
	}
	return seq, nil
}

// effective returns mediaTypes, or the default media type when it is empty.
func (c *converter) effective(mediaTypes []string) []string {
	if len(mediaTypes) == 0 {
		return []string{defaultMediaType}
	}
	return mediaTypes
}

// securityScheme converts one securityDefinitions entry.
func (c *converter) securityScheme(ptr string, s *yaml.Node) (*yaml.Node, error) {
	if s.Kind != yaml.MappingNode {
		return nil, c.fail(ptr, s, "security scheme is a %s; it must be a mapping with a type", kindName(s))
	}
	typ, _ := str(s, "type")
	out := newMap()
	switch typ {
	case "basic":
		add(out, "type", strNode("http"))
		add(out, "scheme", strNode("basic"))
	case "apiKey":
		add(out, "type", strNode("apiKey"))
		name, okName := str(s, "name")
		in, okIn := str(s, "in")
		if !okName || !okIn {
			return nil, c.fail(ptr, s, "apiKey security scheme needs name and in (query or header)")
		}
		add(out, "name", strNode(name))
		add(out, "in", strNode(in))
	case "oauth2":
		add(out, "type", strNode("oauth2"))
		flow, _ := str(s, "flow")
		var key string
		var needAuth, needToken bool
		switch flow {
		case "implicit":
			key, needAuth = "implicit", true
		case "password":
			key, needToken = "password", true
		case "application":
			key, needToken = "clientCredentials", true
		case "accessCode":
			key, needAuth, needToken = "authorizationCode", true, true
		default:
			return nil, c.fail(at(ptr, "flow"), s, "oauth2 flow is %q; it must be implicit, password, application or accessCode", flow)
		}
		f := newMap()
		if needAuth {
			u, _ := str(s, "authorizationUrl")
			if u == "" {
				c.warn(ptr, s, "oauth2 %s flow has no authorizationUrl", flow)
			}
			add(f, "authorizationUrl", strNode(u))
		}
		if needToken {
			u, _ := str(s, "tokenUrl")
			if u == "" {
				c.warn(ptr, s, "oauth2 %s flow has no tokenUrl", flow)
			}
			add(f, "tokenUrl", strNode(u))
		}
		if sc := get(s, "scopes"); sc != nil && sc.Kind == yaml.MappingNode {
			add(f, "scopes", sc)
		} else {
			add(f, "scopes", newMap())
		}
		flows := newMap()
		add(flows, key, f)
		add(out, "flows", flows)
	default:
		return nil, c.fail(at(ptr, "type"), s, "security scheme type is %q; it must be basic, apiKey or oauth2", typ)
	}
	err := pairs(s, func(key string, _, v *yaml.Node) error {
		if key == "description" || isExt(key) {
			add(out, key, v)
		}
		return nil
	})
	return out, err
}
