package recorder_test

import (
	"bytes"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

// FuzzReadTraffic feeds arbitrary bytes to the HAR and NDJSON readers: they
// must return an interaction or an error, never panic, and every
// interaction they return must have a method, a URL and a status code.
func FuzzReadTraffic(f *testing.F) {
	f.Add([]byte(harSample))
	f.Add([]byte(`{"request":{"method":"GET","url":"http://x/","headers":{"a":["b"]}},"response":{"code":200,"body":"e30=","body_encoding":"base64"}}` + "\n"))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200,"content":{"text":"\u00ff"}}}]}}`))
	f.Add([]byte("{\"log\":{\"entries\":[null]}}"))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(_ int, it *cassette.Interaction) error {
			if it.Request.Method == "" || it.Request.URL == "" || it.Response.Code < 100 {
				t.Fatalf("incomplete interaction accepted: %+v", it)
			}
			return nil
		}
		_ = recorder.ReadHAR(bytes.NewReader(data), "fuzz.har", check)
		_ = recorder.ReadNDJSON(bytes.NewReader(data), "fuzz.ndjson", check)
	})
}
