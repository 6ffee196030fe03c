package validator_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("Loading specs", func() {
	DescribeTable("the fixtures of every version",
		func(file, version string, ops int, firstID string) {
			spec, err := validator.Load(filepath.Join("..", "fixtures", file))
			Expect(err).NotTo(HaveOccurred())
			Expect(spec.Version).To(Equal(version))
			Expect(len(spec.Operations)).To(Equal(ops))
			Expect(spec.Operations[0].ID).To(Equal(firstID))
			Expect(spec.Model).NotTo(BeNil())
		},
		Entry("OpenAPI 3.0", "bookstore.yaml", "3.0.3", 8, "listBooks"),
		Entry("OpenAPI 3.1", "petstore-3.1.yaml", "3.1.0", 4, "listPets"),
		Entry("Swagger 2.0", "petstore-2.0.yaml", "2.0", 3, "listPets"),
		Entry("external and circular refs", "refs/library.yaml", "3.0.3", 2, "getShelf"),
	)

	It("takes base paths from document, path and operation servers, with variables expanded", func() {
		spec, err := validator.Load("../fixtures/refs/library.yaml")
		Expect(err).NotTo(HaveOccurred())
		shelf, ok := spec.Operation("getShelf")
		Expect(ok).To(BeTrue())
		Expect(shelf.BasePaths).To(Equal([]string{"/s"}))
		items, _ := spec.Operation("listItems")
		Expect(items.BasePaths).To(Equal([]string{"/api"}))

		pets, err := validator.Load("../fixtures/petstore-3.1.yaml")
		Expect(err).NotTo(HaveOccurred())
		op, _ := pets.Operation("GET /pets")
		Expect(op.BasePaths).To(Equal([]string{"/api/v2"}))
	})

	It("resolves security requirements, with operation-level overrides", func() {
		spec, err := validator.Load("../fixtures/bookstore.yaml")
		Expect(err).NotTo(HaveOccurred())
		create, _ := spec.Operation("createBook")
		Expect(create.Security).To(HaveLen(1))
		Expect(create.Security[0][0].Scheme).To(Equal("bearer"))
		list, _ := spec.Operation("listBooks")
		Expect(list.Security).To(BeEmpty())
		author, _ := spec.Operation("getAuthor")
		Expect(author.Security[0][0]).To(Equal(&validator.SecurityScheme{Name: "apiKey", Type: "apiKey", In: "header", Param: "X-Api-Key"}))
	})

	DescribeTable("bad input gives one clear error naming the file and place",
		func(content string, want ...string) {
			dir := GinkgoT().TempDir()
			path := filepath.Join(dir, "spec.yaml")
			Expect(os.WriteFile(path, []byte(content), 0o600)).To(Succeed())
			_, err := validator.Load(path)
			Expect(err).To(HaveOccurred())
			var le *validator.LoadError
			Expect(errors.As(err, &le)).To(BeTrue())
			Expect(le.File).To(Equal(path))
			for _, w := range want {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("empty file", "", "is empty"),
		Entry("YAML syntax error", "openapi: 3.0.3\ninfo: {title: x\npaths: {}\n", "spec.yaml:2:", "did not find expected"),
		Entry("not OpenAPI", "hello: world\n", "openapi: 3.x.y"),
		Entry("unsupported version", "openapi: 4.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n", "not supported"),
		Entry("broken Swagger 2.0", "swagger: '2.0'\ninfo: [1, 2\n", "spec.yaml", "Swagger 2.0"),
	)

	It("names a missing file", func() {
		_, err := validator.Load("no/such/spec.yaml")
		Expect(err).To(MatchError(And(ContainSubstring("no/such/spec.yaml"), ContainSubstring("no such file"))))
	})

	It("warns about paths that differ only in template names, and routes to the first", func() {
		// Google Pub/Sub v1beta2 declares both.
		spec, err := validator.Parse([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /v1beta2/{project}/subscriptions:
    get: {operationId: byProject, responses: {'200': {description: ok}}}
  /v1beta2/{topic}/subscriptions:
    get: {operationId: byTopic, responses: {'200': {description: ok}}}
  /v1beta2/{topic}/snapshots:
    get: {operationId: other, responses: {'200': {description: ok}}}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Warnings).To(ConsistOf(ContainSubstring(
			"GET /v1beta2/{project}/subscriptions and GET /v1beta2/{topic}/subscriptions differ only in template names")))
		op, err := spec.Router().Find(httptest.NewRequest("GET", "/v1beta2/p/subscriptions", nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(op.ID).To(Equal("byProject"))
	})

	It("reports circular references as warnings, not errors", func() {
		spec, err := validator.Parse([]byte(circular))
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Join(spec.Warnings, "\n")).To(ContainSubstring("circular"))
	})
})

var _ = Describe("Validating exchanges", func() {
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Load("../fixtures/bookstore.yaml", validator.WithFormatAssertions())
		Expect(err).NotTo(HaveOccurred())
	})

	It("accepts a valid request, with or without the base path", func() {
		op, _ := spec.Operation("getBook")
		for _, p := range []string{"/v1/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f"} {
			Expect(spec.ValidateRequest(httptest.NewRequest("GET", p, nil), op)).To(BeEmpty())
		}
	})

	It("locates parameter and body problems with stable check ids", func() {
		op, _ := spec.Operation("listBooks")
		f := spec.ValidateRequest(httptest.NewRequest("GET", "/books?limit=0&genre=cooking", nil), op)
		Expect(f).To(ContainElement(And(
			HaveField("Check", validator.CheckQueryParam), HaveField("In", "query"), HaveField("Name", "limit"))))
		Expect(f).To(ContainElement(HaveField("Name", "genre")))

		create, _ := spec.Operation("createBook")
		req := httptest.NewRequest("POST", "/books", strings.NewReader(`{"isbn":"x","title":"","price":{"amount":1,"currency":"usd"}}`))
		req.Header.Set("Content-Type", "application/json")
		f = spec.ValidateRequest(req, create)
		Expect(f).To(ContainElement(And(HaveField("Check", validator.CheckRequestBody), HaveField("Pointer", "/isbn"))))
		Expect(f).To(ContainElement(HaveField("Pointer", "/price/currency")))
		// the body can be read again after validation
		b := make([]byte, 1)
		n, _ := req.Body.Read(b)
		Expect(n).To(Equal(1))
	})

	It("checks formats when asked to", func() {
		op, _ := spec.Operation("getBook")
		f := spec.ValidateRequest(httptest.NewRequest("GET", "/books/not-a-uuid", nil), op)
		Expect(f).To(ContainElement(HaveField("Check", validator.CheckPathParam)))
	})

	It("validates responses: status, content type and body", func() {
		op, _ := spec.Operation("getBook")
		req := httptest.NewRequest("GET", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", nil)
		resp := func(code int, ct, body string) *http.Response {
			r := &http.Response{StatusCode: code, Header: http.Header{"Content-Type": {ct}}, Body: http.NoBody}
			if body != "" {
				r.Body = ioNop(body)
			}
			return r
		}
		Expect(spec.ValidateResponse(req, resp(200, "application/json", `{"isbn":"978-0-13-468599-1","title":"t","price":{"amount":1,"currency":"USD"}}`), op)).To(BeEmpty())
		Expect(spec.ValidateResponse(req, resp(200, "application/json", `{"title":"t"}`), op)).To(ContainElement(HaveField("Check", validator.CheckResponseBody)))
		Expect(spec.ValidateResponse(req, resp(503, "application/json", `{}`), op)).To(ContainElement(HaveField("Check", validator.CheckResponseStatus)))
		Expect(spec.ValidateResponse(req, resp(200, "text/csv", `a,b`), op)).To(ContainElement(HaveField("Check", validator.CheckResponseMedia)))
	})
})

var _ = Describe("Paths without a leading slash", func() {
	It("are served with one and reported", func() {
		spec, err := validator.Parse([]byte("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  items:\n    get:\n      responses: {'200': {description: ok}}\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Join(spec.Warnings, "\n")).To(ContainSubstring(`path "items" does not start with '/'`))
		op, err := spec.Router().Find(httptest.NewRequest("GET", "/items", nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(op.Path).To(Equal("items"))
		Expect(spec.ValidateRequest(httptest.NewRequest("GET", "/items", nil), op)).To(BeEmpty())
	})
})

var _ = Describe("Parameters without a schema", func() {
	It("are checked for presence instead of crashing the validator", func() {
		spec, err := validator.Parse([]byte(schemaless))
		Expect(err).NotTo(HaveOccurred())
		op, _ := spec.Operation("GET /test")
		Expect(spec.ValidateRequest(httptest.NewRequest("GET", "/test?productId=10&tag=x", nil), op)).To(BeEmpty())
		f := spec.ValidateRequest(httptest.NewRequest("GET", "/test?productId=10", nil), op)
		Expect(f).To(ConsistOf(And(HaveField("Check", validator.CheckQueryParam), HaveField("Name", "tag"))))
	})
})

const schemaless = `openapi: 3.0.2
info: {title: x, version: "1"}
paths:
  /test:
    get:
      parameters:
        - {in: query, name: productId, deprecated: true}
        - {in: query, name: tag, required: true}
      responses:
        '200': {description: OK}
`

const circular = `openapi: 3.0.3
info: {title: x, version: "1"}
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      type: object
      required: [child]
      properties:
        child: {$ref: '#/components/schemas/Node'}
`
