package recorder_test

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

const harSample = `{"log":{"version":"1.2","creator":{"name":"test","version":"1"},"pages":[],"entries":[
 {"startedDateTime":"2026-01-01T00:00:00Z","time":1,
  "request":{"method":"POST","url":"https://api.example.com/v1/items?x=1","httpVersion":"HTTP/2",
   "headers":[{"name":":authority","value":"api.example.com"},{"name":"content-type","value":"application/json"}],
   "postData":{"mimeType":"application/json","text":"{\"a\":1}"}},
  "response":{"status":201,"statusText":"Created","httpVersion":"HTTP/2",
   "headers":[{"name":"content-encoding","value":"gzip"},{"name":"x-id","value":"1"},{"name":"x-id","value":"2"}],
   "content":{"size":2,"mimeType":"application/json","text":"e30=","encoding":"base64"}}},
 {"request":{"method":"POST","url":"https://api.example.com/form","headers":[],
   "postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"q","value":"a b"}]}},
  "response":{"status":204,"headers":[],"content":{"size":0,"mimeType":""}}}
]}}`

func TestReadHAR(t *testing.T) {
	var got []*cassette.Interaction
	var idx []int
	err := recorder.ReadHAR(strings.NewReader(harSample), "sample.har", func(i int, it *cassette.Interaction) error {
		idx = append(idx, i)
		got = append(got, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || idx[1] != 1 {
		t.Fatalf("got %d entries (%v)", len(got), idx)
	}
	a := got[0]
	if a.Request.Method != "POST" || a.Request.Body != `{"a":1}` || a.Request.Headers.Get("Content-Type") != "application/json" {
		t.Errorf("request: %+v", a.Request)
	}
	if _, pseudo := a.Request.Headers[":authority"]; pseudo {
		t.Error("HTTP/2 pseudo header kept")
	}
	if a.Response.Code != 201 || a.Response.Body != "{}" || a.Response.Headers.Get("Content-Encoding") != "" || len(a.Response.Headers.Values("X-Id")) != 2 {
		t.Errorf("response: %+v", a.Response)
	}
	if got[1].Request.Body != "q=a+b" || got[1].Request.Headers.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("form params: %q", got[1].Request.Body)
	}
}

func TestReadHARErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"not json", "hello", "not a HAR"},
		{"no log", `{"other":1}`, "not a HAR"},
		{"entries not a list", `{"log":{"entries":{}}}`, "must be a list"},
		{"aborted entry", `{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":0}}]}}`, "interaction 0: response.status"},
		{"bad base64", `{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200,"content":{"text":"!!","encoding":"base64"}}}]}}`, "base64"},
		{"cut", `{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200}}`, "sample.har"},
		{"bad method", `{"log":{"entries":[{"request":{"method":"G T","url":"http://x/"},"response":{"status":200}}]}}`, "request.method"},
	}
	for _, c := range cases {
		err := recorder.ReadHAR(strings.NewReader(c.in), "sample.har", func(int, *cassette.Interaction) error { return nil })
		var le *recorder.LoadError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a LoadError mentioning %q", c.name, err, c.want)
		}
	}
	stop := errors.New("stop")
	if err := recorder.ReadHAR(strings.NewReader(harSample), "s", func(int, *cassette.Interaction) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}
