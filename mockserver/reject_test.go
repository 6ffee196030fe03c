package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

// errorShapes declares error responses in the ways real specs do: GitHub's
// 422 schema without an example, a default only, a 4XX range only, and a
// 401 with a schema.
const errorShapes = `openapi: 3.0.3
info: {title: error shapes, version: "1"}
paths:
  /repos/{owner}/{repo}/issues:
    parameters:
      - {name: owner, in: path, required: true, schema: {type: string}}
      - {name: repo, in: path, required: true, schema: {type: string}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [title], properties: {title: {type: string}}}
      responses:
        '201': {description: created, content: {application/json: {schema: {type: object}}}}
        '422':
          description: Validation failed
          content:
            application/json:
              schema: {$ref: '#/components/schemas/validation-error'}
  /default-only:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        default:
          description: unexpected error
          content:
            application/json:
              schema: {$ref: '#/components/schemas/error'}
  /range-only:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        4XX:
          description: client error
          content:
            application/vnd.error+json:
              schema: {$ref: '#/components/schemas/error'}
        5XX:
          description: server error
          content:
            application/json:
              schema: {type: object, required: [fault], properties: {fault: {type: string}}}
  /private:
    get:
      security: [{bearer: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}}}}
        '401':
          description: Requires authentication
          content:
            application/json:
              schema: {$ref: '#/components/schemas/basic-error'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    validation-error:
      type: object
      required: [message, documentation_url]
      properties:
        message: {type: string}
        documentation_url: {type: string}
        errors:
          type: array
          items:
            type: object
            required: [code]
            properties:
              resource: {type: string}
              field: {type: string}
              code: {type: string}
    error:
      type: object
      required: [code, message]
      properties:
        code: {type: integer}
        message: {type: string}
    basic-error:
      type: object
      required: [message, documentation_url]
      properties:
        message: {type: string}
        documentation_url: {type: string}
`

// petstore20 is a Swagger 2.0 spec whose error response is declared only
// through produces.
const petstore20 = `swagger: "2.0"
info: {title: pets, version: "1"}
produces: [application/vnd.pets+json]
paths:
  /pets:
    get:
      parameters:
        - {name: limit, in: query, type: integer, maximum: 10}
      responses:
        200: {description: ok, schema: {type: array, items: {type: string}}}
        400:
          description: bad request
          schema: {type: object, required: [reason], properties: {reason: {type: string}}}
`

