package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

var _ = Describe("a oneOf of allOfs with a discriminator (ix-api.net's shape)", func() {
	It("accepts a valid request and answers with a generated body that conforms, not a 500", func() {
		spec, err := validator.Load("../validator/testdata/discriminated-allof.yaml")
		Expect(err).NotTo(HaveOccurred())
		op, _ := spec.Operation("createRule")
		srv, err := mockserver.New(mockserver.WithSpec(spec), mockserver.Seed(1))
		Expect(err).NotTo(HaveOccurred())
		for _, body := range []string{`{"type":"allow","account":"a1"}`, `{"type":"deny","account":"a1"}`} {
			req := httptest.NewRequest(http.MethodPost, "/rules", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			Expect(rec.Code).To(Equal(http.StatusCreated), rec.Body.String())
			Expect(spec.ValidateResponse(req, rec.Result(), op)).To(BeEmpty(), rec.Body.String())
		}
	})
})
