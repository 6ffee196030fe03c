package mockserver_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

// realShapes gathers, in small, the spec shapes behind the conformance
// failures of the second APIs-guru sample (MOCKD_CONFORMANCE_OFFSET=17).
const realShapes = "../validator/testdata/real-shapes.yaml"

var _ = Describe("Shapes from real specs", func() {
	// Errors(true) checks every served response against the spec and
	// answers 500 when it breaks it: each case below was a 422, a 404 or a
	// 500 before.
	var srv *mockserver.Server
	BeforeEach(func() { srv = newServer(mockserver.SpecFile(realShapes), mockserver.Errors(true)) })

	It("accepts and serves media types declared only with parameters", func() {
		resp := call(srv, "POST", "/roles", `{"name":"a"}`, "Content-Type", "application/json; version=2.4.13")
		body := bodyOf(resp)
		Expect(resp.StatusCode).To(Equal(http.StatusCreated), body)
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/json; version=1"))
		Expect(body).To(MatchJSON(`{"id":0}`))
	})

	It("generates the discriminator property a schema names but does not declare", func() {
		resp := call(srv, "GET", "/Names/n/$/GetProperty", "")
		body := bodyOf(resp)
		Expect(resp.StatusCode).To(Equal(http.StatusOK), body)
		Expect(body).To(MatchJSON(`{"Name":"string","Kind":"PropertyInfo"}`))
	})

	DescribeTable("routes an OData key path however the client escapes it",
		func(target string) {
			resp := call(srv, "GET", target, "")
			Expect(resp.StatusCode).To(Equal(http.StatusOK), bodyOf(resp))
		},
		Entry("as written", "/docs('42')"),
		Entry("escaped", "/docs%28%2742%27%29"),
	)

	It("serves and accepts XML whose types come through allOf", func() {
		resp := call(srv, "GET", "/meta", "")
		body := bodyOf(resp)
		Expect(resp.StatusCode).To(Equal(http.StatusOK), body)
		Expect(body).To(ContainSubstring("<ItemCount>0</ItemCount>"))
		resp = call(srv, "POST", "/meta", `<r><ItemCount>3</ItemCount><DomainName>a</DomainName><DomainName>b</DomainName></r>`, "Content-Type", "text/xml")
		Expect(resp.StatusCode).To(Equal(http.StatusNoContent), bodyOf(resp))
		resp = call(srv, "POST", "/meta", `<r><ItemCount>three</ItemCount></r>`, "Content-Type", "text/xml")
		Expect(resp.StatusCode).To(Equal(http.StatusUnprocessableEntity))
	})

	It("answers a response schema that contradicts itself with a 500 that names the schema and the fix", func() {
		resp := call(srv, "GET", "/batches", "")
		Expect(resp.StatusCode).To(Equal(http.StatusInternalServerError))
		p := problemOf(resp)
		Expect(p["type"]).To(Equal(mockserver.ProblemGenerationFailed))
		Expect(p["detail"]).To(And(ContainSubstring("#/components/schemas/link"), ContainSubstring(`property "href" is required but additionalProperties: false`)))
	})
})
