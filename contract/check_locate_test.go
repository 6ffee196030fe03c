package contract_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/validator"
)

var _ = Describe("finding locations", func() {
	// The checker locates findings in the document the model was parsed
	// from, instead of parsing the spec's file a second time (a second and
	// a second tree on GitHub's spec); given text is parsed for its own
	// positions.
	It("reuses the model's parsed document and parses SpecSource on its own", func() {
		spec, err := validator.Load("../fixtures/bookstore.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Document()).NotTo(BeNil())

		c, err := contract.NewChecker(spec, contract.CheckConfig{})
		Expect(err).NotTo(HaveOccurred())
		Expect(contract.TreeRoot(c)).To(BeIdenticalTo(spec.Document()), "the checker parsed the spec again instead of using the model's document")
		line, col := contract.Locate(c, "/paths/~1books/get")
		Expect(line).To(BeNumerically(">", 0))
		Expect(col).To(BeNumerically(">", 0))

		given, err := contract.NewChecker(spec, contract.CheckConfig{SpecSource: []byte("openapi: 3.0.3\npaths: {}\n")})
		Expect(err).NotTo(HaveOccurred())
		Expect(contract.TreeRoot(given)).NotTo(BeNil())
		Expect(contract.TreeRoot(given)).NotTo(BeIdenticalTo(spec.Document()), "SpecSource was not parsed for its own positions")
	})
})
