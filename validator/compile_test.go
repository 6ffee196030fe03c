package validator_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

// A spec with a reference cycle (Node → children → Node), an AWS-style
// pattern that is not ECMA-262, and an integer parameter without format.
const compileSpec = `openapi: 3.0.3
info: {title: compile, version: "1"}
paths:
  /nodes:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: -100000000000000000000000000000000000000000}}
        - {name: small, in: query, schema: {type: integer, maximum: 10}}
        - {name: name, in: query, schema: {$ref: '#/components/schemas/AwsName'}}
      responses:
        "200":
          description: a tree
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Node'}
      responses:
        "201": {description: created}
components:
  schemas:
    AwsName:
      type: string
      minLength: 2
      pattern: '\A\S[\p{Print}]*\z'
    Node:
      type: object
      required: [id, label]
      properties:
        id: {type: integer, readOnly: true}
        label: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
`

func compileReq(method, target, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

var _ = Describe("Compiling an operation's schemas", func() {
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Parse([]byte(compileSpec))
		Expect(err).NotTo(HaveOccurred())
	})

	validateResponse := func(body string) []validator.Finding {
		op, ok := spec.Operation("GET /nodes")
		Expect(ok).To(BeTrue())
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader([]byte(body)))}
		return spec.ValidateResponse(compileReq("GET", "/nodes", ""), resp, op)
	}

	It("checks bodies through a reference cycle, at any depth", func() {
		Expect(validateResponse(`{"id":1,"label":"a","children":[{"id":2,"label":"b","children":[]}]}`)).To(BeEmpty())
		fs := validateResponse(`{"id":1,"label":"a","children":[{"id":2,"children":[{"id":"x","label":"c"}]}]}`)
		var ptrs []string
		for _, f := range fs {
			ptrs = append(ptrs, f.Pointer)
		}
		Expect(ptrs).To(ContainElements("/children/0", "/children/0/children/0/id"))
	})

	It("drops readOnly properties from required in requests only", func() {
		op, _ := spec.Operation("POST /nodes")
		Expect(spec.ValidateRequest(compileReq("POST", "/nodes", `{"label":"a","children":[{"label":"b"}]}`), op)).To(BeEmpty())
		fs := validateResponse(`{"label":"a"}`)
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Detail).To(ContainSubstring("id"))
	})

	Describe("a pattern that is not ECMA-262", func() {
		It("is named once in the load warnings", func() {
			var named []string
			for _, w := range spec.Warnings {
				if strings.Contains(w, `\p{Print}`) {
					named = append(named, w)
				}
			}
			Expect(named).To(HaveLen(1))
			Expect(named[0]).To(ContainSubstring("#/components/schemas/AwsName"))
			Expect(named[0]).To(ContainSubstring("not checked"))
		})

		It("is left unchecked while the rest of the schema applies", func() {
			op, _ := spec.Operation("GET /nodes")
			Expect(spec.ValidateRequest(compileReq("GET", "/nodes?name=my-bucket", ""), op)).To(BeEmpty())
			fs := spec.ValidateRequest(compileReq("GET", "/nodes?name=a", ""), op)
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Name).To(Equal("name"))
			Expect(fs[0].Message + fs[0].Detail).NotTo(ContainSubstring("compil"))
		})
	})

	Describe("integers beyond int64", func() {
		It("are accepted for type: integer without format", func() {
			op, _ := spec.Operation("GET /nodes")
			Expect(spec.ValidateRequest(compileReq("GET", "/nodes?limit=-83948104115248521389309102675093407382", ""), op)).To(BeEmpty())
			Expect(spec.ValidateRequest(compileReq("GET", "/nodes?limit=83948104115248521389309102675093407382", ""), op)).To(BeEmpty())
		})

		It("still meet the schema's bounds", func() {
			op, _ := spec.Operation("GET /nodes")
			fs := spec.ValidateRequest(compileReq("GET", "/nodes?limit=-839481041152485213893091026750934073820000000", ""), op)
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Name).To(Equal("limit"))
			Expect(fs[0].Message).To(ContainSubstring("out of bounds"))
			fs = spec.ValidateRequest(compileReq("GET", "/nodes?small=83948104115248521389309102675093407382", ""), op)
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Name).To(Equal("small"))
		})

		It("do not hide values that are not integers", func() {
			op, _ := spec.Operation("GET /nodes")
			fs := spec.ValidateRequest(compileReq("GET", "/nodes?limit=1.5e99", ""), op)
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Message).To(ContainSubstring("not a valid integer"))
		})
	})
})
