package mockserver_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// Shapes found in real specs (APIs-guru) that a mock must still answer
// with a declared, conforming response.
const apisGuruShapes = `openapi: 3.0.3
info: {title: shapes, version: "1"}
paths:
  /providers:
    get:
      parameters:
        - {name: Accept, in: header, required: true, schema: {type: string, default: application/json}}
        - {name: Content-Type, in: header, required: true, schema: {type: string}}
        - {name: authorization, in: header, required: true, schema: {type: string}}
        - {name: X-App-Key, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}}, required: [id]}
  /labelled-text:
    get:
      responses:
        '200':
          description: JSON labelled text/plain
          content:
            text/plain:
              schema: {type: object, properties: {id: {type: integer}}, required: [id]}
  /publishxml:
    post:
      responses:
        '200':
          description: a file in XML
          content:
            application/xml:
              schema: {type: string, format: binary}
  /arn:
    get:
      responses:
        '200':
          description: an ARN whose pattern has a repeat count over 1000
          content:
            application/json:
              schema:
                type: object
                required: [arn]
                properties:
                  arn: {type: string, pattern: '^arn:aws:[a-z]{2,8}:[0-9]{12}:[A-Za-z0-9/][A-Za-z0-9:_/+.-]{0,1023}$'}
`

var _ = Describe("Answers for shapes of real specs", func() {
	var (
		srv  *mockserver.Server
		spec *validator.Spec
	)
	BeforeEach(func() {
		var err error
		spec, err = validator.Parse([]byte(apisGuruShapes))
		Expect(err).NotTo(HaveOccurred())
		srv = newServer(mockserver.WithSpec(spec))
	})

	// conforms sends the request and checks the answer against the spec.
	conforms := func(req *http.Request) string {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		resp := rec.Result()
		body := rec.Body.String()
		Expect(resp.StatusCode).To(Equal(http.StatusOK), body)
		op, _ := srv.Spec().Router().Find(req)
		Expect(op).NotTo(BeNil())
		Expect(spec.ValidateResponse(req, resp, op)).To(BeEmpty(), body)
		return body
	}

	It("ignores header parameters named Accept, Content-Type and Authorization, as OpenAPI 3 says", func() {
		req := httptest.NewRequest("GET", "/providers", nil)
		req.Header.Set("X-App-Key", "k")
		conforms(req)
		req = httptest.NewRequest("GET", "/providers", nil) // the other required header is still checked
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		Expect(rec.Code).To(Equal(http.StatusUnprocessableEntity))
		Expect(rec.Body.String()).To(ContainSubstring("X-App-Key"))
	})

	It("refuses to invent a text form of a structure under text/plain, as Prism, naming the fix", func() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/labelled-text", nil))
		Expect(rec.Code).To(Equal(http.StatusInternalServerError))
		Expect(rec.Body.String()).To(ContainSubstring("cannot serialise an object as text/plain: give a string example or declare a JSON media type"))
	})

	It("judges JSON labelled text/plain as JSON when the schema cannot be a string", func() {
		req := httptest.NewRequest("GET", "/labelled-text", nil)
		op, _ := srv.Spec().Router().Find(req)
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}},
			Body: io.NopCloser(strings.NewReader(`{"id":1}`)), Request: req}
		Expect(spec.ValidateResponse(req, resp, op)).To(BeEmpty())
	})

	It("still reports text that is not JSON under an object schema", func() {
		req := httptest.NewRequest("GET", "/labelled-text", nil)
		op, _ := srv.Spec().Router().Find(req)
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}},
			Body: io.NopCloser(strings.NewReader("id=1")), Request: req}
		Expect(spec.ValidateResponse(req, resp, op)).NotTo(BeEmpty())
	})

	It("wraps a generated string under an XML type in the root element", func() {
		body := conforms(httptest.NewRequest("POST", "/publishxml", nil))
		Expect(body).To(HavePrefix("<xml>"))
	})

	It("generates from a pattern with a repeat count RE2 refuses", func() {
		body := conforms(httptest.NewRequest("GET", "/arn", nil))
		Expect(body).To(ContainSubstring(`"arn":"arn:aws:`))
	})
})

var _ = Describe("Swagger 2.0 header parameters", func() {
	It("keeps a required Authorization header parameter (Swagger 2.0 has no rule to ignore it)", func() {
		srv := newServer(mockserver.SpecBytes([]byte(strings.Join([]string{
			`swagger: "2.0"`,
			`info: {title: t, version: "1"}`,
			`paths:`,
			`  /x:`,
			`    get:`,
			`      parameters: [{name: Authorization, in: header, required: true, type: string}]`,
			`      responses: {'200': {description: ok}}`,
		}, "\n"))))
		Expect(call(srv, "GET", "/x", "").StatusCode).To(Equal(http.StatusUnprocessableEntity))
		Expect(call(srv, "GET", "/x", "", "Authorization", "Basic dTpw").StatusCode).To(Equal(http.StatusOK))
	})
})