var _ = Describe("Rejected requests get the spec's own error responses", func() {
	var srv *mockserver.Server
	BeforeEach(func() { srv = newServer(mockserver.SpecBytes([]byte(errorShapes))) })

	// validates checks the served response against the spec.
	validates := func(s *mockserver.Server, req *http.Request, resp *http.Response) {
		body := bodyOf(resp)
		resp.Body = http.NoBody
		rec := httptest.NewRecorder()
		for k, v := range resp.Header {
			rec.Header()[k] = v
		}
		rec.WriteHeader(resp.StatusCode)
		_, _ = rec.WriteString(body)
		op, err := s.Spec().Router().Find(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Spec().ValidateResponse(req, rec.Result(), op)).To(BeEmpty())
	}

	It("generates GitHub's 422 shape from its schema when it has no example", func() {
		resp := call(srv, "POST", "/repos/o/r/issues", `{}`, "Content-Type", "application/json")
		Expect(resp.StatusCode).To(Equal(422))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(Equal(mockserver.ProblemInvalidRequest + "; 1 problem(s) at body"))
		b := jsonOf(resp)
		Expect(b).To(HaveKey("message"))
		Expect(b).To(HaveKey("documentation_url"))
		Expect(b).NotTo(HaveKey("type"))
	})

	It("serves a body valid against the declared schema", func() {
		req := httptest.NewRequest("POST", "/repos/o/r/issues", nil)
		req.Header.Set("Content-Type", "application/json")
		validates(srv, req, call(srv, "POST", "/repos/o/r/issues", `{}`, "Content-Type", "application/json"))
	})

	It("uses default when it is the only error response, with the status 422", func() {
		resp := call(srv, "GET", "/default-only?limit=11", "")
		Expect(resp.StatusCode).To(Equal(422))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(Equal(mockserver.ProblemInvalidRequest + "; 1 problem(s) at query.limit"))
		Expect(jsonOf(resp)).To(And(HaveKey("code"), HaveKey("message")))
	})

	It("uses a 4XX range with its declared media type, even against Accept", func() {
		resp := call(srv, "GET", "/range-only?limit=11", "", "Accept", "application/json")
		Expect(resp.StatusCode).To(Equal(422))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/vnd.error+json"))
		Expect(jsonOf(resp)).To(And(HaveKey("code"), HaveKey("message")))
	})

	It("serves a declared 401 with a schema, keeping WWW-Authenticate", func() {
		resp := call(srv, "GET", "/private", "")
		Expect(resp.StatusCode).To(Equal(401))
		Expect(resp.Header.Get("WWW-Authenticate")).To(Equal("Bearer"))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(HavePrefix(mockserver.ProblemUnauthorized + "; The operation requires credentials"))
		Expect(jsonOf(resp)).To(And(HaveKey("message"), HaveKey("documentation_url")))
	})

	It("serves a declared error response without content as declared: no body, no invented media type", func() {
		s := newServer(mockserver.SpecBytes([]byte(`openapi: 3.0.3
info: {title: bare errors, version: "1"}
paths:
  /items:
    get:
      security: [{key: []}]
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array}}}}
        '400': {description: bad request, headers: {X-Reason: {schema: {type: string, example: limit}}}}
        '401': {description: no credentials}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
`)))
		resp := call(s, "GET", "/items?limit=11", "", "X-Key", "k")
		Expect(resp.StatusCode).To(Equal(400))
		Expect(resp.Header.Get("Content-Type")).To(BeEmpty())
		Expect(resp.Header.Get("X-Reason")).To(Equal("limit"))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(Equal(mockserver.ProblemInvalidRequest + "; 1 problem(s) at query.limit"))
		Expect(bodyOf(resp)).To(BeEmpty())
		resp = call(s, "GET", "/items", "")
		Expect(resp.StatusCode).To(Equal(401))
		Expect(resp.Header.Get("Content-Type")).To(BeEmpty())
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(HavePrefix(mockserver.ProblemUnauthorized + ";"))
		Expect(bodyOf(resp)).To(BeEmpty())
	})

	It("serves a Swagger 2.0 error response in its produces type", func() {
		s := newServer(mockserver.SpecBytes([]byte(petstore20)))
		resp := call(s, "GET", "/pets?limit=11", "")
		Expect(resp.StatusCode).To(Equal(400))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/vnd.pets+json"))
		Expect(jsonOf(resp)).To(HaveKey("reason"))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(HavePrefix(mockserver.ProblemInvalidRequest + ";"))
	})

	It("keeps mockd's problem bodies with --problem-bodies=mockd", func() {
		s := newServer(mockserver.SpecBytes([]byte(errorShapes)), mockserver.ProblemBodies(mockserver.ProblemBodiesMockd))
		resp := call(s, "POST", "/repos/o/r/issues", `{}`, "Content-Type", "application/json")
		Expect(resp.StatusCode).To(Equal(422))
		Expect(problemOf(resp)["type"]).To(Equal(mockserver.ProblemInvalidRequest))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(BeEmpty())
		resp = call(s, "GET", "/private", "")
		Expect(resp.StatusCode).To(Equal(401))
		Expect(problemOf(resp)["type"]).To(Equal(mockserver.ProblemUnauthorized))
	})

	It("refuses an unknown problem-bodies mode", func() {
		_, err := mockserver.New(mockserver.SpecBytes([]byte(errorShapes)), mockserver.ProblemBodies("prism"))
		Expect(err).To(MatchError(ContainSubstring(`"spec"`)))
	})

	It("keeps mockd's explanation in the journal", func() {
		call(srv, "GET", "/default-only?limit=11", "")
		e := srv.Journal().Entries(mockserver.Filter{})
		Expect(e).To(HaveLen(1))
		Expect(e[0].Problem).NotTo(BeNil())
		Expect(e[0].Problem.Type).To(Equal(mockserver.ProblemInvalidRequest))
		Expect(e[0].Problem.Validation).To(ContainElement(HaveField("Location", []string{"request", "query", "limit"})))
	})

	It("bounds the header and keeps it to printable ASCII", func() {
		long := make([]byte, 0, 2000)
		for range 200 {
			long = append(long, "ü\n"...)
		}
		resp := call(srv, "POST", "/repos/o/r/issues", `{}`, "Content-Type", "application/json;"+string(long))
		h := resp.Header.Get(mockserver.ProblemHeader)
		Expect(len(h)).To(BeNumerically("<=", 240))
		Expect(h).To(MatchRegexp(`^[ -~]*$`))
	})
})

