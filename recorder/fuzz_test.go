package recorder_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockd/mockd/recorder"
)

// FuzzLoadCassette: Parse never panics, and whatever it accepts survives a
// Marshal → Parse round trip with the same requests and bodies.
func FuzzLoadCassette(f *testing.F) {
	f.Add([]byte(goodV2))
	f.Add([]byte("version: 1\ninteractions:\n- request: {method: GET, url: /}\n  response: {code: 200, body: !!binary aGk=}\n"))
	f.Add([]byte("version: 2\ninteractions: [&a {request: {method: GET, url: /}, response: {code: 200}}, *a]\n"))
	f.Add([]byte(goodJSON))
	f.Add([]byte(strings.ReplaceAll(goodV2, "    ", "\t")))
	files, _ := filepath.Glob("../fixtures/cassettes/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := recorder.Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		out, err := recorder.Marshal(c.Interactions)
		if err != nil {
			t.Fatalf("Marshal of a loaded cassette failed: %v", err)
		}
		c2, err := recorder.Parse(out, "fuzz2.yaml")
		if err != nil {
			t.Fatalf("re-Parse failed: %v\n%s", err, out)
		}
		if len(c2.Interactions) != len(c.Interactions) {
			t.Fatalf("%d interactions became %d", len(c.Interactions), len(c2.Interactions))
		}
		for i := range c.Interactions {
			a, b := c.Interactions[i], c2.Interactions[i]
			if a.Request.Method != b.Request.Method || a.Request.URL != b.Request.URL || a.Request.Body != b.Request.Body ||
				a.Response.Code != b.Response.Code || a.Response.Body != b.Response.Body {
				t.Fatalf("interaction %d changed in the round trip", i)
			}
		}
	})
}
