package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
)

// evilOrigin is a web page that must not read mocked data with credentials.
const evilOrigin = "https://evil.example"

var _ = Describe("CORS on every response", func() {
	DescribeTable("default policy: * without credentials, whoever answers",
		func(srv func() *mockserver.Server, method, path string, wantStatus int) {
			resp := call(srv(), method, path, "", "Origin", evilOrigin, "X-Mockd-Fault", "status=503")
			Expect(resp.StatusCode).To(Equal(wantStatus))
			Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(Equal("*"))
			Expect(resp.Header.Get("Access-Control-Allow-Credentials")).To(BeEmpty())
			Expect(resp.Header.Get("Access-Control-Expose-Headers")).To(Equal("*"))
		},
		Entry("spec response", func() *mockserver.Server { return newServer(mockserver.SpecFile(bookstore)) }, "GET", "/books", 200),
		Entry("problem response", func() *mockserver.Server { return newServer(mockserver.SpecFile(bookstore)) }, "GET", "/nope", 404),
		Entry("status fault", func() *mockserver.Server {
			return newServer(mockserver.SpecFile(bookstore), mockserver.FaultHeader(true))
		}, "GET", "/books", 503),
		Entry("played-back response", func() *mockserver.Server {
			path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
			writeCassette(path, [4]string{"GET", "http://api.test/things", "200", `{"a":1}`})
			return playbackServer([]string{path})
		}, "GET", "/things", 200),
		Entry("fault on a played-back response", func() *mockserver.Server {
			path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
			writeCassette(path, [4]string{"GET", "http://api.test/things", "200", `{"a":1}`})
			return playbackServer([]string{path}, mockserver.FaultHeader(true))
		}, "GET", "/things", 503),
	)

	It("replaces the upstream's CORS headers on proxied responses", func() {
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.WriteHeader(200)
		}))
		DeferCleanup(upstream.Close)
		path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
		writeCassette(path, [4]string{"GET", "http://api.test/things", "200", `{"a":1}`})
		srv := playbackServer([]string{path}, mockserver.OnMiss(mockserver.MissProxy), mockserver.Upstream(upstream.URL))
		resp := call(srv, "GET", "/other", "", "Origin", evilOrigin)
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(Equal("*"))
		Expect(resp.Header.Get("Access-Control-Allow-Credentials")).To(BeEmpty())
	})

	It("never adds CORS headers to the admin API", func() {
		resp := call(newServer(mockserver.SpecFile(bookstore)), "GET", "/__mockd/health", "", "Origin", evilOrigin)
		Expect(resp.StatusCode).To(Equal(http.StatusForbidden))
		Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
		resp = call(newServer(mockserver.SpecFile(bookstore)), "GET", "/__mockd/health", "")
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
	})

	It("replaces CORS headers recorded in a cassette", func() {
		path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
		writeCassette(path, [4]string{"GET", "http://api.test/things", "200", `{"a":1}`})
		c, err := recorder.LoadFile(path)
		Expect(err).NotTo(HaveOccurred())
		c.Interactions[0].Response.Headers["Access-Control-Allow-Origin"] = []string{evilOrigin}
		c.Interactions[0].Response.Headers["Access-Control-Allow-Credentials"] = []string{"true"}
		Expect(recorder.SaveFile(path, c)).To(Succeed())
		resp := call(playbackServer([]string{path}), "GET", "/things", "", "Origin", evilOrigin)
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(Equal("*"))
		Expect(resp.Header.Get("Access-Control-Allow-Credentials")).To(BeEmpty())
	})

	It("answers preflights before faults and playback", func() {
		srv := newServer(mockserver.SpecFile(bookstore), mockserver.Rules(fault.Rule{Name: "down",
			Fault: &fault.Fault{Status: &fault.Status{Code: 503}}}))
		resp := call(srv, "OPTIONS", "/books", "", "Origin", evilOrigin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "content-type")
		Expect(resp.StatusCode).To(Equal(204))
		Expect(resp.Header.Get("Access-Control-Allow-Headers")).To(Equal("content-type"))
		Expect(call(srv, "GET", "/books", "").StatusCode).To(Equal(503))

		path := filepath.Join(GinkgoT().TempDir(), "c.yaml")
		writeCassette(path, [4]string{"GET", "http://api.test/things", "200", `{"a":1}`})
		resp = call(playbackServer([]string{path}), "OPTIONS", "/things", "", "Origin", evilOrigin, "Access-Control-Request-Method", "PUT")
		Expect(resp.StatusCode).To(Equal(204))
		Expect(resp.Header.Get("Access-Control-Allow-Methods")).To(Equal("PUT"))
	})

	Describe("an explicit origin list (credentials opt-in)", func() {
		var srv *mockserver.Server
		BeforeEach(func() {
			srv = newServer(mockserver.SpecFile(bookstore), mockserver.FaultHeader(true),
				mockserver.CORSOrigins("http://localhost:3000", "https://app.example"))
		})
		It("echoes a listed origin with credentials and Vary: Origin", func() {
			resp := call(srv, "GET", "/books", "", "Origin", "https://app.example")
			Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(Equal("https://app.example"))
			Expect(resp.Header.Get("Access-Control-Allow-Credentials")).To(Equal("true"))
			Expect(resp.Header.Values("Vary")).To(ContainElement("Origin"))
			Expect(resp.Header.Get("Access-Control-Expose-Headers")).To(ContainSubstring("Content-Type"))
		})
		It("gives any other origin no CORS access, on faults too", func() {
			for _, fault := range []string{"", "status=503"} {
				resp := call(srv, "GET", "/books", "", "Origin", evilOrigin, "X-Mockd-Fault", fault)
				Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
				Expect(resp.Header.Get("Access-Control-Allow-Credentials")).To(BeEmpty())
				Expect(resp.Header.Values("Vary")).To(ContainElement("Origin"))
			}
			resp := call(srv, "OPTIONS", "/books", "", "Origin", evilOrigin, "Access-Control-Request-Method", "POST")
			Expect(resp.StatusCode).To(Equal(204))
			Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
			Expect(resp.Header.Get("Access-Control-Allow-Methods")).To(BeEmpty())
		})
		It("rejects something that is not an origin", func() {
			for _, o := range []string{"*", "localhost:3000", "http://a.test/path", "ftp://a.test"} {
				_, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.CORSOrigins(o))
				Expect(err).To(MatchError(ContainSubstring("is not an origin")), o)
			}
		})
	})
})