var _ = Describe("Prefer: code with ranges and default", func() {
	var srv *mockserver.Server
	BeforeEach(func() { srv = newServer(mockserver.SpecBytes([]byte(errorShapes))) })

	It("serves the declared 4XX range for code=4XX", func() {
		resp := call(srv, "GET", "/range-only", "", "Prefer", "code=4XX")
		Expect(resp.StatusCode).To(Equal(400))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/vnd.error+json"))
	})

	It("accepts __code=5xx as a query parameter", func() {
		resp := call(srv, "GET", "/range-only?__code=5xx", "")
		Expect(resp.StatusCode).To(Equal(500))
		Expect(jsonOf(resp)).To(HaveKey("fault"))
	})

	It("serves default for code=default", func() {
		resp := call(srv, "GET", "/default-only", "", "Prefer", "code=default")
		Expect(resp.StatusCode).To(Equal(500))
		Expect(jsonOf(resp)).To(And(HaveKey("code"), HaveKey("message")))
	})

	It("answers an undeclared range as an undeclared status: 404 with candidates", func() {
		resp := call(srv, "GET", "/private", "", "Prefer", "code=5XX", "Authorization", "Bearer t")
		Expect(resp.StatusCode).To(Equal(404))
		p := problemOf(resp)
		Expect(p["type"]).To(Equal(mockserver.ProblemNoResponse))
		Expect(p["detail"]).To(ContainSubstring("5XX"))
	})

	It("still refuses a value that is no status, range or default", func() {
		resp := call(srv, "GET", "/range-only", "", "Prefer", "code=6XX")
		Expect(resp.StatusCode).To(Equal(400))
		Expect(problemOf(resp)["type"]).To(Equal(mockserver.ProblemInvalidPrefer))
	})
})

var _ = Describe("The status served without a preference", func() {
	It("is the first declared one when no 2xx or default exists (Prism's choice)", func() {
		s := newServer(mockserver.SpecBytes([]byte(`openapi: 3.0.2
info: {title: t, version: "1"}
paths:
  /todos:
    get:
      responses:
        5XX: {description: s, content: {text/plain: {example: range service error content}}}
        4XX: {description: c, content: {text/plain: {example: range client error content}}}
`)))
		resp := call(s, "GET", "/todos", "")
		Expect(resp.StatusCode).To(Equal(500))
		Expect(bodyOf(resp)).To(Equal("range service error content"))
	})
})

// deprecatedSpec has a deprecated query parameter and an example that breaks
// its schema.
const deprecatedSpec = `openapi: 3.0.2
info: {title: t, version: "1"}
paths:
  /test:
    get:
      parameters:
        - {deprecated: true, in: query, name: productId, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {prop: {type: string, example: abc}}}}}}
  /bad:
    get:
      parameters:
        - {deprecated: true, in: query, name: productId, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object}, examples: {one: {value: 123}}}}}
  /private:
    get:
      security: [{key: []}]
      responses:
        default: {description: any}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: api_key}
`

