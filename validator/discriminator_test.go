package validator_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("oneOf branches that overlap, settled by a discriminator", func() {
	var spec *validator.Spec
	var op *validator.Operation
	BeforeEach(func() {
		var err error
		spec, err = validator.Load("testdata/discriminated-allof.yaml")
		Expect(err).NotTo(HaveOccurred())
		op, _ = spec.Operation("createRule")
		Expect(op).NotTo(BeNil())
	})
	post := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/rules", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}

	It("accepts a request whose discriminator selects a branch it matches", func() {
		Expect(spec.ValidateRequest(post(`{"type":"allow","account":"a1"}`), op)).To(BeEmpty())
		Expect(spec.ValidateRequest(post(`{"type":"deny","account":"a1"}`), op)).To(BeEmpty())
	})

	It("still rejects a request that matches no branch", func() {
		Expect(spec.ValidateRequest(post(`{"type":"allow"}`), op)).NotTo(BeEmpty())
	})

	It("accepts a response the same way", func() {
		req := post(`{"type":"allow","account":"a1"}`)
		resp := &http.Response{StatusCode: 201, Header: http.Header{"Content-Type": {"application/json"}},
			Body: httpBody(`{"type":"deny","account":"a2"}`)}
		Expect(spec.ValidateResponse(req, resp, op)).To(BeEmpty())
	})
})

func httpBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
