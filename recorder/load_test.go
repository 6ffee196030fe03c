package recorder_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

const goodV2 = `---
version: 2
interactions:
    - id: 0
      request:
        body: ""
        headers: {}
        url: http://example.test/a
        method: GET
      response:
        body: hello
        headers: {}
        status: 200 OK
        code: 200
        duration: 5ms
`

// goodJSON is goodV2 written as JSON (valid YAML, so go-vcr reads it too).
const goodJSON = `{
  "version": 2,
  "interactions": [
    {
      "id": 0,
      "request": {
        "body": "",
        "headers": {},
        "url": "http://example.test/a",
        "method": "GET"
      },
      "response": {
        "body": "hello",
        "headers": {},
        "status": "200 OK",
        "duration": "5ms",
        "code": 200
      }
    }
  ]
}
`

func gzipB64(s string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		data string
		is   error
		want string
	}{
		{"empty", "", recorder.ErrEmpty,
			"cassette bad.yaml: file is empty (nothing was recorded into it: check the path, record it again, or restore it from version control)"},
		{"only comments", "# nothing yet\n\n", recorder.ErrEmpty,
			"cassette bad.yaml: file is empty (it holds only comments or blank lines: check the path, record it again, or restore it from version control)"},
		{"truncated mid-string", goodV2[:strings.Index(goodV2, "hello")] + "\"hel", recorder.ErrTruncated,
			"cassette bad.yaml:11: file is truncated: it ends inside the quoted string that starts on line 11 (the file was cut short: record the cassette again or restore it from version control)"},
		{"quote never closed mid-file", strings.Replace(goodV2, "body: hello", "body: \"hello", 1), recorder.ErrSyntax,
			`cassette bad.yaml:11: not valid YAML: the quoted string that starts on this line is never closed (close the quote; inside "..." write \" for a quote, inside '...' write '')`},
		{"tab-indented", strings.Replace(goodV2, "      request:", "\trequest:", 1), recorder.ErrSyntax,
			"cassette bad.yaml:5:1: not valid YAML: a tab character indents this line (YAML forbids tabs for indentation: indent with spaces)"},
		{"tab after spaces", strings.Replace(goodV2, "        method: GET", "    \tmethod: GET", 1), recorder.ErrSyntax,
			"cassette bad.yaml:9:5: not valid YAML: a tab character indents this line (YAML forbids tabs for indentation: indent with spaces)"},
		{"tabs throughout", strings.ReplaceAll(goodV2, "    ", "\t"), recorder.ErrSyntax,
			"cassette bad.yaml:4:1: not valid YAML: a tab character indents this line (YAML forbids tabs for indentation: indent with spaces)"},
		{"mis-indented key", strings.Replace(goodV2, "        method: GET", "          method: GET", 1), recorder.ErrSyntax,
			"cassette bad.yaml:9: not valid YAML: mapping values are not allowed in this context (a plain value contains ': ' or the line is indented too far: quote the value or fix the indentation)"},
		{"flow list never closed", "version: 2\ninteractions: [\n  {request: {method: GET, url: /}, response: {code: 200}}\n\nfoo: bar\n", recorder.ErrSyntax,
			"cassette bad.yaml:2: not valid YAML: did not find expected ',' or ']' (the '[' list opened on this line is not closed: add the ']' or the missing comma)"},
		{"no final newline but not cut", strings.Replace(goodV2, "        method: GET", "          method: GET", 1)[:len(goodV2)-1], recorder.ErrSyntax,
			"cassette bad.yaml:9: not valid YAML: mapping values are not allowed in this context (a plain value contains ': ' or the line is indented too far: quote the value or fix the indentation)"},
		{"invalid UTF-8", "version: 2\ninteractions:\n- request: {method: GET, url: /}\n  response: {code: 200, body: \"a\xffb\"}\n", recorder.ErrSyntax,
			"cassette bad.yaml:4:33: not valid YAML: invalid leading UTF-8 octet (the file is not UTF-8 text: convert it to UTF-8)"},
		{"JSON cut short", goodJSON[:strings.Index(goodJSON, `"code"`)], recorder.ErrTruncated,
			"cassette bad.yaml:17:9: file is truncated: the JSON ends before its objects and lists are closed (the file was cut short: record the cassette again or restore it from version control)"},
		{"JSON missing a colon", strings.Replace(goodJSON, `"code": 200`, `"code" 200`, 1), recorder.ErrJSONSyntax,
			`cassette bad.yaml:17:16: not valid JSON: invalid character '2' after object key (fix the JSON at this place; a cassette in JSON is an object {"version": 2, "interactions": [...]})`},
		{"JSON missing a field", strings.Replace(goodJSON, "\",\n        \"method\": \"GET\"", "\"", 1), recorder.ErrMissingField,
			"cassette bad.yaml:6: interaction 0: request.method: missing required field (record the HTTP method, e.g. 'method: GET')"},
		{"dedented key", strings.Replace(goodV2, "        headers: {}\n        url", "       headers: {}\n        url", 1), recorder.ErrSyntax,
			"cassette bad.yaml:7: not valid YAML: did not find expected key (this line is indented differently from the keys around it: align it with its siblings)"},
		{"dedented list item", strings.Replace(goodV2, "      response:", "     response:", 1), recorder.ErrSyntax,
			"cassette bad.yaml:10: not valid YAML: did not find expected '-' indicator (a list item is mis-indented: align its '-' with the other items)"},
		{"undefined tag", "version: 2\ninteractions:\n- request: !foo!bar x\n", recorder.ErrSyntax,
			"cassette bad.yaml:3: not valid YAML: found undefined tag handle (fix or remove the '!' tag; cassettes use only !!binary)"},
		{"truncated before response", goodV2[:strings.Index(goodV2, "      response:")], recorder.ErrMissingField,
			"cassette bad.yaml:4: interaction 0: response: missing required field (every interaction needs a response with at least a code)"},
		{"truncated mid-response", goodV2[:strings.Index(goodV2, "        code: 200")-1], recorder.ErrMissingField,
			"cassette bad.yaml:10: interaction 0: response.code: missing required field (record the HTTP status code, e.g. 'code: 200'; the file does not end with a newline, so it was probably truncated)"},
		{"not YAML", "\x00\x01\x02 {[", recorder.ErrSyntax,
			"cassette bad.yaml:1:1: not valid YAML: control characters are not allowed (the file holds binary bytes, so it is not a text cassette: check the path; binary bodies are stored as !!binary base64)"},
		{"YAML but not a cassette", "just some words\n", recorder.ErrNotCassette,
			"cassette bad.yaml:1: not a go-vcr cassette (expected a mapping with 'version' and 'interactions' keys, found the value \"just some words\")"},
		{"unknown version", "version: 3\ninteractions: []\n", recorder.ErrUnsupportedVersion,
			"cassette bad.yaml:1: version: unsupported cassette format version \"3\" (mockd reads versions 1 (go-vcr v1/v2) and 2 (go-vcr v3))"},
		{"missing version", "interactions: []\n", recorder.ErrMissingField,
			"cassette bad.yaml:1: version: missing required field (add 'version: 2' (or 'version: 1' for go-vcr v1/v2 cassettes))"},
		{"missing method", strings.Replace(goodV2, "        method: GET\n", "", 1), recorder.ErrMissingField,
			"cassette bad.yaml:5: interaction 0: request.method: missing required field (record the HTTP method, e.g. 'method: GET')"},
		{"missing url", strings.Replace(goodV2, "        url: http://example.test/a\n", "", 1), recorder.ErrMissingField,
			"cassette bad.yaml:5: interaction 0: request.url: missing required field (record the full request URL, e.g. 'url: https://api.example.com/v1/items')"},
		{"missing code", strings.Replace(goodV2, "        code: 200\n", "", 1), recorder.ErrMissingField,
			"cassette bad.yaml:10: interaction 0: response.code: missing required field (record the HTTP status code, e.g. 'code: 200')"},
		{"code out of range", strings.Replace(goodV2, "code: 200", "code: 42", 1), recorder.ErrInvalidField,
			"cassette bad.yaml:14: interaction 0: response.code: invalid field value (42 is not an HTTP status code (100-999))"},
		{"code not a number", strings.Replace(goodV2, "code: 200", "code: ok", 1), recorder.ErrInvalidField,
			"cassette bad.yaml:14: interaction 0: response.code: invalid field value (expected an integer, found \"ok\")"},
		{"bad url", strings.Replace(goodV2, "url: http://example.test/a", "url: \"http://exa mple.test/%zz\"", 1), recorder.ErrInvalidField,
			"cassette bad.yaml:8: interaction 0: request.url: invalid field value: parse \"http://exa mple.test/%zz\": invalid character \" \" in host name (the URL must parse with net/url)"},
		{"bad duration", strings.Replace(goodV2, "duration: 5ms", "duration: soon", 1), recorder.ErrInvalidField,
			"cassette bad.yaml:15: interaction 0: response.duration: invalid field value (expected a duration such as 120ms, found \"soon\")"},
		{"invalid binary", strings.Replace(goodV2, "body: hello", "body: !!binary '%%%not-base64'", 1), recorder.ErrInvalidBody,
			"cassette bad.yaml:11: interaction 0: response.body: body does not match its declared encoding: invalid !!binary: illegal base64 data at input byte 0 (a !!binary value must be standard base64; re-record the interaction)"},
		{"gzip that does not gunzip", strings.Replace(goodV2, "        headers: {}\n        status", "        headers:\n            Content-Encoding:\n                - gzip\n        status", 1), recorder.ErrInvalidBody,
			"cassette bad.yaml:11: interaction 0: response.body: body does not match its declared encoding: Content-Encoding gzip: unexpected EOF (store the body exactly as received, or set 'uncompressed: true' when it was decoded)"},
		{"interactions not a list", "version: 2\ninteractions: {}\n", recorder.ErrNotCassette,
			"cassette bad.yaml:2: interactions: not a go-vcr cassette ('interactions' must be a list, found a mapping)"},
		{"second interaction bad", goodV2 + strings.Replace(goodV2[strings.Index(goodV2, "    - id: 0"):], "        method: GET\n", "        method: \"\"\n", 1), recorder.ErrMissingField,
			"cassette bad.yaml:21: interaction 1: request.method: missing required field (record the HTTP method, e.g. 'method: GET')"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := recorder.Parse([]byte(tc.data), "bad.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded with %d interactions; want error", len(c.Interactions))
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(err, %v) = false; err = %v", tc.is, err)
			}
			var le *recorder.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, want *recorder.LoadError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error text\n got: %s\nwant: %s", err.Error(), tc.want)
			}
		})
	}
}

