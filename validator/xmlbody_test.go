package validator_test

import (
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("XML bodies", func() {
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Load("testdata/real-shapes.yaml") // XML typed as AWS specs type it
		Expect(err).NotTo(HaveOccurred())
	})
	check := func(body string) []string {
		req := httptest.NewRequest(http.MethodGet, "/meta", nil)
		op, err := spec.Router().Find(req)
		Expect(err).NotTo(HaveOccurred())
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/xml"}}, Body: ioNop(body), Request: req}
		var out []string
		for _, f := range spec.ValidateResponse(req, resp, op) {
			out = append(out, f.Message+" "+f.Detail)
		}
		return out
	}

	DescribeTable("are read with the types, names and arrays their schema declares",
		func(body string) { Expect(check(body)).To(BeEmpty()) },
		Entry("an integer and a boolean typed through allOf and $ref",
			`<DomainMetadataResult><ItemCount>0</ItemCount><Consistent>true</Consistent></DomainMetadataResult>`),
		Entry("an unwrapped array named by its items' xml.name, one item",
			`<r><ItemCount>1</ItemCount><DomainName>a</DomainName></r>`),
		Entry("an unwrapped array named by its items' xml.name, two items",
			`<r><ItemCount>1</ItemCount><DomainName>a</DomainName><DomainName>b</DomainName></r>`),
		Entry("an unwrapped array named by the property", `<r><ItemCount>1</ItemCount><DomainNames>a</DomainNames></r>`),
		Entry("a wrapped array", `<r><ItemCount>1</ItemCount><TagSet><Tag>x</Tag><Tag>y</Tag></TagSet></r>`),
		Entry("attributes by their xml.name", `<r Region="eu" version="2"><ItemCount>1</ItemCount></r>`),
	)

	DescribeTable("still report what breaks the schema",
		func(body, want string) { Expect(check(body)).To(ContainElement(ContainSubstring(want))) },
		Entry("text that is not an integer", `<r><ItemCount>many</ItemCount></r>`, "want integer"),
		Entry("a missing required element", `<r><Consistent>true</Consistent></r>`, "ItemCount"),
		Entry("an attribute of the wrong type", `<r version="two"><ItemCount>1</ItemCount></r>`, "want integer"),
	)
})

var _ = Describe("An empty XML element", func() {
	// AWS CloudFormation's ActivateOrganizationsAccessOutput: {type: object, properties: {}}.
	const emptyOutput = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /activate:
    get:
      responses:
        '200':
          description: ok
          content:
            text/xml:
              schema: {type: object, properties: {}}
`
	check := func(body string) []validator.Finding {
		spec, err := validator.Parse([]byte(emptyOutput))
		Expect(err).NotTo(HaveOccurred())
		req := httptest.NewRequest(http.MethodGet, "/activate", nil)
		op, err := spec.Router().Find(req)
		Expect(err).NotTo(HaveOccurred())
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/xml"}}, Body: ioNop(body), Request: req}
		return spec.ValidateResponse(req, resp, op)
	}
	It("is an empty object", func() {
		Expect(check(`<ActivateOrganizationsAccessResult></ActivateOrganizationsAccessResult>`)).To(BeEmpty())
		Expect(check(`<ActivateOrganizationsAccessResult/>`)).To(BeEmpty())
	})
	It("holding text is still no object", func() {
		Expect(check(`<ActivateOrganizationsAccessResult>text</ActivateOrganizationsAccessResult>`)).NotTo(BeEmpty())
	})
})
