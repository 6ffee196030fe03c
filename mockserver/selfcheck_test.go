package mockserver_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// Every response mockd serves must pass mockd's own response validation:
// every operation of every spec in fixtures/, with examples and with
// generated bodies under several seeds.
var _ = Describe("Self-check over fixtures/", func() {
	DescribeTable("every operation's response validates against the spec",
		func(file string) {
			spec, err := validator.Load(filepath.Join("..", "fixtures", file), validator.WithFormatAssertions())
			Expect(err).NotTo(HaveOccurred())
			for _, dynamic := range []bool{false, true} {
				srv, err := mockserver.New(mockserver.WithSpec(spec), mockserver.Seed(99), mockserver.Dynamic(dynamic))
				Expect(err).NotTo(HaveOccurred())
				for _, op := range spec.Operations {
					for i := 0; i < 5; i++ {
						var rng *rand.Rand
						if i > 0 {
							rng = rand.New(rand.NewPCG(uint64(i), 7))
						}
						req, err := validRequest(op, rng)
						Expect(err).NotTo(HaveOccurred(), "%s: building a valid request", op.ID)
						Expect(spec.ValidateRequest(req, op)).To(BeEmpty(), "%s: the generated request is invalid", op.ID)
						rec := httptest.NewRecorder()
						srv.ServeHTTP(rec, req)
						resp := rec.Result()
						where := fmt.Sprintf("%s %s (%s, dynamic=%t, try %d): %s", op.Method, op.Path, file, dynamic, i, rec.Body.String())
						Expect(resp.StatusCode).To(BeNumerically("<", 300), where)
						Expect(spec.ValidateResponse(req, resp, op)).To(BeEmpty(), where)
					}
				}
			}
		},
		Entry("OpenAPI 3.0 bookstore", "bookstore.yaml"),
		Entry("OpenAPI 3.1 petstore", "petstore-3.1.yaml"),
		Entry("Swagger 2.0 petstore", "petstore-2.0.yaml"),
		Entry("external and circular refs", "refs/library.yaml"),
	)

	It("validates each served response with CheckResponses and flags violations", func() {
		srv, err := mockserver.New(mockserver.SpecBytes([]byte(minimal)), mockserver.CheckResponses(true), mockserver.Seed(1))
		Expect(err).NotTo(HaveOccurred())
		resp := call(srv, "GET", "/bad-example?__example=wrong", "")
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(resp.Header.Get("X-Mockd-Violations")).To(Equal("1"))
		resp = call(srv, "GET", "/bad-example", "")
		Expect(resp.Header.Get("X-Mockd-Violations")).To(BeEmpty())
	})
})