func TestLoadAcceptsGzipBinaryAndV1(t *testing.T) {
	v1 := "version: 1\ninteractions:\n- request:\n    body: \"\"\n    form: {}\n    headers: {}\n    url: http://x.test/z?b=2&a=1\n    method: GET\n  response:\n    body: !!binary |\n      " +
		gzipB64("zipped!") + "\n    headers:\n      Content-Encoding:\n      - gzip\n    status: 200 OK\n    code: 200\n    duration: 1.5s\n"
	c, err := recorder.Parse([]byte(v1), "v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != recorder.FormatV1 || len(c.Interactions) != 1 {
		t.Fatalf("version %d, %d interactions", c.Version, len(c.Interactions))
	}
	it := c.Interactions[0]
	if it.Response.Duration.String() != "1.5s" || it.Response.Code != 200 || !strings.HasPrefix(it.Response.Body, "\x1f\x8b") {
		t.Fatalf("unexpected interaction %+v", it.Response)
	}
}

// TestSaveIsReadableByGoVCR proves the written format is go-vcr v3's own.
func TestSaveIsReadableByGoVCR(t *testing.T) {
	dir := t.TempDir()
	src, err := recorder.LoadFile("../fixtures/cassettes/go-vcr-v2-style-v1-format-oauth-items.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "converted.yaml")
	if err := recorder.SaveFile(out, src); err != nil {
		t.Fatal(err)
	}
	c, err := cassette.Load(strings.TrimSuffix(out, ".yaml"))
	if err != nil {
		t.Fatalf("go-vcr v3 cassette.Load: %v", err)
	}
	if len(c.Interactions) != len(src.Interactions) {
		t.Fatalf("go-vcr read %d interactions, want %d", len(c.Interactions), len(src.Interactions))
	}
	for i := range c.Interactions {
		a, b := c.Interactions[i], src.Interactions[i]
		if a.Request.URL != b.Request.URL || a.Request.Method != b.Request.Method || a.Response.Body != b.Response.Body ||
			a.Response.Code != b.Response.Code || a.Response.Duration != b.Response.Duration || a.ID != i {
			t.Errorf("interaction %d differs after go-vcr load", i)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestRoundTripTrickyBodies: bodies survive save + load byte for byte.
func TestRoundTripTrickyBodies(t *testing.T) {
	bodies := []string{"", " leading space", "trailing\n\n", "\r\ncrlf\r\n", "tab\tand\x00nul", "\xff\xfe binary \x80",
		"unicode é ✓ 🎉", "---\nyaml: [doc]\n", "'quotes\" and \\ backslash", "# not a comment", "null", "~", "123", "true"}
	var its []*cassette.Interaction
	for i, b := range bodies {
		its = append(its, &cassette.Interaction{
			Request:  cassette.Request{Method: "POST", URL: "http://x.test/b", Body: b},
			Response: cassette.Response{Code: 200, Body: b, Headers: map[string][]string{"X-Idx": {string(rune('a' + i))}}},
		})
	}
	data, err := recorder.Marshal(its)
	if err != nil {
		t.Fatal(err)
	}
	c, err := recorder.Parse(data, "rt.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	for i, b := range bodies {
		if got := c.Interactions[i].Response.Body; got != b {
			t.Errorf("body %d: got %q want %q", i, got, b)
		}
		if got := c.Interactions[i].Request.Body; got != b {
			t.Errorf("request body %d: got %q want %q", i, got, b)
		}
	}
}
