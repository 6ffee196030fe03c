package recorder_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockd/mockd/recorder"
)

// fixtureDir holds the contract fixtures: traffic in every format.
const fixtureDir = "../fixtures/contract"

func TestSniffTraffic(t *testing.T) {
	cases := []struct {
		name, head string
		want       recorder.TrafficKind
	}{
		{"v2.yaml", "---\nversion: 2\ninteractions:\n  - id: 0\n", recorder.TrafficCassette},
		{"x.txt", "interactions:\n- request:\n", recorder.TrafficCassette},
		{"old.yml", "version: 1\n# no interactions yet\nrequest: {}\n", recorder.TrafficCassette},
		{"a.har", "{\n  \"log\": {\"version\": \"1.2\"", recorder.TrafficHAR},
		{"noext", "\ufeff  {\"log\":{}}", recorder.TrafficHAR},
		{"a.log", "{\"request\":{\"method\":\"GET\"}}\n", recorder.TrafficNDJSON},
		{"a.jsonl", "{\"x\":1}\n", recorder.TrafficNDJSON},
		{"odd.har", "{\"x\":1}", recorder.TrafficHAR},
		{"README.md", "# traffic\n", recorder.TrafficUnknown},
		{"spec.yaml", "openapi: 3.0.3\npaths: {}\n", recorder.TrafficUnknown},
		{"api.yaml", "openapi: 3.0.3\ninfo:\n  version: 1.0.0\npaths:\n  /a:\n    post:\n      requestBody: {}\n", recorder.TrafficUnknown},
		{"empty", "", recorder.TrafficUnknown},
		{"array.json", "[1,2]", recorder.TrafficUnknown},
	}
	for _, c := range cases {
		if got := recorder.SniffTraffic([]byte(c.head), c.name); got != c.want {
			t.Errorf("SniffTraffic(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestReadTrafficLocatesEveryFormat(t *testing.T) {
	var got []recorder.Source
	err := recorder.ReadTraffic(context.Background(), []string{filepath.Join(fixtureDir, "clean")}, func(ix *recorder.Interaction) error {
		got = append(got, ix.Source)
		if ix.URL == nil || ix.Method == "" || ix.Status == 0 {
			t.Errorf("incomplete interaction from %v", ix.Source)
		}
		if ix.ResponseHeader.Get("Content-Encoding") != "" {
			t.Errorf("%v: body left encoded", ix.Source)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"books-v2.yaml": "", "browser.har": "log.entries[1]", "legacy-v1.yaml": "", "ops-traffic.log": "line 2"}
	seen := map[string]bool{}
	for _, s := range got {
		base := filepath.Base(s.File)
		seen[base] = true
		if base == "README.md" {
			t.Errorf("README.md was read as traffic")
		}
		if s.Index == 1 && want[base] != s.Entry {
			t.Errorf("%s#1 entry = %q, want %q", base, s.Entry, want[base])
		}
	}
	if len(got) != 12 || len(seen) != 4 {
		t.Fatalf("read %d interactions from %v, want 12 from 4 files", len(got), seen)
	}
}

func TestReadTrafficErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("version: 2\ninteractions:\n- request: {method: GET}\n  response: {code: 200}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notTraffic := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notTraffic, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badHAR := filepath.Join(dir, "cut.har")
	if err := os.WriteFile(badHAR, []byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200}},`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, want string
	}{
		{broken, "request.url"},
		{notTraffic, "not a go-vcr cassette"},
		{badHAR, "cut.har"},
		{filepath.Join(dir, "missing.yaml"), "no such file"},
	} {
		err := recorder.ReadTraffic(context.Background(), []string{c.path}, func(*recorder.Interaction) error { return nil })
		var te *recorder.TrafficError
		if !errors.As(err, &te) || te.File != c.path || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ReadTraffic(%s) = %v, want a TrafficError for the file mentioning %q", filepath.Base(c.path), err, c.want)
		}
	}
	// Inside a folder, non-traffic files are skipped, broken ones are not.
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(badHAR); err != nil {
		t.Fatal(err)
	}
	if err := recorder.ReadTraffic(context.Background(), []string{dir}, func(*recorder.Interaction) error { return nil }); err != nil {
		t.Errorf("a folder with only a text file: %v", err)
	}
	if err := recorder.ReadTraffic(context.Background(), nil, nil); err == nil {
		t.Error("no paths: want an error")
	}
}

func TestFromCassetteDecodesBodies(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtureDir, "clean", "books-v2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := recorder.Parse(data, "books-v2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	last := c.Interactions[len(c.Interactions)-1]
	ix, err := recorder.FromCassette(last, recorder.Source{File: "books-v2.yaml", Index: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(ix.ResponseBody), `{"id":2`) || ix.ResponseHeader.Get("Content-Encoding") != "" {
		t.Fatalf("gzip body not decoded: %q", ix.ResponseBody)
	}
	if _, err := recorder.FromCassette(nil, recorder.Source{}); err == nil {
		t.Error("nil interaction: want an error")
	}
}

func asTrafficError(err error, te **recorder.TrafficError) bool { return errors.As(err, te) }

// jsonCassette is a version 2 cassette written as JSON: valid YAML, so
// go-vcr (and mockd serve --cassette) read it.
const jsonCassette = `{
  "version": 2,
  "interactions": [
    {
      "id": 0,
      "request": {"method": "GET", "url": "http://localhost:8080/books/1", "headers": {"Accept": ["application/json"]}},
      "response": {"code": 200, "headers": {"Content-Type": ["application/json"]}, "body": "{\"id\":1}"}
    }
  ]
}
`

// TestReadTrafficReadsJSONCassettes: a cassette written as JSON is a
// cassette, whatever its extension and key order.
func TestReadTrafficReadsJSONCassettes(t *testing.T) {
	dir := t.TempDir()
	reordered := strings.Replace(strings.Replace(jsonCassette, `"version": 2,`, ``, 1), "  ]\n}", "  ],\n  \"version\": 2\n}", 1)
	for name, data := range map[string]string{"api.json": jsonCassette, "api.yaml": jsonCassette, "recording": jsonCassette, "late-version.json": reordered} {
		if got := recorder.SniffTraffic([]byte(data), name); got != recorder.TrafficCassette {
			t.Errorf("SniffTraffic(%s) = %v, want cassette", name, got)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		var got []*recorder.Interaction
		err := recorder.ReadTraffic(context.Background(), []string{path}, func(ix *recorder.Interaction) error {
			got = append(got, ix)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 1 || got[0].Method != "GET" || got[0].Status != 200 || string(got[0].ResponseBody) != `{"id":1}` {
			t.Fatalf("%s: read %+v", name, got)
		}
	}
}

// TestReadTrafficDiagnosesMalformedFiles walks every diagnosis path of the
// traffic readers (sniffing, YAML cassettes of format 1 and 2, cassettes in
// JSON, HAR, NDJSON): each message names the file, the place and the fix,
// and only a file that really ends early is called truncated.
func TestReadTrafficDiagnosesMalformedFiles(t *testing.T) {
	v2 := "version: 2\ninteractions:\n    - id: 0\n      request:\n        method: GET\n        url: http://x.test/a\n" +
		"      response:\n        code: 200\n        body: hello\n"
	v1 := "version: 1\ninteractions:\n- request:\n    url: http://x.test/a\n    method: GET\n  response:\n    code: 200\n    body: ok\n"
	har := "{\"log\": {\"version\": \"1.2\", \"entries\": [\n" +
		"  {\"request\": {\"method\": \"GET\", \"url\": \"http://x.test/a\"}, \"response\": {\"status\": 200}}\n]}}\n"
	nd := `{"request":{"method":"GET","url":"http://x.test/a"},"response":{"code":200}}`
	cases := []struct {
		name, file, data string
		place, fix       string // substrings of the message
		truncated        bool
	}{
		{"tab-indented cassette", "tabs.yaml", strings.Replace(v2, "        url:", "\turl:", 1),
			"tabs.yaml:6:1: not valid YAML: a tab character indents this line", "indent with spaces", false},
		{"tab-indented format 1 cassette", "v1.yaml", strings.ReplaceAll(v1, "    ", "\t"),
			"v1.yaml:4:1: not valid YAML: a tab character indents this line", "indent with spaces", false},
		{"cassette cut in a quoted string", "cut.yaml", strings.Replace(v2, "body: hello", `body: "hel`, 1)[:len(v2)-2],
			"cut.yaml:9: file is truncated", "cut short", true},
		{"cassette with a quote never closed", "quote.yaml", strings.Replace(v2, "body: hello", `body: "hello`, 1),
			"quote.yaml:9: not valid YAML: the quoted string that starts on this line is never closed", "close the quote", false},
		{"mis-indented key", "indent.yaml", strings.Replace(v2, "        url:", "       url:", 1),
			"indent.yaml:6: not valid YAML: did not find expected key", "align it with its siblings", false},
		{"format 1 cassette without a code", "nocode.yaml", strings.Replace(v1, "    code: 200\n", "", 1),
			"nocode.yaml:6: interaction 0: response.code: missing required field", "record the HTTP status code", false},
		{"format 1 cassette cut after a key", "v1cut.yaml", v1[:strings.Index(v1, "  response:")] + "  response:\n    co",
			"v1cut.yaml:7: interaction 0: response: invalid field value (expected a mapping, found the value \"co\"", "probably truncated", true},
		{"unknown version", "v3.yaml", strings.Replace(v2, "version: 2", "version: 3", 1),
			"v3.yaml:1: version: unsupported cassette format version", "mockd reads versions 1", false},
		{"JSON cassette cut short", "cut.json", jsonCassette[:strings.Index(jsonCassette, `"response"`)],
			"cut.json:7:7: file is truncated", "cut short", true},
		{"JSON cassette with a syntax error", "bad.json", strings.Replace(jsonCassette, `"code": 200`, `"code" 200`, 1),
			"bad.json:7:27: not valid JSON: invalid character '2' after object key", "fix the JSON at this place", false},
		{"JSON cassette without a method", "nomethod.json", strings.Replace(jsonCassette, `"method": "GET", `, ``, 1),
			"nomethod.json:6: interaction 0: request.method: missing required field", "record the HTTP method", false},
		{"HAR cut short", "cut.har", har[:len(har)-4],
			"HAR file %DIR%/cut.har: log.entries: file is truncated", "export the HAR again", true},
		{"HAR with a syntax error", "bad.har", strings.Replace(har, `"url": "http`, `"url" "http`, 1),
			"bad.har:2:39: interaction 0: not valid JSON: invalid character '\"' after object key", "fix the JSON at this place", false},
		{"HAR status as a string", "type.har", strings.Replace(har, `"status": 200`, `"status": "200"`, 1),
			"type.har:2:83: interaction 0: response.status: invalid field value: expected an integer, found a string", "fix the value", false},
		{"HAR aborted entry", "aborted.har", strings.Replace(har, `"status": 200`, `"status": 0`, 1),
			"aborted.har: interaction 0: response.status: invalid field value", "remove them", false},
		{"NDJSON last line cut", "cut.ndjson", nd + "\n" + nd[:40],
			"cut.ndjson:2:41: interaction 1: file is truncated", "drop that line", true},
		{"NDJSON pretty-printed", "pretty.ndjson", "{\n" + nd[1:] + "\n",
			"pretty.ndjson:1:2: interaction 0: not valid JSON: the JSON object on this line is not closed", "put each interaction on one line", false},
		{"NDJSON code as a string", "type.ndjson", strings.Replace(nd, `"code":200`, `"code":"200"`, 1) + "\n",
			"type.ndjson:1:72: interaction 0: response.code: invalid field value: expected an integer, found a string", "fix the value's type", false},
		{"empty file", "empty.yaml", "",
			"empty.yaml: not a go-vcr cassette, HAR 1.2 or NDJSON interactions file: the file is empty", "check the path", false},
		{"an OpenAPI document", "openapi.json", `{"openapi": "3.0.3", "info": {"title": "x"}, "paths": {}}`,
			`openapi.json: not a go-vcr cassette, HAR 1.2 or NDJSON interactions file: line 1: a JSON object with the keys "openapi", "info", "paths"`, "check the path", false},
		{"a YAML file without interactions", "notes.yaml", "title: notes\nitems: [a, b]\n",
			"notes.yaml: not a go-vcr cassette, HAR 1.2 or NDJSON interactions file: no top-level 'interactions:' key", "check the path", false},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			err := recorder.ReadTraffic(context.Background(), []string{path}, func(*recorder.Interaction) error { return nil })
			var te *recorder.TrafficError
			if !errors.As(err, &te) || te.File != path {
				t.Fatalf("err = %v, want a *TrafficError for %s", err, path)
			}
			msg := err.Error()
			place := strings.ReplaceAll(c.place, "%DIR%", dir)
			if !strings.Contains(msg, path) || !strings.Contains(msg, place) || !strings.Contains(msg, c.fix) {
				t.Errorf("message\n  %s\nwant the file, %q and the fix %q", msg, place, c.fix)
			}
			if got := strings.Contains(msg, "truncated"); got != c.truncated {
				t.Errorf("says truncated = %v, want %v: %s", got, c.truncated, msg)
			}
			if strings.Count(msg, path) != 1 {
				t.Errorf("the file is named %d times: %s", strings.Count(msg, path), msg)
			}
		})
	}
}
