package recorder_test

import (
	"context"
	"io"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

// memorySink keeps what is appended.
type memorySink struct{ got []*cassette.Interaction }

func (m *memorySink) Append(_ context.Context, it *cassette.Interaction) error {
	m.got = append(m.got, it)
	return nil
}

var _ = Describe("CheckingSink", func() {
	interaction := func(method, url string) *cassette.Interaction {
		return &cassette.Interaction{
			Request:  cassette.Request{Method: method, URL: url, Body: `{"a":1}`, Headers: http.Header{"Content-Type": {"application/json"}}},
			Response: cassette.Response{Code: 201, Body: `{"id":7}`},
		}
	}

	It("hands the rebuilt exchange to Check, then stores the interaction", func() {
		next := &memorySink{}
		var method, path, reqBody, respBody string
		var status int
		sink := &recorder.CheckingSink{Next: next, Check: func(_ context.Context, req *http.Request, resp *http.Response) {
			b, _ := io.ReadAll(req.Body)
			rb, _ := io.ReadAll(resp.Body)
			method, path, reqBody, respBody, status = req.Method, req.URL.Path, string(b), string(rb), resp.StatusCode
			Expect(resp.Request).To(BeIdenticalTo(req))
			Expect(resp.Header).NotTo(BeNil())
			Expect(req.Header.Get("Content-Type")).To(Equal("application/json"))
		}}
		it := interaction("POST", "http://api.example/pets?x=1")
		Expect(sink.Append(context.Background(), it)).To(Succeed())
		Expect([]any{method, path, reqBody, respBody, status}).To(Equal([]any{"POST", "/pets", `{"a":1}`, `{"id":7}`, 201}))
		Expect(next.got).To(ConsistOf(BeIdenticalTo(it)))
	})

	It("stores an interaction it cannot rebuild, unchecked", func() {
		next := &memorySink{}
		checked := false
		sink := &recorder.CheckingSink{Next: next, Check: func(context.Context, *http.Request, *http.Response) { checked = true }}
		Expect(sink.Append(context.Background(), interaction("BAD METHOD", "http://api.example/"))).To(Succeed())
		Expect(checked).To(BeFalse())
		Expect(next.got).To(HaveLen(1))
	})

	It("says which request Exchange cannot rebuild", func() {
		_, _, err := recorder.Exchange(interaction("GET", "http://[::1"))
		Expect(err).To(MatchError(ContainSubstring("recorded request GET http://[::1")))
	})
})
