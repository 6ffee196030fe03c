package matchers_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	. "github.com/mockd/mockd/mockserver/matchers"
	"github.com/mockd/mockd/validator"
)

const shelfYAML = `openapi: 3.0.3
info: {title: Shelf, version: "1"}
paths:
  /books/{id}:
    get:
      operationId: getBook
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        '200':
          description: a book
          content:
            application/json:
              schema:
                type: object
                required: [id, title]
                properties:
                  id: {type: integer}
                  title: {type: string}
              example: {id: 1, title: Dune}
        '404':
          description: no such book
  /books:
    post:
      operationId: createBook
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties:
                title: {type: string, minLength: 1}
      responses:
        '201':
          description: created
`

func loadShelf() *validator.Spec {
	GinkgoHelper()
	spec, err := validator.Parse([]byte(shelfYAML), validator.WithName("shelf.yaml"))
	Expect(err).NotTo(HaveOccurred())
	return spec
}

// exchange builds a response to method target with the given status and JSON body.
func exchange(method, target string, reqBody string, status int, body string) *http.Response {
	var rb io.Reader
	if reqBody != "" {
		rb = strings.NewReader(reqBody)
	}
	req := httptest.NewRequest(method, target, rb)
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: req, Body: http.NoBody}
	if body != "" {
		resp.Header.Set("Content-Type", "application/json")
		resp.Body = io.NopCloser(bytes.NewReader([]byte(body)))
		resp.ContentLength = int64(len(body))
	}
	return resp
}

var _ = Describe("SatisfyContract", func() {
	var spec *validator.Spec
	BeforeEach(func() { spec = loadShelf() })

	It("passes a documented exchange and leaves the body readable", func() {
		resp := exchange("GET", "/books/1", "", 200, `{"id":1,"title":"Dune"}`)
		Expect(resp).To(SatisfyContract(spec))
		b, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(Equal(`{"id":1,"title":"Dune"}`))
	})

	It("fails a response that violates its schema, listing each finding with its place", func() {
		m := SatisfyContract(spec)
		resp := exchange("GET", "/books/1", "", 200, `{"id":"one"}`)
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(Equal("Expected GET /books/1 → 200 to satisfy the contract of shelf.yaml, but it has 2 problems:\n" +
			"  1. response.body.schema in body (spec line 15, col 17): 200 response body for '/books/1' failed to validate schema — missing property 'title' (fix: Ensure that the object being submitted, matches the schema correctly)\n" +
			"  2. response.body.schema in body at /id (spec line 15, col 17): 200 response body for '/books/1' failed to validate schema — got string, want integer (fix: Ensure that the object being submitted, matches the schema correctly)"))
	})

	It("says exactly why an undocumented path fails", func() {
		m := SatisfyContract(spec)
		resp := exchange("GET", "/authors/7?x=1", "", 404, "")
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(Equal("Expected GET /authors/7?x=1 → 404 to satisfy the contract of shelf.yaml, but it has 1 problem:\n" +
			"  1. path.undocumented: GET /authors/7 is not a path of the spec (fix: document the path under paths, or fix the URL (a server's base path is optional))"))
	})

	It("says exactly why an undocumented method fails", func() {
		m := SatisfyContract(spec)
		resp := exchange("DELETE", "/books/1", "", 204, "")
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(Equal("Expected DELETE /books/1 → 204 to satisfy the contract of shelf.yaml, but it has 1 problem:\n" +
			"  1. method.undocumented: DELETE is not documented for /books/{id} (the spec has GET) (fix: document the method under the path, or stop calling it)"))
	})

	It("checks the request too", func() {
		resp := exchange("POST", "/books", `{"title":""}`, 201, "")
		m := SatisfyContract(spec)
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(Equal("Expected POST /books → 201 to satisfy the contract of shelf.yaml, but it has 1 problem:\n" +
			"  1. request.body.schema in body at /title (spec line 31, col 15): POST request body for '/books' failed to validate schema — minLength: got 0, want 1 (fix: Ensure that the object being submitted, matches the schema correctly)"))
		Expect(exchange("POST", "/books", `{"title":"Dune"}`, 201, "")).To(SatisfyContract(spec))
	})

	It("has a negated message", func() {
		resp := exchange("GET", "/books/1", "", 200, `{"id":1,"title":"Dune"}`)
		m := SatisfyContract(spec)
		Expect(m.Match(resp)).To(BeTrue())
		Expect(m.NegatedFailureMessage(resp)).To(Equal("Expected GET /books/1 → 200 not to satisfy the contract of shelf.yaml, but it does."))
	})

	It("refuses what it cannot check, saying how to fix it", func() {
		_, err := SatisfyContract(spec).Match("a string")
		Expect(err).To(MatchError("SatisfyContract expects a non-nil *http.Response, got string (fix: pass the response the client returned)"))
		_, err = SatisfyContract(spec).Match(&http.Response{StatusCode: 200})
		Expect(err).To(MatchError(ContainSubstring("needs the response's Request")))
		_, err = SatisfyContract(nil).Match(exchange("GET", "/books/1", "", 200, "{}"))
		Expect(err).To(MatchError(ContainSubstring("nil *validator.Spec")))
	})

	It("checks a real client exchange with a mock server, the request body replayed from GetBody", func() {
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(shelfYAML), mockserver.Seed(1))
		resp, err := srv.Client().Post(srv.URL+"/books", "application/json", strings.NewReader(`{"title":"Dune"}`))
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(201))
		Expect(resp).To(SatisfyContract(spec))
		Expect(resp).To(SatisfyOperation(spec, "createBook"))

		get, err := srv.Client().Get(srv.URL + "/books/1")
		Expect(err).NotTo(HaveOccurred())
		defer get.Body.Close()
		Expect(get).To(SatisfyOperation(spec, "getBook"))
		b, _ := io.ReadAll(get.Body)
		Expect(string(b)).To(MatchJSON(`{"id":1,"title":"Dune"}`))
	})
})

