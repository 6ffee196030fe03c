package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// call sends one request to h and returns the recorded response.
func call(h http.Handler, method, target string, body string, headers ...string) *http.Response {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func bodyOf(resp *http.Response) string {
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

func jsonOf(resp *http.Response) any {
	var v any
	Expect(json.Unmarshal([]byte(bodyOf(resp)), &v)).To(Succeed())
	return v
}

func problemOf(resp *http.Response) map[string]any {
	Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
	p, ok := jsonOf(resp).(map[string]any)
	Expect(ok).To(BeTrue())
	Expect(p).To(HaveKey("type"))
	Expect(p).To(HaveKey("title"))
	Expect(p["status"]).To(BeNumerically("==", resp.StatusCode))
	return p
}

func newServer(opts ...mockserver.Option) *mockserver.Server {
	srv, err := mockserver.New(append([]mockserver.Option{mockserver.Seed(7)}, opts...)...)
	Expect(err).NotTo(HaveOccurred())
	return srv
}

const bookstore = "../fixtures/bookstore.yaml"

var _ = Describe("Serving the bookstore fixture", func() {
	var srv *mockserver.Server
	BeforeEach(func() { srv = newServer(mockserver.SpecFile(bookstore)) })

	Describe("routing", func() {
		It("accepts the server base path as an optional prefix", func() {
			Expect(call(srv, "GET", "/v1/books", "").StatusCode).To(Equal(200))
			Expect(call(srv, "GET", "/books", "").StatusCode).To(Equal(200))
		})
		It("prefers a literal path over a templated one", func() {
			resp := call(srv, "GET", "/books/featured", "")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(jsonOf(resp)).To(HaveKeyWithValue("title", "Introduction to Algorithms"))
		})
		It("answers an unknown path with 404 problem+json", func() {
			resp := call(srv, "GET", "/nope", "")
			Expect(resp.StatusCode).To(Equal(404))
			Expect(problemOf(resp)["detail"]).To(ContainSubstring("/nope"))
		})
		It("answers an undeclared method with 405 and Allow", func() {
			resp := call(srv, "PATCH", "/books", "")
			Expect(resp.StatusCode).To(Equal(405))
			Expect(resp.Header.Get("Allow")).To(Equal("GET, POST"))
			problemOf(resp)
		})
		It("answers HEAD with 405 when the spec declares no HEAD", func() {
			Expect(call(srv, "HEAD", "/books", "").StatusCode).To(Equal(405))
		})
	})

	Describe("response selection", func() {
		It("serves the first named example of the lowest 2xx with its declared headers", func() {
			resp := call(srv, "GET", "/books", "")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
			Expect(resp.Header.Get("X-Total-Count")).To(Equal("2"))
			Expect(resp.Header.Get("X-Request-Id")).To(MatchRegexp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`))
			Expect(jsonOf(resp)).To(HaveLen(2))
		})
		It("keeps the example's key order", func() {
			body := bodyOf(call(srv, "GET", "/books/featured", ""))
			Expect(body).To(HavePrefix(`{"id":"0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5","isbn":`))
		})
		It("picks a named example with Prefer", func() {
			resp := call(srv, "GET", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", "", "Prefer", "example=tlcl")
			Expect(jsonOf(resp)).To(HaveKeyWithValue("title", "The Linux Command Line"))
		})
		It("picks a status with Prefer and combines it with an example", func() {
			resp := call(srv, "GET", "/books", "", "Prefer", "code=200, example=empty")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(bodyOf(resp)).To(Equal("[]"))
		})
		It("picks a status with the __code query parameter and strips it before validation", func() {
			resp := call(srv, "GET", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f?__code=404", "")
			Expect(resp.StatusCode).To(Equal(404))
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
			Expect(jsonOf(resp)).To(HaveKeyWithValue("title", "Book not found"))
		})
		It("rejects an undeclared status with a problem listing the candidates", func() {
			resp := call(srv, "GET", "/books", "", "Prefer", "code=418")
			Expect(resp.StatusCode).To(Equal(404))
			p := problemOf(resp)
			Expect(p["type"]).To(Equal(mockserver.ProblemNoResponse))
			Expect(p["candidates"]).To(ContainElement(HaveKeyWithValue("status", "200")))
		})
		It("rejects an undeclared example with a problem listing the candidates", func() {
			resp := call(srv, "GET", "/books?__example=beard", "")
			Expect(resp.StatusCode).To(Equal(404))
			p := problemOf(resp)
			Expect(p["type"]).To(Equal(mockserver.ProblemNoExample))
			Expect(p["candidates"]).To(ContainElement(HaveKeyWithValue("example", "two-books")))
		})
		It("rejects a malformed preference", func() {
			resp := call(srv, "GET", "/books", "", "Prefer", "code=abc")
			Expect(resp.StatusCode).To(Equal(400))
			Expect(problemOf(resp)["detail"]).To(ContainSubstring("code"))
		})
		It("generates a body from the schema when there is no example", func() {
			resp := call(srv, "GET", "/categories", "")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(jsonOf(resp)).To(BeAssignableToTypeOf([]any{}))
		})
		It("serves an empty body for a response without content", func() {
			resp := call(srv, "DELETE", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", "", "Authorization", "Bearer x")
			Expect(resp.StatusCode).To(Equal(204))
			Expect(bodyOf(resp)).To(BeEmpty())
		})
	})

	Describe("dynamic bodies", func() {
		It("are the same for the same seed and request sequence, and differ between requests", func() {
			a := newServer(mockserver.SpecFile(bookstore), mockserver.Seed(42))
			b := newServer(mockserver.SpecFile(bookstore), mockserver.Seed(42))
			var first []string
			for i := 0; i < 3; i++ {
				x := bodyOf(call(a, "GET", "/books", "", "Prefer", "dynamic=true"))
				y := bodyOf(call(b, "GET", "/books?__dynamic=true", ""))
				Expect(x).To(Equal(y))
				first = append(first, x)
			}
			Expect(first[0]).NotTo(Equal(first[1]))
		})
		It("differ between seeds", func() {
			a := newServer(mockserver.SpecFile(bookstore), mockserver.Seed(1), mockserver.Dynamic(true))
			b := newServer(mockserver.SpecFile(bookstore), mockserver.Seed(2), mockserver.Dynamic(true))
			Expect(bodyOf(call(a, "GET", "/books/featured", ""))).NotTo(Equal(bodyOf(call(b, "GET", "/books/featured", ""))))
		})
		It("never contain writeOnly properties", func() {
			for i := 0; i < 20; i++ {
				Expect(bodyOf(call(srv, "GET", "/books/featured", "", "Prefer", "dynamic=true"))).NotTo(ContainSubstring("internalNotes"))
			}
		})
	})

	Describe("content negotiation", func() {
		It("picks the media type from Accept", func() {
			resp := call(srv, "GET", "/books", "", "Accept", "application/xml")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/xml"))
			Expect(bodyOf(resp)).To(MatchRegexp(`^<xml>(<item>.*</item>)+</xml>$`))
		})
		It("honours q-values and wildcards", func() {
			resp := call(srv, "GET", "/books", "", "Accept", "application/json;q=0.5, application/xml;q=0.9")
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/xml"))
			resp = call(srv, "GET", "/books", "", "Accept", "text/html, */*;q=0.1")
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		})
		It("answers 406 when nothing acceptable is produced", func() {
			resp := call(srv, "GET", "/books", "", "Accept", "text/csv")
			Expect(resp.StatusCode).To(Equal(406))
			Expect(problemOf(resp)["detail"]).To(ContainSubstring("application/xml"))
		})
		It("answers 415 for an undeclared request Content-Type", func() {
			resp := call(srv, "POST", "/books", "title=x", "Content-Type", "application/x-www-form-urlencoded", "Authorization", "Bearer t")
			Expect(resp.StatusCode).To(Equal(415))
			problemOf(resp)
		})
		It("takes a request Content-Type as the validator does: one matcher decides 415 and the schema", func() {
			srv := newServer(mockserver.SpecBytes([]byte(`openapi: 3.0.3
info: {title: one matcher, version: "1"}
paths:
  /notes:
    post:
      requestBody: {content: {"application/json; charset": {schema: {type: object, required: [text]}}}}
      responses: {'204': {description: stored}}
`)))
			// The key's parameter does not parse: it still declares JSON.
			resp := call(srv, "POST", "/notes", `{"text":"hi"}`, "Content-Type", "application/json")
			Expect(resp.StatusCode).To(Equal(204), bodyOf(resp))
			resp = call(srv, "POST", "/notes", `{}`, "Content-Type", "application/json")
			Expect(resp.StatusCode).To(Equal(422), "the body is checked against that key's schema")
			Expect(call(srv, "POST", "/notes", `x`, "Content-Type", "text/plain").StatusCode).To(Equal(415))
		})
	})

	Describe("request validation", func() {
		It("answers 400 with the findings when the spec declares 400 and not 422 (--problem-bodies=mockd)", func() {
			srv := newServer(mockserver.SpecFile(bookstore), mockserver.ProblemBodies(mockserver.ProblemBodiesMockd))
			resp := call(srv, "GET", "/books?limit=1000", "")
			Expect(resp.StatusCode).To(Equal(400))
			// the declared 400 has a schema but no example: the findings are more useful
			Expect(problemOf(resp)["validation"]).To(ContainElement(HaveKeyWithValue("location", []any{"request", "query", "limit"})))
		})
		It("answers 422 with each problem's location (--problem-bodies=mockd)", func() {
			srv := newServer(mockserver.SpecFile(bookstore), mockserver.ProblemBodies(mockserver.ProblemBodiesMockd))
			resp := call(srv, "POST", "/books", `{"title": 5}`, "Content-Type", "application/json", "Authorization", "Bearer t")
			Expect(resp.StatusCode).To(Equal(422))
			Expect(problemOf(resp)["validation"]).To(ContainElement(HaveKeyWithValue("location", []any{"request", "body", "title"})))
		})
		It("lets the caller pick the example of the error response", func() {
			s := newServer(mockserver.SpecBytes([]byte(minimal)))
			resp := call(s, "POST", "/items/1?__code=422&__example=short", `{"name": 7}`, "Content-Type", "application/json")
			Expect(resp.StatusCode).To(Equal(422))
			Expect(jsonOf(resp)).To(HaveKeyWithValue("message", "too short"))
		})
		It("serves the declared 422 response when it has an example", func() {
			s := newServer(mockserver.SpecFile("../fixtures/petstore-3.1.yaml"))
			resp := call(s, "POST", "/pets", `{"name": ""}`, "Content-Type", "application/json")
			Expect(resp.StatusCode).To(Equal(422))
			Expect(jsonOf(resp)).To(HaveKeyWithValue("message", "a pet needs a name and a species"))
		})
		It("lists validation errors with their location when no response is declared", func() {
			s := newServer(mockserver.SpecBytes([]byte(minimal)))
			resp := call(s, "GET", "/items/abc?limit=0", "")
			Expect(resp.StatusCode).To(Equal(422))
			p := problemOf(resp)
			Expect(p["type"]).To(Equal(mockserver.ProblemInvalidRequest))
			Expect(p["validation"]).To(ContainElement(HaveKeyWithValue("location", []any{"request", "path", "id"})))
			Expect(p["validation"]).To(ContainElement(HaveKeyWithValue("location", []any{"request", "query", "limit"})))
		})
		It("validates formats of parameters (a bad path parameter is the declared 404 when 422/400 are not declared)", func() {
			resp := call(srv, "GET", "/books/not-a-uuid", "")
			Expect(resp.StatusCode).To(Equal(404))
			Expect(resp.Header.Get(mockserver.ProblemHeader)).To(HavePrefix(mockserver.ProblemInvalidRequest + "; 1 problem(s) at path.bookId"))
		})
		It("lists the body location of a schema violation", func() {
			s := newServer(mockserver.SpecBytes([]byte(minimal)))
			resp := call(s, "POST", "/items/1", `{"name": 7}`, "Content-Type", "application/json")
			Expect(resp.StatusCode).To(Equal(422))
			// the declared 422 has examples: the first is served
			Expect(jsonOf(resp)).To(HaveKeyWithValue("message", "too long"))
			srv := newServer(mockserver.SpecFile(bookstore), mockserver.ProblemBodies(mockserver.ProblemBodiesMockd))
			resp = call(srv, "POST", "/books", `{"title": 5}`, "Content-Type", "application/json", "Authorization", "Bearer t")
			Expect(problemOf(resp)["validation"]).To(ContainElement(HaveKeyWithValue("location", []any{"request", "body", "title"})))
		})
	})

	Describe("security", func() {
		It("answers 401 with WWW-Authenticate when credentials are missing", func() {
			resp := call(srv, "GET", "/admin/stats", "")
			Expect(resp.StatusCode).To(Equal(401))
			Expect(resp.Header.Values("WWW-Authenticate")).To(ConsistOf(`Basic realm="*"`))
			problemOf(resp)
		})
		It("answers 401 when the credentials are of the wrong kind", func() {
			resp := call(srv, "GET", "/admin/stats", "", "Authorization", "Bearer abc")
			Expect(resp.StatusCode).To(Equal(401))
		})
		It("rejects a Basic credential that is not base64 user:password", func() {
			Expect(call(srv, "GET", "/admin/stats", "", "Authorization", "Basic abc123").StatusCode).To(Equal(401))
		})
		It("accepts credentials of the right kind without checking their value", func() {
			Expect(call(srv, "GET", "/admin/stats", "", "Authorization", "Basic Zm9vOmJhcg==").StatusCode).To(Equal(200))
			Expect(call(srv, "GET", "/authors/1", "", "X-Api-Key", "anything").StatusCode).To(Equal(200))
		})
		It("serves the declared 401 response when the operation has one", func() {
			resp := call(srv, "DELETE", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", "")
			Expect(resp.StatusCode).To(Equal(401))
			Expect(resp.Header.Get("WWW-Authenticate")).To(Equal("Bearer"))
		})
		It("checks api keys in the query and in cookies", func() {
			s := newServer(mockserver.SpecBytes([]byte(minimal)))
			Expect(call(s, "GET", "/secret", "").StatusCode).To(Equal(401))
			Expect(call(s, "GET", "/secret?key=1", "").StatusCode).To(Equal(200))
			Expect(call(s, "GET", "/secret", "", "Cookie", "session=abc").StatusCode).To(Equal(200))
		})
	})

	Describe("CORS", func() {
		It("answers preflights with 204, allowing any origin without credentials", func() {
			resp := call(srv, "OPTIONS", "/books", "", "Origin", "http://app.test", "Access-Control-Request-Method", "POST")
			Expect(resp.StatusCode).To(Equal(204))
			Expect(resp.Header.Get("Access-Control-Allow-Origin")).To(Equal("*"))
			Expect(resp.Header.Get("Access-Control-Allow-Methods")).To(Equal("POST"))
			Expect(resp.Header.Get("Access-Control-Allow-Credentials")).To(BeEmpty())
		})
		It("adds CORS headers to every response", func() {
			Expect(call(srv, "GET", "/books", "").Header.Get("Access-Control-Allow-Origin")).To(Equal("*"))
		})
		It("can be turned off", func() {
			s := newServer(mockserver.SpecFile(bookstore), mockserver.CORS(false))
			resp := call(s, "OPTIONS", "/books", "", "Origin", "http://app.test", "Access-Control-Request-Method", "POST")
			Expect(resp.StatusCode).To(Equal(405))
			Expect(call(s, "GET", "/books", "").Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
		})
	})

	Describe("--errors", func() {
		It("turns an invalid example into a 500 listing the violations", func() {
			s := newServer(mockserver.SpecBytes([]byte(minimal)), mockserver.Errors(true))
			resp := call(s, "GET", "/bad-example?__example=wrong", "")
			Expect(resp.StatusCode).To(Equal(500))
			p := problemOf(resp)
			Expect(p["type"]).To(Equal(mockserver.ProblemViolations))
			Expect(p["validation"]).NotTo(BeEmpty())
		})
		It("replaces an invalid default example by generated data, reported by CheckExamples", func() {
			s := newServer(mockserver.SpecBytes([]byte(minimal)))
			Expect(s.CheckExamples()).To(ContainElement(ContainSubstring("/bad-example")))
			resp := call(s, "GET", "/bad-example", "")
			Expect(resp.StatusCode).To(Equal(200))
			Expect(jsonOf(resp)).To(HaveKeyWithValue("count", BeNumerically(">=", 0)))
		})
	})
})

var _ = Describe("Loading", func() {
	It("fails with the file and line of a syntax error", func() {
		_, err := mockserver.New(mockserver.SpecBytes([]byte("openapi: 3.0.3\ninfo: {title: x\n")))
		Expect(err).To(MatchError(ContainSubstring("<bytes>:")))
	})
	It("requires a spec", func() {
		_, err := mockserver.New()
		Expect(err).To(MatchError(ContainSubstring("no spec")))
	})
	It("serves a loaded spec", func() {
		spec, err := validator.Load(bookstore)
		Expect(err).NotTo(HaveOccurred())
		s := newServer(mockserver.WithSpec(spec))
		Expect(s.Spec()).To(BeIdenticalTo(spec))
		Expect(s.Seed()).To(Equal(uint64(7)))
	})
})

const minimal = `openapi: 3.1.0
info: {title: minimal, version: "1"}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1}}
      responses:
        '200': {description: ok}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties: {name: {type: string}}
      responses:
        '201': {description: created}
        '422':
          description: invalid
          content:
            application/json:
              schema: {type: object, properties: {message: {type: string}}}
              examples:
                long: {value: {message: too long}}
                short: {value: {message: too short}}
  /secret:
    get:
      security: [{qkey: []}, {ckey: []}]
      responses:
        '200': {description: ok}
  /bad-example:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [count]
                properties: {count: {type: integer, minimum: 0}}
              examples:
                wrong: {value: {count: -1}}
components:
  securitySchemes:
    qkey: {type: apiKey, in: query, name: key}
    ckey: {type: apiKey, in: cookie, name: session}
`

var _ = Describe("Request bodies", func() {
	It("refuses a body over 16 MiB with 413 rather than truncating it, and journals it", func() {
		srv := newServer(mockserver.SpecFile(bookstore))
		big := strings.Repeat("x", 16<<20+1)
		resp := call(srv, "POST", "/books", big, "Content-Type", "application/json", "Authorization", "Bearer t")
		Expect(resp.StatusCode).To(Equal(413))
		Expect(problemOf(resp)["type"]).To(Equal(mockserver.ProblemTooLarge))
		e := srv.Journal().Entries(mockserver.Filter{})
		Expect(e).To(HaveLen(1))
		Expect(e[0].Status).To(Equal(413))
	})
})
