package validator_test

import (
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"go.yaml.in/yaml/v4"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

// mockAPISpec declares examples in each of the places a mock serves them
// from, request media types in the shapes clients meet, and an XML body.
const mockAPISpec = `openapi: 3.0.3
info: {title: mock api, version: "1"}
paths:
  /pets:
    post:
      operationId: addPet
      requestBody:
        content:
          application/json; charset: {schema: {type: object}}
          Text/Plain: {schema: {type: string}}
          image/*: {schema: {type: string, format: binary}}
      responses:
        '201':
          description: created
          headers:
            X-Rate: {schema: {type: integer, example: 7}}
            X-Plain: {example: direct, schema: {type: string, example: shadowed}}
            X-None: {schema: {type: string}}
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}, example: {name: from-schema}}
              examples:
                empty: {summary: no value}
                rex: {value: {name: Rex}}
            application/xml:
              schema: {type: object, xml: {name: pet}, example: {name: from-schema}}
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
              example: {name: top}
              examples: {rex: {value: {name: Rex}}}
`

var _ = Describe("Spec accessors for a mock server", func() {
	var (
		spec *validator.Spec
		op   *validator.Operation
	)
	BeforeEach(func() {
		var err error
		spec, err = validator.Parse([]byte(mockAPISpec))
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Operations).To(HaveLen(1))
		op = spec.Operations[0]
	})
	media := func(status, mediaType string) *v3.MediaType {
		m, ok := op.Response(status).Content.Get(mediaType)
		Expect(ok).To(BeTrue(), "%s %s", status, mediaType)
		return m
	}
	scalar := func(n *yaml.Node) any {
		var v any
		Expect(n.Decode(&v)).To(Succeed())
		return v
	}

	DescribeTable("MediaExample chooses the named example, else example, examples, the schema's example",
		func(status, mediaType, name string, want validator.Example, found bool) {
			got, ok := spec.MediaExample(media(status, mediaType), name, scalar)
			Expect(ok).To(Equal(found))
			Expect(got).To(Equal(want))
		},
		Entry("the named example", "201", "application/json", "rex",
			validator.Example{Value: map[string]any{"name": "Rex"}, Name: "rex"}, true),
		Entry("a named example without a value is none", "201", "application/json", "empty", validator.Example{}, false),
		Entry("an unknown name is none", "201", "application/json", "nope", validator.Example{}, false),
		Entry("the media type's example before its examples", "200", "application/json", "",
			validator.Example{Value: map[string]any{"name": "top"}}, true),
		Entry("the first of the examples that has a value", "201", "application/json", "",
			validator.Example{Value: map[string]any{"name": "Rex"}, Name: "rex"}, true),
		Entry("the schema's example last", "201", "application/xml", "",
			validator.Example{Value: map[string]any{"name": "from-schema"}, FromSchema: true}, true),
	)

	It("HeaderExample takes the header's example, else its schema's", func() {
		headers := op.Response("201").Headers
		for name, want := range map[string]any{"X-Rate": 7, "X-Plain": "direct"} {
			h, _ := headers.Get(name)
			v, ok := spec.HeaderExample(h, scalar)
			Expect(ok).To(BeTrue(), name)
			Expect(v).To(Equal(want), name)
		}
		h, _ := headers.Get("X-None")
		_, ok := spec.HeaderExample(h, scalar)
		Expect(ok).To(BeFalse())
	})

	It("ValidateResponseBody checks a body against the declared response, without a request", func() {
		Expect(spec.ValidateResponseBody(op, 201, "application/json", []byte(`{"name":"Rex"}`))).To(BeEmpty())
		findings := spec.ValidateResponseBody(op, 201, "application/json", []byte(`{"age":3}`))
		Expect(findings).NotTo(BeEmpty())
		for _, f := range findings {
			Expect(f.Check).To(Equal(validator.CheckResponseBody))
		}
	})

	DescribeTable("RequestMediaType is the declared request media type that covers a Content-Type",
		func(contentType, want string) {
			Expect(op.RequestMediaType(contentType)).To(Equal(want))
		},
		Entry("a key with a malformed parameter, by its type", "application/json", "application/json; charset"),
		Entry("with parameters of the request's own", "application/json; charset=utf-8", "application/json; charset"),
		Entry("in other letter case", "text/plain", "Text/Plain"),
		Entry("through a range", "image/png", "image/*"),
		Entry("not declared", "application/xml", ""),
		Entry("not a media type", "json", ""),
	)

	It("XMLName is the schema's xml.name, Generate runs a generator on a schema", func() {
		m := media("201", "application/xml")
		Expect(spec.XMLName(m.Schema)).To(Equal("pet"))
		Expect(spec.XMLName(media("201", "application/json").Schema)).To(BeEmpty())
		v, err := spec.Generate(m.Schema, func(p *base.SchemaProxy) (any, error) { return p.Schema().Type, nil })
		Expect(err).NotTo(HaveOccurred())
		Expect(v).To(Equal([]string{"object"}))
	})
})
