package contract_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/internal/bombtest"
	"github.com/mockd/mockd/internal/content"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

var _ = Describe("contract check of bodies it cannot decode", func() {
	var checker *contract.Checker
	BeforeEach(func() {
		spec, err := validator.Load(contractSpec)
		Expect(err).NotTo(HaveOccurred())
		checker, err = contract.NewChecker(spec, contract.CheckConfig{})
		Expect(err).NotTo(HaveOccurred())
	})
	check := func(coding string, body []byte) []contract.Finding {
		it := &cassette.Interaction{
			Request: cassette.Request{Method: "GET", URL: "http://localhost:8080/v1/books/1", Headers: http.Header{}},
			Response: cassette.Response{Code: 200, Body: string(body), Headers: http.Header{
				"Content-Type": {"application/json"}, "Content-Encoding": {coding}}},
		}
		ix, err := recorder.FromCassette(it, recorder.Source{File: "enc.yaml"})
		Expect(err).NotTo(HaveOccurred())
		return checker.Check(ix).Findings
	}
	encodingFinding := func(fs []contract.Finding) *contract.Finding {
		for i := range fs {
			if fs[i].Check == contract.CheckResponseEncoding {
				return &fs[i]
			}
		}
		return nil
	}

	It("decodes br and zstd bodies and checks their schema", func() {
		for _, coding := range []string{"br", "zstd"} {
			enc, err := content.Encode(coding, []byte(`{"title":"x","price":"not a number"}`))
			Expect(err).NotTo(HaveOccurred())
			fs := check(coding, enc)
			Expect(encodingFinding(fs)).To(BeNil(), coding)
			Expect(fs).To(ContainElement(HaveField("Check", validator.CheckResponseBody)), coding)
		}
	})
	It("reports an unsupported or corrupt encoding as an error finding instead of passing", func() {
		for coding, body := range map[string]string{"compress": `{"title":"x"}`, "zstd": "not zstd at all", "gzip": "not gzip"} {
			f := encodingFinding(check(coding, []byte(body)))
			Expect(f).NotTo(BeNil(), coding)
			Expect(f.Severity).To(Equal(validator.SeverityError))
			Expect(f.Detail).To(ContainSubstring("Content-Encoding"))
		}
	})
	It("reports a gzip bomb as over the inflation limits", func() {
		// 16 MiB of zeros, ~1000× (compressing 64 MiB took 13 s under -race).
		bomb, err := bombtest.GzipZeros(16 << 20)
		Expect(err).NotTo(HaveOccurred())
		f := encodingFinding(check("gzip", bomb))
		Expect(f).NotTo(BeNil())
		Expect(f.Detail).To(ContainSubstring("ratio"))
	})
})