var _ = Describe("The Sl-Violations header under --errors (Prism's)", func() {
	header := func(resp *http.Response) []map[string]any {
		var out []map[string]any
		Expect(json.Unmarshal([]byte(resp.Header.Get(mockserver.ViolationsHeader)), &out)).To(Succeed())
		return out
	}

	It("lists a security rejection with its status as the code", func() {
		s := newServer(mockserver.SpecBytes([]byte(deprecatedSpec)), mockserver.Errors(true))
		resp := call(s, "GET", "/private", "")
		Expect(resp.StatusCode).To(Equal(401))
		Expect(header(resp)).To(ConsistOf(And(
			HaveKeyWithValue("location", []any{"request"}),
			HaveKeyWithValue("code", BeNumerically("==", 401)),
			HaveKeyWithValue("message", "Invalid security scheme used"))))
	})

	It("warns about a deprecated parameter on a served response", func() {
		s := newServer(mockserver.SpecBytes([]byte(deprecatedSpec)), mockserver.Errors(true))
		resp := call(s, "GET", "/test?productId=10", "")
		Expect(resp.StatusCode).To(Equal(200))
		Expect(header(resp)).To(ConsistOf(And(
			HaveKeyWithValue("location", []any{"request", "query", "productId"}),
			HaveKeyWithValue("severity", "Warning"),
			HaveKeyWithValue("message", "Query param productId is deprecated"))))
	})

	It("lists response violations and request warnings with the 500", func() {
		s := newServer(mockserver.SpecBytes([]byte(deprecatedSpec)), mockserver.Errors(true))
		resp := call(s, "GET", "/bad?productId=10", "")
		Expect(resp.StatusCode).To(Equal(500))
		vs := header(resp)
		Expect(vs).To(HaveLen(2))
		Expect(vs[0]["location"]).To(Equal([]any{"response", "body"}))
		Expect(vs[1]["severity"]).To(Equal("Warning"))
	})

	It("is not sent without --errors", func() {
		s := newServer(mockserver.SpecBytes([]byte(deprecatedSpec)))
		Expect(call(s, "GET", "/test?productId=10", "").Header.Get(mockserver.ViolationsHeader)).To(BeEmpty())
		Expect(call(s, "GET", "/private", "").Header.Get(mockserver.ViolationsHeader)).To(BeEmpty())
	})
})

var _ = Describe("Preferences on a rejected request", func() {
	const spec = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /test:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [test], properties: {test: {type: string}}}
      responses:
        '200':
          description: OK
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
              examples: {200-test: {value: {name: 200-test}}}
        '406':
          description: not acceptable
          content:
            text/plain:
              example: we only speak JSON
        '422':
          description: invalid
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
              examples:
                422-test: {value: {name: 422-test}}
                422-test2: {value: {name: 422-test2}}
`
	It("ignores a success code and its example, serving the error response (as Prism)", func() {
		s := newServer(mockserver.SpecBytes([]byte(spec)))
		resp := call(s, "POST", "/test", `{}`, "Content-Type", "application/json", "Prefer", "code=200, example=200-test")
		Expect(resp.StatusCode).To(Equal(422))
		Expect(jsonOf(resp)).To(Equal(map[string]any{"name": "422-test"}))
	})

	It("honours an example of the error response", func() {
		s := newServer(mockserver.SpecBytes([]byte(spec)))
		resp := call(s, "POST", "/test", `{}`, "Content-Type", "application/json", "Prefer", "example=422-test2")
		Expect(resp.StatusCode).To(Equal(422))
		Expect(jsonOf(resp)).To(Equal(map[string]any{"name": "422-test2"}))
	})

	It("serves a declared 406 when nothing acceptable is produced", func() {
		s := newServer(mockserver.SpecBytes([]byte(spec)))
		resp := call(s, "POST", "/test", `{"test":"x"}`, "Content-Type", "application/json", "Accept", "image/png")
		Expect(resp.StatusCode).To(Equal(406))
		Expect(bodyOf(resp)).To(Equal("we only speak JSON"))
		Expect(resp.Header.Get(mockserver.ProblemHeader)).To(HavePrefix(mockserver.ProblemNotAcceptable + ";"))
	})
})
