package validator_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

const exchangeSpec = `openapi: 3.0.3
info: {title: Shelf, version: "1"}
servers: [{url: https://api.example.com/v1}]
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
        '201': {description: created}
`

func exchParse(tb interface {
	Helper()
	Fatalf(string, ...any)
}) *validator.Spec {
	tb.Helper()
	spec, err := validator.Parse([]byte(exchangeSpec), validator.WithName("shelf.yaml"))
	if err != nil {
		tb.Fatalf("parsing the exchange spec: %v", err)
	}
	return spec
}

func exchResponse(req *http.Request, status int, body string) *http.Response {
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: req, Body: http.NoBody}
	if body != "" {
		resp.Header.Set("Content-Type", "application/json")
		resp.Body = io.NopCloser(strings.NewReader(body))
	}
	return resp
}

func exchChecks(fs []validator.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Check)
	}
	return out
}

var _ = Describe("Spec.ValidateExchange", func() {
	var spec *validator.Spec
	BeforeEach(func() { spec = exchParse(GinkgoT()) })

	It("finds nothing wrong with a documented exchange, with or without the base path", func() {
		for _, target := range []string{"/books/1", "/v1/books/1"} {
			req := httptest.NewRequest("GET", target, nil)
			Expect(spec.ValidateExchange(req, exchResponse(req, 200, `{"id":1,"title":"Dune"}`))).To(BeEmpty(), target)
		}
	})

	It("reports an undocumented path and nothing else", func() {
		req := httptest.NewRequest("GET", "/authors/1", nil)
		fs := spec.ValidateExchange(req, exchResponse(req, 200, `not json`))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Check).To(Equal(validator.CheckUnknownPath))
		Expect(fs[0].Message).To(Equal("GET /authors/1 is not a path of the spec"))
		Expect(fs[0].Method).To(Equal("GET"))
	})

	It("reports an undocumented method with the methods the path has", func() {
		req := httptest.NewRequest("PUT", "/books/1", nil)
		fs := spec.ValidateExchange(req, exchResponse(req, 200, ""))
		Expect(exchChecks(fs)).To(Equal([]string{validator.CheckUnknownMethod}))
		Expect(fs[0].Message).To(Equal("PUT is not documented for /books/{id} (the spec has GET)"))
	})

	It("reports request findings, then response findings, naming the operation", func() {
		req := httptest.NewRequest("GET", "/books/0", nil)
		fs := spec.ValidateExchange(req, exchResponse(req, 200, `{"id":"x","title":"Dune"}`))
		Expect(exchChecks(fs)).To(Equal([]string{validator.CheckPathParam, validator.CheckResponseBody}))
		for _, f := range fs {
			Expect(f.OperationID).To(Equal("getBook"))
			Expect(f.Method).To(Equal("GET"))
			Expect(f.PathTemplate).To(Equal("/books/{id}"))
		}
		Expect(fs[1].Pointer).To(Equal("/id"))
		Expect(fs[1].SpecLine).To(BeNumerically(">", 0))
	})

	It("reports an undeclared status", func() {
		req := httptest.NewRequest("GET", "/books/1", nil)
		Expect(exchChecks(spec.ValidateExchange(req, exchResponse(req, 503, "")))).To(Equal([]string{validator.CheckResponseStatus}))
	})

	It("checks the request alone when there is no response, and takes the request from the response", func() {
		req := httptest.NewRequest("POST", "/books", strings.NewReader(`{"title":""}`))
		req.Header.Set("Content-Type", "application/json")
		Expect(exchChecks(spec.ValidateExchange(req, nil))).To(Equal([]string{validator.CheckRequestBody}))
		Expect(exchChecks(spec.ValidateExchange(nil, exchResponse(req, 201, "")))).To(Equal([]string{validator.CheckRequestBody}))
	})

	It("leaves both bodies readable", func() {
		req := httptest.NewRequest("POST", "/books", strings.NewReader(`{"title":"Dune"}`))
		req.Header.Set("Content-Type", "application/json")
		resp := exchResponse(req, 201, `{"ok":true}`)
		Expect(spec.ValidateExchange(req, resp)).To(BeEmpty())
		b, _ := io.ReadAll(req.Body)
		Expect(string(b)).To(Equal(`{"title":"Dune"}`))
		b, _ = io.ReadAll(resp.Body)
		Expect(string(b)).To(Equal(`{"ok":true}`))
	})

	It("replays a client request's drained body from GetBody", func() {
		req, err := http.NewRequest("POST", "http://127.0.0.1:1/books", bytes.NewReader([]byte(`{"title":"Dune"}`)))
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		_, _ = io.Copy(io.Discard, req.Body) // what the transport does
		Expect(spec.ValidateExchange(req, exchResponse(req, 201, ""))).To(BeEmpty())

		req.GetBody = func() (io.ReadCloser, error) { return nil, fmt.Errorf("gone") }
		fs := spec.ValidateExchange(req, nil)
		Expect(exchChecks(fs)).To(Equal([]string{validator.CheckRequestBody}))
		Expect(fs[0].Message).To(Equal("the request body could not be read again: GetBody of POST /books: gone"))
	})

	It("reports a missing request instead of panicking", func() {
		fs := spec.ValidateExchange(nil, nil)
		Expect(exchChecks(fs)).To(Equal([]string{validator.CheckRequest}))
		Expect(fs[0].Message).To(Equal("there is no request to validate"))
		Expect(exchChecks(spec.ValidateExchange(&http.Request{}, nil))).To(Equal([]string{validator.CheckRequest}))
	})
})

