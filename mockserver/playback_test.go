package mockserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
)

// writeCassette saves interactions (method, URL, status, body) as a cassette.
func writeCassette(path string, its ...[4]string) {
	c := &cassette.Cassette{Version: cassette.CassetteFormatV2}
	for i, it := range its {
		c.Interactions = append(c.Interactions, &cassette.Interaction{
			ID:      i,
			Request: cassette.Request{Method: it[0], URL: it[1], Headers: http.Header{}},
			Response: cassette.Response{
				Code: atoi(it[2]), Status: it[2] + " " + http.StatusText(atoi(it[2])), Body: it[3],
				Headers: http.Header{"Content-Type": {"application/json"}},
			},
		})
	}
	Expect(recorder.SaveFile(path, c)).To(Succeed())
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func playbackServer(paths []string, opts ...mockserver.Option) *mockserver.Server {
	p, err := recorder.LoadPlayer(paths)
	Expect(err).NotTo(HaveOccurred())
	srv, err := mockserver.New(append([]mockserver.Option{mockserver.Cassettes(p), mockserver.Seed(3)}, opts...)...)
	Expect(err).NotTo(HaveOccurred())
	return srv
}

var _ = Describe("Playback of cassettes", func() {
	It("replays every interaction of the fixtures' real cassettes (format 1 and 2) byte for byte", func() {
		files, err := filepath.Glob("../fixtures/cassettes/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">=", 3))
		for _, f := range files {
			c, err := recorder.LoadFile(f)
			Expect(err).NotTo(HaveOccurred(), f)
			srv := playbackServer([]string{f})
			for i, it := range c.Interactions {
				u, err := url.Parse(it.Request.URL)
				Expect(err).NotTo(HaveOccurred())
				var body io.Reader
				if it.Request.Body != "" {
					body = strings.NewReader(it.Request.Body)
				}
				req := httptest.NewRequest(it.Request.Method, u.RequestURI(), body)
				for k, vs := range it.Request.Headers {
					req.Header[k] = vs
				}
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				Expect(rec.Code).To(Equal(it.Response.Code), "%s #%d", f, i)
				Expect(rec.Body.String()).To(Equal(it.Response.Body), "%s #%d", f, i)
			}
		}
	})

	Describe("with a cassette of its own", func() {
		var path string
		BeforeEach(func() {
			path = filepath.Join(GinkgoT().TempDir(), "books.yaml")
			writeCassette(path,
				[4]string{"GET", "https://api.example.com/books/featured", "200", `{"title":"first"}`},
				[4]string{"GET", "https://api.example.com/books/featured", "200", `{"title":"second"}`},
				[4]string{"GET", "https://api.example.com/books?page=2&limit=5", "200", `[]`},
			)
		})

		It("replays repeated requests in order, then repeats the last, and rewinds on reset", func() {
			srv := playbackServer([]string{path})
			titles := []string{}
			for i := 0; i < 3; i++ {
				titles = append(titles, bodyOf(call(srv, "GET", "/books/featured", "")))
			}
			Expect(titles).To(Equal([]string{`{"title":"first"}`, `{"title":"second"}`, `{"title":"second"}`}))
			srv.Reset()
			Expect(bodyOf(call(srv, "GET", "/books/featured", ""))).To(Equal(`{"title":"first"}`))
		})
		It("matches the query in any order", func() {
			srv := playbackServer([]string{path})
			Expect(call(srv, "GET", "/books?limit=5&page=2", "").StatusCode).To(Equal(200))
		})
		It("answers a miss with 404 listing the closest recordings and why", func() {
			srv := playbackServer([]string{path})
			resp := call(srv, "GET", "/books?page=3&limit=5", "")
			Expect(resp.StatusCode).To(Equal(404))
			p := problemOf(resp)
			Expect(p["type"]).To(Equal(mockserver.ProblemNoInteraction))
			Expect(p["closest"]).To(ContainElement(HaveKeyWithValue("reasons", ContainElement(ContainSubstring("page")))))
		})
		It("falls back to the spec on a miss when a spec is given", func() {
			srv := playbackServer([]string{path}, mockserver.SpecFile(bookstore))
			Expect(bodyOf(call(srv, "GET", "/books/featured", ""))).To(Equal(`{"title":"first"}`))
			resp := call(srv, "GET", "/categories", "")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		})
		It("forwards misses to the upstream, and records them", func() {
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"from":"upstream","path":"`+r.URL.Path+`"}`)
			}))
			DeferCleanup(upstream.Close)
			srv := playbackServer([]string{path}, mockserver.OnMiss(mockserver.MissProxy), mockserver.Upstream(upstream.URL))
			Expect(bodyOf(call(srv, "GET", "/authors/7", ""))).To(ContainSubstring(`"from":"upstream"`))

			out := filepath.Join(GinkgoT().TempDir(), "new.yaml")
			sink, err := recorder.NewSink(out, recorder.SinkConfig{})
			Expect(err).NotTo(HaveOccurred())
			srv = playbackServer([]string{path}, mockserver.OnMiss(mockserver.MissRecord), mockserver.Upstream(upstream.URL), mockserver.RecordTo(sink))
			req := httptest.NewRequest("GET", "/authors/8", nil)
			req.Header.Set("Authorization", "Bearer s3cret")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			Expect(rec.Body.String()).To(ContainSubstring(`"/authors/8"`))
			Expect(sink.Close()).To(Succeed())
			c, err := recorder.LoadFile(out)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Interactions).To(HaveLen(1))
			Expect(c.Interactions[0].Request.URL).To(HaveSuffix("/authors/8"))
			Expect(c.Interactions[0].Request.Headers.Get("Authorization")).NotTo(ContainSubstring("s3cret"))
		})
		It("records a miss once under --on-miss record, then replays it", func() {
			var hits atomic.Int32
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := hits.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"hit":`+strconv.Itoa(int(n))+`}`)
			}))
			DeferCleanup(upstream.Close)
			out := filepath.Join(GinkgoT().TempDir(), "once.yaml")
			sink, err := recorder.NewSink(out, recorder.SinkConfig{})
			Expect(err).NotTo(HaveOccurred())
			srv := playbackServer([]string{path}, mockserver.OnMiss(mockserver.MissRecord), mockserver.Upstream(upstream.URL), mockserver.RecordTo(sink))
			for range 3 {
				resp := call(srv, "GET", "/authors/9?x=1", "")
				Expect(resp.StatusCode).To(Equal(200))
				Expect(bodyOf(resp)).To(Equal(`{"hit":1}`))
			}
			Expect(hits.Load()).To(Equal(int32(1)), "the upstream must see the request once")
			Expect(sink.Close()).To(Succeed())
			c, err := recorder.LoadFile(out)
			Expect(err).NotTo(HaveOccurred())
			Expect(c.Interactions).To(HaveLen(1))
		})
		It("sends the upstream's Host and refuses dot segments under --on-miss proxy and record", func() {
			var got []string
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = append(got, r.Host+" "+r.URL.Path)
				_, _ = io.WriteString(w, "{}")
			}))
			DeferCleanup(upstream.Close)
			u, err := url.Parse(upstream.URL)
			Expect(err).NotTo(HaveOccurred())
			sink, err := recorder.NewSink(filepath.Join(GinkgoT().TempDir(), "dots.yaml"), recorder.SinkConfig{})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(sink.Close)
			for _, srv := range []*mockserver.Server{
				playbackServer([]string{path}, mockserver.OnMiss(mockserver.MissProxy), mockserver.Upstream(upstream.URL+"/base")),
				playbackServer([]string{path}, mockserver.OnMiss(mockserver.MissRecord), mockserver.Upstream(upstream.URL+"/base"), mockserver.RecordTo(sink)),
			} {
				got = nil
				req := httptest.NewRequest("GET", "/authors/1", nil)
				req.Host = "client.example"
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				Expect(rec.Code).To(Equal(200))
				Expect(got).To(Equal([]string{u.Host + " /base/authors/1"}))
				for _, target := range []string{"/../secret", "/a/%2e%2e/%2E%2E/secret", "/a/..%2f..%2fsecret", "/a/..%5csecret"} {
					resp := call(srv, "GET", target, "")
					Expect(resp.StatusCode).To(Equal(http.StatusBadRequest), target)
				}
				Expect(got).To(HaveLen(1), "no dot-segment path may reach the upstream")
			}
		})
		It("applies faults to played-back responses and journals them", func() {
			rs, err := fault.ParseRules([]byte("rules:\n  - name: flaky\n    match: {path: /books/featured}\n    sequence: [{status: 503}, pass]\n"), "r.yaml")
			Expect(err).NotTo(HaveOccurred())
			srv := playbackServer([]string{path}, mockserver.Faults(rs))
			Expect(call(srv, "GET", "/books/featured", "").StatusCode).To(Equal(503))
			Expect(bodyOf(call(srv, "GET", "/books/featured", ""))).To(Equal(`{"title":"first"}`))
			e := srv.Journal().Entries(mockserver.Filter{})
			Expect(e).To(HaveLen(2))
			Expect(e[0].Fault).To(Equal("flaky/status"))
			Expect(e[1].Source.String()).To(Equal("cassette"))
		})
		It("checks its options", func() {
			p, err := recorder.LoadPlayer([]string{path})
			Expect(err).NotTo(HaveOccurred())
			_, err = mockserver.New(mockserver.Cassettes(p), mockserver.OnMiss(mockserver.MissSpec))
			Expect(err).To(MatchError(ContainSubstring("needs a spec")))
			_, err = mockserver.New(mockserver.Cassettes(p), mockserver.OnMiss(mockserver.MissProxy))
			Expect(err).To(MatchError(ContainSubstring("needs an upstream")))
			_, err = mockserver.New(mockserver.Cassettes(p), mockserver.OnMiss("later"))
			Expect(err).To(MatchError(ContainSubstring("use error, spec, proxy or record")))
			_, err = mockserver.ParseMissMode("record")
			Expect(err).NotTo(HaveOccurred())
		})
		It("reports the cassette in the health endpoint", func() {
			srv := playbackServer([]string{path})
			in, err := srv.Start("127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(in.Close)
			var h map[string]any
			getJSON(in.URL+"/__mockd/health", &h)
			Expect(h).To(HaveKeyWithValue("interactions", BeNumerically("==", 3)))
		})
	})
})
