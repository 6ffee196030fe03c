package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// utf8BOM is the byte order mark some editors put before YAML and JSON.
var utf8BOM = []byte("\xef\xbb\xbf")

// syntaxError turns a yaml.v3 syntax error on p.data into a LoadError that
// names the place (line, and column when it can be found) and the fix. It
// says "truncated" only when the file really ends early: it stops inside a
// construct and lacks the final newline every cassette writer puts there.
func (p *parser) syntaxError(err error) *LoadError {
	if looksJSON(p.data) {
		if le := p.jsonError(); le != nil {
			return le
		}
	}
	line, problem := splitYAMLError(err.Error())
	if isParserProblem(problem) {
		// yaml.v3 reports a parser error's line 0-based (its scanner
		// errors are 1-based), and at the start of the enclosing
		// collection rather than at the offending line.
		line++
		if isIndentProblem(problem) {
			line = p.firstFailingLine(problem, line)
		}
	}
	endsEarly := !bytes.HasSuffix(p.data, []byte("\n"))
	le := &LoadError{File: p.file, Line: line, Index: -1}
	switch {
	case strings.Contains(problem, "tab character") || strings.Contains(problem, "cannot start any token"):
		if tl, tc := tabIndentedLine(p.data, line); tl > 0 {
			le.Line, le.Column = tl, tc
			le.Err = fmt.Errorf("%w: a tab character indents this line", ErrSyntax)
			le.Hint = "YAML forbids tabs for indentation: indent with spaces"
			return le
		}
		le.Err = fmt.Errorf("%w: %s", ErrSyntax, problem)
		le.Hint = "a value starts with a character YAML reserves (such as @ or `): quote the value"
	case strings.Contains(problem, "unexpected end of stream"):
		// yaml.v3 reports it for a quoted string that never closes; the
		// line is where the string starts.
		if endsEarly {
			le.Err = fmt.Errorf("%w: it ends inside the quoted string that starts on line %d", ErrTruncated, line)
			le.Hint = "the file was cut short: record the cassette again or restore it from version control"
			return le
		}
		le.Err = fmt.Errorf("%w: the quoted string that starts on this line is never closed", ErrSyntax)
		le.Hint = `close the quote; inside "..." write \" for a quote, inside '...' write ''`
	case strings.Contains(problem, "control characters are not allowed"):
		le.Line, le.Column = position(p.data, firstControl(p.data))
		le.Err = fmt.Errorf("%w: %s", ErrSyntax, problem)
		le.Hint = "the file holds binary bytes, so it is not a text cassette: check the path; binary bodies are stored as !!binary base64"
	case strings.Contains(problem, "UTF-8"):
		le.Line, le.Column = position(p.data, firstInvalidUTF8(p.data))
		le.Err = fmt.Errorf("%w: %s", ErrSyntax, problem)
		le.Hint = "the file is not UTF-8 text: convert it to UTF-8"
	case endsEarly && line >= lineCount(p.data):
		le.Err = fmt.Errorf("%w: it stops in the middle of a YAML construct (%s)", ErrTruncated, problem)
		le.Hint = "the file was cut short and has no final newline: record the cassette again or restore it from version control"
	default:
		le.Err = fmt.Errorf("%w: %s", ErrSyntax, problem)
		le.Hint = yamlHint(problem)
	}
	return le
}

