package validator_test

import (
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("Form bodies", func() {
	DescribeTable("array fields are split as their encoding says",
		func(body string, valid bool) {
			spec, err := validator.Parse([]byte(formSpec))
			Expect(err).NotTo(HaveOccurred())
			op, _ := spec.Operation("POST /form")
			req := httptest.NewRequest("POST", "/form", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if valid {
				Expect(spec.ValidateRequest(req, op)).To(BeEmpty())
			} else {
				Expect(spec.ValidateRequest(req, op)).NotTo(BeEmpty())
			}
		},
		Entry("comma-separated (explode false)", "csv=a,b,c", true),
		Entry("pipe-delimited integers", "pipes=1|2|3", true),
		Entry("a pipe-delimited item that is not an integer", "pipes=1|x", false),
		Entry("repeated keys (explode true)", "multi=a&multi=b", true),
		Entry("one exploded value", "multi=a", true),
		Entry("a ';' inside a value (the URL standard splits on '&' only)", "name=a;b", true),
		Entry("reserved characters sent unescaped, as curl --data sends them", "name=:/?#[]@!$&'()*+,;", true),
		Entry("an integer field typed from its text", "count=3", true),
		Entry("an integer field that is not a number", "count=three", false),
		Entry("a broken percent escape", "name=%zz", false),
	)
})

const formSpec = `openapi: 3.0.3
info: {title: forms, version: "1"}
paths:
  /form:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                csv: {type: array, items: {type: string}}
                pipes: {type: array, items: {type: integer}}
                multi: {type: array, items: {type: string}}
                name: {type: string}
                count: {type: integer}
            encoding:
              csv: {style: form, explode: false}
              pipes: {style: pipeDelimited, explode: false}
      responses:
        '204': {description: ok}
`
