package validator_test

import (
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("Media types declared with parameters or in other letter case", func() {
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Load("testdata/real-shapes.yaml")
		Expect(err).NotTo(HaveOccurred())
	})
	exchange := func(method, path, reqType, reqBody string, status int, respType, respBody string) []validator.Finding {
		req := httptest.NewRequest(method, path, strings.NewReader(reqBody))
		if reqType != "" {
			req.Header.Set("Content-Type", reqType)
		}
		op, err := spec.Router().Find(req)
		Expect(err).NotTo(HaveOccurred())
		findings := spec.ValidateRequest(req, op)
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {respType}}, Body: ioNop(respBody), Request: req}
		return append(findings, spec.ValidateResponse(req, resp, op)...)
	}
	messages := func(fs []validator.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Message)
		}
		return out
	}

	DescribeTable("are looked up by type and parameters, and the body is checked against that entry's schema",
		func(reqType string, respType, respBody string, wantProblem string) {
			got := messages(exchange("POST", "/roles", reqType, `{"name":"a"}`, 201, respType, respBody))
			if wantProblem == "" {
				Expect(got).To(BeEmpty())
			} else {
				Expect(got).To(ContainElement(ContainSubstring(wantProblem)))
			}
		},
		Entry("the declared type and parameters", "application/json; version=2.4.13", "application/json; version=1", `{"id":1}`, ""),
		Entry("the second declared version picks its own schema", "application/json; version=2.4.13", "application/json; version=2", `{"id":"a"}`, ""),
		Entry("a body that breaks the chosen version's schema", "application/json; version=2.4.13", "application/json; version=2", `{"id":1}`, "failed to validate"),
		Entry("the bare type is checked against the first entry of that type", "application/json", "application/json", `{"id":1}`, ""),
		Entry("a type the operation does not declare", "application/json", "text/plain", `hi`, "content type 'text/plain' does not exist"),
	)

	It("finds a request body schema violation under a parameterised type", func() {
		got := messages(exchange("POST", "/roles", "application/json; version=2.4.13", `{"nom":"a"}`, 201, "application/json; version=1", `{"id":1}`))
		Expect(got).To(ContainElement(ContainSubstring("request body")))
	})

	It("takes any status under a default without content as declared", func() {
		for _, status := range []int{204, 401, 500} {
			req := httptest.NewRequest("DELETE", "/anything", nil)
			op, err := spec.Router().Find(req)
			Expect(err).NotTo(HaveOccurred())
			resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody, Request: req}
			Expect(spec.ValidateResponse(req, resp, op)).To(BeEmpty(), "status %d", status)
		}
	})

	It("matches a declared type in other letter case", func() {
		Expect(exchange("GET", "/upper", "", "", 200, "application/json", `[1,2]`)).To(BeEmpty())
		Expect(messages(exchange("GET", "/upper", "", "", 200, "application/json", `["x"]`))).To(ContainElement(ContainSubstring("failed to validate")))
	})
})
