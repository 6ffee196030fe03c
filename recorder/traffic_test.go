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
