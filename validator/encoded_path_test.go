package validator_test

import (
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("Routing on the escaped path", func() {
	DescribeTable("a percent-encoded '/' or ':' stays inside its path parameter",
		func(target, wantPath string) {
			spec, err := validator.Load("testdata/encoded-path.yaml")
			Expect(err).NotTo(HaveOccurred())
			req := httptest.NewRequest(http.MethodGet, target, nil)
			op, err := spec.Router().Find(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(op.Path).To(Equal(wantPath))
			Expect(spec.ValidateRequest(req, op)).To(BeEmpty())
		},
		Entry("an ARN with %2F and %3A", "/tags/arn%3Aaws%3Asns%3Aus-east-1%3A123%3Atopic%2Fx", "/tags/{resourceArn}"),
		Entry("an ARN with a raw ':'", "/tags/arn:aws:sns:us-east-1:123:topic", "/tags/{resourceArn}"),
		Entry("a literal segment that needs escaping", "/caf%C3%A9/1", "/café/{id}"),
		Entry("an OData key with its quotes and brackets as sent", "/docs('1')", "/docs('{key}')"),
		Entry("an OData key with its quotes and brackets escaped", "/docs%28%271%27%29", "/docs('{key}')"),
	)
})