// splitYAMLError splits "yaml: line 12: problem" into 12 and "problem".
func splitYAMLError(msg string) (int, string) {
	msg = strings.TrimPrefix(msg, "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, problem, ok := strings.Cut(rest, ": ")
	if !ok {
		return 0, msg
	}
	line, err := strconv.Atoi(num)
	if err != nil {
		return 0, msg
	}
	return line, problem
}

// parserProblems are the problems yaml.v3's parser (not its scanner)
// reports.
var parserProblems = []string{
	"did not find expected key", "did not find expected '-' indicator", "did not find expected node content",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "found undefined tag handle",
	"did not find expected <document start>", "found duplicate %", "found incompatible YAML document",
}

func isParserProblem(problem string) bool {
	for _, pp := range parserProblems {
		if strings.HasPrefix(problem, pp) {
			return true
		}
	}
	return false
}

// isIndentProblem reports the parser problems caused by one mis-indented
// line somewhere inside the collection yaml.v3 names.
func isIndentProblem(problem string) bool {
	return strings.HasPrefix(problem, "did not find expected key") ||
		strings.HasPrefix(problem, "did not find expected '-' indicator") ||
		strings.HasPrefix(problem, "did not find expected node content")
}

// maxBisectBytes bounds the files whose offending line firstFailingLine
// looks for (it parses up to log2(lines) prefixes).
const maxBisectBytes = 8 << 20

// firstFailingLine finds the first line at or after from where the YAML
// fails with problem: the smallest prefix of whole lines that fails so
// (a prefix that stops between block lines is valid YAML). It returns from
// when the file is too large or the search finds nothing better.
func (p *parser) firstFailingLine(problem string, from int) int {
	if len(p.data) > maxBisectBytes || from < 1 {
		return from
	}
	starts := []int{0}
	for i, c := range p.data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	fails := func(lines int) bool {
		end := len(p.data)
		if lines < len(starts) {
			end = starts[lines]
		}
		var n yaml.Node
		err := yaml.Unmarshal(p.data[:end], &n)
		return err != nil && strings.Contains(err.Error(), problem)
	}
	lo, hi := from, lineCount(p.data)
	if hi < lo || !fails(hi) {
		return from
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// escapeHint fixes a bad escape in a double-quoted YAML string.
const escapeHint = `fix the backslash escape in this double-quoted string (\n, \t, \\, \", \uXXXX) or use single quotes`

// yamlHints say how to fix a yaml.v3 problem: the first entry whose
// substring the problem contains wins.
var yamlHints = []struct{ problem, hint string }{
	{"mapping values are not allowed", "a plain value contains ': ' or the line is indented too far: quote the value or fix the indentation"},
	{"did not find expected key", "this line is indented differently from the keys around it: align it with its siblings"},
	{"did not find expected '-' indicator", "a list item is mis-indented: align its '-' with the other items"},
	{"did not find expected ',' or ']'", "the '[' list opened on this line is not closed: add the ']' or the missing comma"},
	{"did not find expected ',' or '}'", "the '{' mapping opened on this line is not closed: add the '}' or the missing comma"},
	{"could not find expected ':'", "a key lacks its ':' or a value spreads over lines unquoted: add the ':' or quote the value"},
	{"escape", escapeHint},
	{"hexdecimal", escapeHint},
	{"tag", "fix or remove the '!' tag; cassettes use only !!binary"},
	{"anchor", "define the &anchor before the *alias that uses it, or remove the alias"},
	{"block sequence entries are not allowed", "a '- ' item follows a key on the same line: put it on its own line, indented under the key"},
}

// yamlHint says how to fix a yaml.v3 problem.
func yamlHint(problem string) string {
	for _, h := range yamlHints {
		if strings.Contains(problem, h.problem) {
			return h.hint
		}
	}
	return "fix the YAML at this line (a cassette is YAML as go-vcr or mockd record writes it), or record it again"
}

// tabIndentedLine finds the line a tab error is about: the first line from
// near (yaml.v3 reports the start of the scalar before the tab, so the tab
// is on that line or after it) whose leading whitespace holds a tab. It
// returns the 1-based line and the column of the tab, or 0, 0.
func tabIndentedLine(data []byte, near int) (int, int) {
	lines := bytes.Split(data, []byte("\n"))
	for i := max(near-1, 0); i < len(lines); i++ {
		l := lines[i]
		indent := len(l) - len(bytes.TrimLeft(l, " \t"))
		if j := bytes.IndexByte(l[:indent], '\t'); j >= 0 && indent < len(bytes.TrimRight(l, "\r")) {
			return i + 1, j + 1
		}
	}
	return 0, 0
}

// lineCount is the number of lines of data (a last line without a newline
// counts).
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if !bytes.HasSuffix(data, []byte("\n")) {
		n++
	}
	return n
}

// position returns the 1-based line and column (in characters) of byte
// offset off in data; off < 0 gives 0, 0.
func position(data []byte, off int) (int, int) {
	if off < 0 {
		return 0, 0
	}
	off = min(off, len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

// firstControl is the offset of the first byte YAML does not allow in a
// text file, or -1.
func firstControl(data []byte) int {
	for i, c := range data {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return i
		}
	}
	return -1
}

// firstInvalidUTF8 is the offset of the first byte that is not UTF-8, or -1.
func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// looksJSON reports whether data (after a BOM and whitespace) starts like a
// JSON object or array: a cassette written as JSON.
func looksJSON(data []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, utf8BOM), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// jsonError diagnoses a JSON cassette that YAML could not read with
// encoding/json, which knows the exact place; nil when the JSON is valid
// (the YAML diagnosis is used then).
func (p *parser) jsonError() *LoadError {
	data := bytes.TrimPrefix(p.data, utf8BOM)
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	if err == nil {
		return nil
	}
	d := diagnoseJSON(err, int64(len(data)))
	le := &LoadError{File: p.file, Index: -1, Err: d.err()}
	le.Line, le.Column = position(data, int(d.offset))
	if errors.Is(d.sentinel, ErrTruncated) {
		le.Hint = "the file was cut short: record the cassette again or restore it from version control"
	} else {
		le.Hint = `fix the JSON at this place; a cassette in JSON is an object {"version": 2, "interactions": [...]}`
	}
	return le
}

// jsonDiagnosis classifies an encoding/json error.
type jsonDiagnosis struct {
	sentinel error  // ErrTruncated, ErrJSONSyntax or ErrInvalidField
	offset   int64  // 0-based byte offset of the problem
	field    string // the dotted field of a type error
	detail   string
}

// err is the diagnosis as an error wrapping its sentinel.
func (d jsonDiagnosis) err() error {
	if d.detail == "" {
		return d.sentinel
	}
	return fmt.Errorf("%w: %s", d.sentinel, d.detail)
}

// diagnoseJSONIn is diagnoseJSON for the whole JSON text data: a value of
// the wrong type is placed at its first byte rather than its last.
func diagnoseJSONIn(err error, data []byte) jsonDiagnosis {
	d := diagnoseJSON(err, int64(len(data)))
	if d.sentinel == ErrInvalidField && d.offset >= 0 && d.offset < int64(len(data)) {
		d.offset = int64(literalStart(data, int(d.offset)))
	}
	return d
}

// literalStart returns the offset of the first byte of the JSON string,
// number or keyword whose last byte is at end.
func literalStart(data []byte, end int) int {
	if data[end] == '"' {
		for i := end - 1; i >= 0; i-- {
			if data[i] != '"' {
				continue
			}
			backslashes := 0
			for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
				backslashes++
			}
			if backslashes%2 == 0 {
				return i
			}
		}
		return end
	}
	i := end
	for i > 0 && strings.IndexByte("0123456789+-.eEtruefalsn", data[i-1]) >= 0 {
		i--
	}
	return i
}

// diagnoseJSON classifies err from decoding a JSON text of size bytes:
// the text ending early (truncated), a syntax error, or a value of the
// wrong type, with the byte offset of the problem.
func diagnoseJSON(err error, size int64) jsonDiagnosis {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		(errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input")):
		return jsonDiagnosis{sentinel: ErrTruncated, offset: size, detail: "the JSON ends before its objects and lists are closed"}
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included.
		return jsonDiagnosis{sentinel: ErrJSONSyntax, offset: se.Offset - 1, detail: se.Error()}
	case errors.As(err, &te):
		field := te.Field
		return jsonDiagnosis{sentinel: ErrInvalidField, offset: max(te.Offset-1, 0), field: field,
			detail: fmt.Sprintf("expected %s, found %s", jsonKind(te.Type), jsonFound(te.Value))}
	}
	return jsonDiagnosis{sentinel: ErrJSONSyntax, offset: -1, detail: err.Error()}
}

// jsonKind names the JSON value a Go type decodes from, in JSON's words.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	if t == reflect.TypeFor[stringList]() {
		return "a string or a list of strings"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
	}
	return "another value"
}

// jsonFound names the JSON value the decoder found ("number", "array"...).
func jsonFound(v string) string {
	switch v {
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	return "the " + v // "number 1.5" and the like
}
