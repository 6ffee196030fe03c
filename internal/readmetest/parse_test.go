package readmetest

import (
	"strings"
	"testing"
)

func TestLineMatches(t *testing.T) {
	cases := []struct {
		want, got string
		ok        bool
	}{
		{"HTTP/1.1 404 Not Found", "HTTP/1.1 404 Not Found", true},
		{"HTTP/1.1 404 Not Found", "HTTP/1.1 400 Bad Request", false},
		{`{"type":"urn:mockd:problem:no-such-example",…}`, `{"type":"urn:mockd:problem:no-such-example","status":404}`, true},
		{`{"type":"urn:mockd:problem:no-such-example",…}`, `{"type":"urn:mockd:problem:invalid-prefer","status":400}`, false},
		{`…"status":404,…"candidates":…`, `{"a":1,"status":404,"b":2,"candidates":[]}`, true},
		{`…"status":404,…"candidates":…`, `{"candidates":[],"status":404}`, false},
		{"curl: (28) Operation timed out after … milliseconds…", "curl: (28) Operation timed out after 1001 milliseconds with 0 bytes received", true},
		{"a…a", "a", false}, // the pieces may not overlap
	}
	for _, c := range cases {
		if got := lineMatches(c.want, c.got); got != c.ok {
			t.Errorf("lineMatches(%q, %q) = %v, want %v", c.want, c.got, got, c.ok)
		}
	}
}

func TestMatchOutput(t *testing.T) {
	out := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n[]"
	if m := matchOutput([]string{"HTTP/1.1 200 OK", "Content-Type: application/json", "[]"}, out); m != "" {
		t.Errorf("lines in order with others between: missing %q", m)
	}
	if m := matchOutput([]string{"Content-Type: application/json", "HTTP/1.1 200 OK"}, out); m != "HTTP/1.1 200 OK" {
		t.Errorf("lines out of order must fail on the second, got %q", m)
	}
	if m := matchOutput([]string{"503", "503", "201"}, "503\n201\n"); m != "503" {
		t.Errorf("each expected line consumes one output line, got %q", m)
	}
}

func TestParseMarkdown(t *testing.T) {
	doc := strings.Join([]string{
		"# Title",
		"<!-- readme-test: run; ports 4010, 4011; before mockd serve --port 4010 & -->",
		"```console",
		"$ curl -s localhost:4010/x \\",
		"    -H 'A: b'",
		"ok",
		"",
		"$ true",
		"```",
		"<!-- readme-test: skip synopsis -->",
		"",
		"prose in between drops the marker",
		"```",
		"mockd serve [--port N]",
		"```",
	}, "\n")
	blocks, err := parseMarkdown(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 {
		t.Fatalf("got %d blocks, want 2", len(blocks))
	}
	m := blocks[0].Marker
	if m == nil || !m.Run || strings.Join(m.Ports, ",") != "4010,4011" || len(m.Before) != 1 || blocks[0].Section != "Title" {
		t.Errorf("first block: marker %+v, section %q", m, blocks[0].Section)
	}
	if blocks[1].Marker != nil {
		t.Errorf("a marker followed by prose must not attach to the next block")
	}
	steps, err := parseTranscript(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || !strings.Contains(steps[0].Cmd, "-H 'A: b'") || len(steps[0].Want) != 1 || steps[0].Line != 4 {
		t.Errorf("steps: %+v", steps)
	}
}

func TestParseMarkerErrors(t *testing.T) {
	for _, line := range []string{
		"<!-- readme-test: skip -->",              // no reason
		"<!-- readme-test: run; skip because -->", // two kinds
		"<!-- readme-test: runn -->",              // unknown directive
		"<!-- readme-test: run",                   // not closed
	} {
		if _, err := parseMarker(line, 1); err == nil {
			t.Errorf("parseMarker(%q) accepted it", line)
		}
	}
}

func TestBackground(t *testing.T) {
	cases := []struct {
		cmd, rest string
		bg        bool
	}{
		{"mockd serve --port 4011 &   # a comment", "mockd serve --port 4011", true},
		{"kill %1 && wait %1", "kill %1 && wait %1", false},
		{"curl -H 'X-Fault: a&b' x  # '&'", "curl -H 'X-Fault: a&b' x", false},
		{"curl -H 'A: #not-a-comment' x &", "curl -H 'A: #not-a-comment' x", true},
	}
	for _, c := range cases {
		rest, bg := background(c.cmd)
		if rest != c.rest || bg != c.bg {
			t.Errorf("background(%q) = %q, %v; want %q, %v", c.cmd, rest, bg, c.rest, c.bg)
		}
	}
}

func TestSkipReasonKeepsSemicolons(t *testing.T) {
	m, err := parseMarker("<!-- readme-test: skip synopsis; the walk-through below runs -->", 1)
	if err != nil || m.Skip != "synopsis; the walk-through below runs" {
		t.Errorf("got %+v, %v", m, err)
	}
}

func TestSaveMarker(t *testing.T) {
	m, err := parseMarker("<!-- readme-test: save rules.yaml; ports 4010; check mockd serve --faults rules.yaml --port 4010 & -->", 1)
	if err != nil || m.Save != "rules.yaml" || len(m.Check) != 1 || len(m.Ports) != 1 {
		t.Errorf("got %+v, %v", m, err)
	}
	for _, bad := range []string{
		"<!-- readme-test: save rules.yaml -->",                // nothing checks it
		"<!-- readme-test: save ../rules.yaml; check true -->", // not a plain name
		"<!-- readme-test: run; check true -->",                // check without save
	} {
		if _, err := parseMarker(bad, 1); err == nil {
			t.Errorf("parseMarker(%q) accepted it", bad)
		}
	}
}

func TestParseMarkerCheckout(t *testing.T) {
	m, err := parseMarker("<!-- readme-test: run; checkout -->", 1)
	if err != nil || !m.Run || !m.Checkout {
		t.Errorf("run; checkout: marker %+v, err %v", m, err)
	}
	blocks := []block{{Line: 3, Lang: "yaml", Marker: &marker{Save: "x.yaml", Check: []string{"true"}, Checkout: true}}}
	if problems := markerProblems(blocks); len(problems) != 1 || !strings.Contains(problems[0], "checkout goes with run") {
		t.Errorf("a checkout without run: problems %q", problems)
	}
}