// ExampleSpec_ValidateExchange checks one exchange outside any test
// framework, as another Go tool would.
func ExampleSpec_ValidateExchange() {
	spec, err := validator.Parse([]byte(exchangeSpec))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := httptest.NewRequest("GET", "/books/42", nil)
	resp := &http.Response{StatusCode: 200, Request: req, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"id":42}`))}
	for _, f := range spec.ValidateExchange(req, resp) {
		fmt.Println(f.Check, f.OperationID, f.Detail)
	}
	// Output: response.body.schema getBook missing property 'title'
}

func FuzzValidateExchange(f *testing.F) {
	spec := exchParse(f)
	f.Add("GET", "/books/1", "", 200, "application/json", `{"id":1,"title":"a"}`)
	f.Add("POST", "/v1/books", `{"title":""}`, 201, "", "")
	f.Add("DELETE", "/books/%zz", "\x00", 999, "text/plain", "{")
	f.Add("GET", "//books//1?x=%", "", 0, "application/json; charset=utf-8", `[]`)
	f.Fuzz(func(t *testing.T, method, target, reqBody string, status int, contentType, respBody string) {
		if !validMethod(method) {
			method = "GET"
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+strings.ReplaceAll("/"+target, "#", ""), strings.NewReader(reqBody))
		if err != nil {
			return // not a URL at all: nothing to validate
		}
		req.Header.Set("Content-Type", "application/json")
		resp := &http.Response{StatusCode: status, Request: req, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(respBody))}
		if contentType != "" {
			resp.Header.Set("Content-Type", contentType)
		}
		fs := spec.ValidateExchange(req, resp)
		for _, f := range fs {
			if f.Check == "" || f.Message == "" {
				t.Fatalf("finding without a check or message: %+v", f)
			}
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != respBody {
			t.Fatalf("response body not restored: %q, %v", b, err)
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 16 {
		return false
	}
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func BenchmarkValidateExchange(b *testing.B) {
	spec := exchParse(b)
	body := `{"id":1,"title":"Dune"}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/books/1", nil)
		resp := &http.Response{StatusCode: 200, Request: req, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body))}
		if fs := spec.ValidateExchange(req, resp); len(fs) != 0 {
			b.Fatalf("unexpected findings: %+v", fs)
		}
	}
}
