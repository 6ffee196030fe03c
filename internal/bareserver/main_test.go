package main

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadHeaders(t *testing.T) {
	cases := []struct {
		name, text string
		want       http.Header
		err        string
	}{
		{name: "curl -D output", text: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Mon, 01 Dec 2026 13:00:00 GMT\r\n" +
			"Content-Length: 239\r\nX-Total-Count: 2\r\nVary: Origin\r\nVary: Accept\r\n\r\n",
			want: http.Header{"Content-Type": {"application/json"}, "X-Total-Count": {"2"}, "Vary": {"Origin", "Accept"}}},
		{name: "value with a colon", text: "Link: <http://x/a>; rel=next\n", want: http.Header{"Link": {"<http://x/a>; rel=next"}}},
		{name: "not a header", text: "Content-Type application/json\n", err: `h:1: "Content-Type application/json" is not a "Name: value" header line`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readHeaders(path)
			if c.err != "" {
				if err == nil || !strings.HasSuffix(err.Error(), c.err) {
					t.Fatalf("error %v, want one ending in %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for args, want := range map[string]string{
		"":                   "-body FILE is required",
		"-body x -status 42": "-status 42 is not an HTTP status",
		"-body /nonexistent": "read the body",
	} {
		err := run(strings.Fields(args))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("run(%q) = %v, want an error containing %q", args, err, want)
		}
	}
}
