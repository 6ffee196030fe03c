package validator_test

import (
	"errors"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("Router", func() {
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Parse([]byte(routes))
		Expect(err).NotTo(HaveOccurred())
	})

	DescribeTable("finds the operation",
		func(method, target string, header []string, wantID string) {
			req := httptest.NewRequest(method, target, nil)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			op, err := spec.Router().Find(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(op.ID).To(Equal(wantID))
		},
		Entry("a literal path beats a template", "GET", "/v2/items/new", nil, "newItem"),
		Entry("a template", "GET", "/v2/items/42", nil, "getItem"),
		Entry("without the base path", "GET", "/items/42", nil, "getItem"),
		Entry("a custom method suffix beats the bare template", "POST", "/items/42:cancel", nil, "cancelItem"),
		Entry("an empty segment still reaches the operation", "GET", "/items/", nil, "getItem"),
		Entry("a header selector", "POST", "/", []string{"X-Amz-Target", "Svc.Create"}, "create"),
		Entry("a query selector", "POST", "/?Action=Delete", nil, "delete"),
		Entry("the first name=value part of a multi-part selector", "GET", "/channels/c?scope=membership&user-arn=u", nil, "describeMembership"),
		Entry("a bare name in a selector selects nothing", "GET", "/channels/c", nil, "describeChannel"),
	)

	It("reports the allowed methods of a matched path", func() {
		_, err := spec.Router().Find(httptest.NewRequest("DELETE", "/items/42", nil))
		var mna *validator.MethodNotAllowedError
		Expect(errors.As(err, &mna)).To(BeTrue())
		Expect(mna.Allow).To(Equal([]string{"GET"}))
	})

	It("answers 405 from the more literal path rather than falling through to a template", func() {
		_, err := spec.Router().Find(httptest.NewRequest("PATCH", "/repos/o/r/pulls/comments", nil))
		var mna *validator.MethodNotAllowedError
		Expect(errors.As(err, &mna)).To(BeTrue(), "got %v", err)
		Expect(mna.Allow).To(Equal([]string{"GET"}))
		Expect(mna.Pattern).To(Equal("/repos/{owner}/{repo}/pulls/comments"))

		op, err := spec.Router().Find(httptest.NewRequest("PATCH", "/repos/o/r/pulls/7", nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(op.ID).To(Equal("updatePull"))
		op, err = spec.Router().Find(httptest.NewRequest("GET", "/repos/o/r/pulls/comments", nil))
		Expect(err).NotTo(HaveOccurred())
		Expect(op.ID).To(Equal("listComments"))
	})

	It("reports an unknown path", func() {
		_, err := spec.Router().Find(httptest.NewRequest("GET", "/nope", nil))
		Expect(err).To(MatchError(validator.ErrNoPath))
	})
})

const routes = `openapi: 3.0.3
info: {title: routes, version: "1"}
servers: [{url: "https://api.example.com/v2"}]
paths:
  /items/{id}:
    get: {operationId: getItem, responses: {'200': {description: ok}}}
  /items/new:
    get: {operationId: newItem, responses: {'200': {description: ok}}}
  /items/{id}:cancel:
    post: {operationId: cancelItem, responses: {'200': {description: ok}}}
  /#X-Amz-Target=Svc.Create:
    post: {operationId: create, responses: {'200': {description: ok}}}
  /repos/{owner}/{repo}/pulls/comments:
    get: {operationId: listComments, responses: {'200': {description: ok}}}
  /repos/{owner}/{repo}/pulls/{pull_number}:
    patch: {operationId: updatePull, responses: {'200': {description: ok}}}
  /#Action=Delete:
    post: {operationId: delete, responses: {'200': {description: ok}}}
  /channels/{channelArn}#x-amz-chime-bearer:
    get: {operationId: describeChannel, responses: {'200': {description: ok}}}
  /channels/{channelArn}#scope=membership&user-arn&x-amz-chime-bearer:
    get: {operationId: describeMembership, responses: {'200': {description: ok}}}
`
