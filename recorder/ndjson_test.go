package recorder_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

func TestNDJSONRoundTrip(t *testing.T) {
	in := []*cassette.Interaction{
		{Request: cassette.Request{Method: "GET", URL: "https://api.example.com/a", Headers: http.Header{"Accept": {"application/json"}}},
			Response: cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"application/json"}}, Body: `{"ok":true}`}},
		{Request: cassette.Request{Method: "PUT", URL: "https://api.example.com/b", Body: "\xff\x00binary"},
			Response: cassette.Response{Code: 204, Status: "204 No Content"}},
	}
	var buf strings.Builder
	buf.WriteString("\n") // blank lines are skipped
	for _, it := range in {
		line, err := recorder.EncodeNDJSON(it)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
	}
	var got []*cassette.Interaction
	var lines []int
	if err := recorder.ReadNDJSON(strings.NewReader(buf.String()), "t.ndjson", func(line int, it *cassette.Interaction) error {
		lines = append(lines, line)
		got = append(got, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || lines[0] != 2 || lines[1] != 3 {
		t.Fatalf("lines %v", lines)
	}
	if got[0].Response.Body != `{"ok":true}` || got[0].Request.Headers.Get("Accept") != "application/json" || got[0].Response.Status != "200 OK" {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].Request.Body != "\xff\x00binary" || got[1].ID != 1 {
		t.Errorf("binary body lost: %q", got[1].Request.Body)
	}
}

func TestNDJSONAcceptsStringHeadersAndReportsLines(t *testing.T) {
	ok := `{"request":{"method":"GET","url":"http://x/","headers":{"accept":"text/plain"}},"response":{"code":200}}` + "\n"
	err := recorder.ReadNDJSON(strings.NewReader(ok), "s", func(_ int, it *cassette.Interaction) error {
		if it.Request.Headers.Get("Accept") != "text/plain" {
			t.Errorf("header: %v", it.Request.Headers)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{ok + "{not json}\n", ":2"},
		{`{"request":{"url":"http://x/"},"response":{"code":200}}`, "request.method"},
		{`{"request":{"method":"GET","url":"http://x/"},"response":{"code":42}}`, "response.code"},
		{`{"request":{"method":"GET","url":"http://x/","body":"!","body_encoding":"base64"},"response":{"code":200}}`, "base64"},
		{`{"request":{"method":"GET","url":"http://x/","body":"a","body_encoding":"rot13"},"response":{"code":200}}`, "rot13"},
	} {
		err := recorder.ReadNDJSON(strings.NewReader(c.in), "s.ndjson", func(int, *cassette.Interaction) error { return nil })
		var le *recorder.LoadError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want a LoadError mentioning %q", c.in, err, c.want)
		}
	}
	if _, err := recorder.EncodeNDJSON(nil); err == nil {
		t.Error("nil interaction: want an error")
	}
}