var _ = Describe("SatisfyOperation", func() {
	var spec *validator.Spec
	BeforeEach(func() { spec = loadShelf() })

	It("passes an exchange of the operation", func() {
		Expect(exchange("GET", "/books/2", "", 200, `{"id":2,"title":"Emma"}`)).To(SatisfyOperation(spec, "getBook"))
	})

	It("fails when the request routes to another operation, naming both", func() {
		m := SatisfyOperation(spec, "createBook")
		resp := exchange("GET", "/books/2", "", 200, `{"id":2,"title":"Emma"}`)
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(Equal("Expected GET /books/2 → 200 to be an exchange of operation createBook (POST /books) in shelf.yaml, but the request routes to getBook (GET /books/{id})."))
	})

	It("fails when the request routes nowhere", func() {
		m := SatisfyOperation(spec, "getBook")
		resp := exchange("GET", "/nope", "", 404, "")
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(Equal("Expected GET /nope → 404 to be an exchange of operation getBook (GET /books/{id}) in shelf.yaml, but the request routes to no operation of the spec."))
	})

	It("fails with the findings of the right operation", func() {
		m := SatisfyOperation(spec, "getBook")
		resp := exchange("GET", "/books/0", "", 200, `{"id":0,"title":"x"}`)
		Expect(m.Match(resp)).To(BeFalse())
		Expect(m.FailureMessage(resp)).To(HavePrefix("Expected GET /books/0 → 200 to satisfy operation getBook (GET /books/{id}) in shelf.yaml, but it has 1 problem:\n  1. request.parameter.path in path id"))
		Expect(m.NegatedFailureMessage(resp)).To(Equal("Expected GET /books/0 → 200 not to satisfy operation getBook in shelf.yaml, but it does."))
	})

	It("rejects an operation the spec does not have, listing those it has", func() {
		_, err := SatisfyOperation(spec, "getAuthor").Match(exchange("GET", "/books/2", "", 200, "{}"))
		Expect(err).To(MatchError(`SatisfyOperation: shelf.yaml has no operation "getAuthor" (fix: use one of getBook, createBook)`))
	})
})

var _ = Describe("IgnoringRequest", func() {
	It("checks only the response of a request that is invalid on purpose", func() {
		spec := loadShelf()
		resp := exchange("POST", "/books", `{"title":""}`, 201, "")
		Expect(resp).NotTo(SatisfyContract(spec))
		Expect(resp).To(SatisfyContract(spec).IgnoringRequest())
		Expect(resp).To(SatisfyOperation(spec, "createBook").IgnoringRequest())

		m := SatisfyOperation(spec, "createBook").IgnoringRequest()
		bad := exchange("POST", "/books", `{"title":""}`, 500, "")
		Expect(m.Match(bad)).To(BeFalse())
		Expect(m.FailureMessage(bad)).To(HavePrefix("Expected POST /books → 500 to satisfy operation createBook (POST /books) in shelf.yaml (request not checked), but it has 1 problem:\n  1. response.status"))
		Expect(exchange("DELETE", "/books", "", 204, "")).NotTo(SatisfyContract(spec).IgnoringRequest(), "the route is still checked")
	})
})
