package recorder_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

func tenThousand() []*cassette.Interaction {
	its := make([]*cassette.Interaction, 0, 10000)
	for i := 0; i < 10000; i++ {
		its = append(its, &cassette.Interaction{
			Request: cassette.Request{Method: "GET", URL: fmt.Sprintf("http://api.test/v1/items/%d?page=%d&sort=name", i, i%7),
				Headers: http.Header{"Accept": {"application/json"}}},
			Response: cassette.Response{Code: 200, Status: "200 OK",
				Headers: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"40"}, "Date": {"Mon, 01 Jan 2024 00:00:00 GMT"}},
				Body:    fmt.Sprintf(`{"id":%07d,"name":"item name here....."}`, i)},
		})
	}
	return its
}

// discardWriter is a ResponseWriter that keeps only its header map.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkPlayerMatch matches and serves one interaction from a
// 10,000-interaction cassette.
func BenchmarkPlayerMatch(b *testing.B) {
	p, err := recorder.NewPlayer([]*cassette.Cassette{{Name: "bench", Interactions: tenThousand()}})
	if err != nil {
		b.Fatal(err)
	}
	reqs := []*http.Request{
		httptest.NewRequest("GET", "/v1/items/9999?sort=name&page=3", nil),
		httptest.NewRequest("GET", "/v1/items/17?page=3&sort=name", nil),
		httptest.NewRequest("GET", "/v1/items/5000?sort=name&page=2", nil),
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		it, err := p.Match(reqs[i%len(reqs)])
		if err != nil {
			b.Fatal(err)
		}
		clear(w.h)
		if err := recorder.ServeInteraction(w, it); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkLoadCassette10k parses a 10,000-interaction version 2 cassette.
func BenchmarkLoadCassette10k(b *testing.B) {
	data, err := recorder.Marshal(tenThousand())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := recorder.Parse(data, "bench.yaml")
		if err != nil || len(c.Interactions) != 10000 {
			b.Fatal(err)
		}
	}
}
