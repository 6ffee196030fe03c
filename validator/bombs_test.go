package validator_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/internal/bombtest"
	"github.com/mockd/mockd/validator"
)

// Issue 9: a 1.6 MB cassette of gzip bombs made `contract check` use
// 7.95 GB. The same path as cmd/contract (ReadTrafficConcurrent feeding
// Checker.Run) must stay bounded and report every bomb.
var _ = Describe("contract check of a cassette of gzip bombs", func() {
	It("stays under 300 MiB of heap and reports each bomb as an encoding finding", func() {
		const n = 20
		bomb, err := bombtest.GzipZeros(64 << 20)
		Expect(err).NotTo(HaveOccurred())
		data, err := bombtest.Cassette(bombtest.Interactions(n, "http://localhost:8080/v1/books/%d", bomb))
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "bombs.yaml")
		Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
		bomb, data = nil, nil

		spec, err := validator.Load(contractSpec)
		Expect(err).NotTo(HaveOccurred())
		checker, err := validator.NewChecker(spec, validator.CheckConfig{})
		Expect(err).NotTo(HaveOccurred())
		var result *validator.Result
		var runErr error
		use := bombtest.Measure(func() {
			result, runErr = checker.Run(context.Background(), func(ctx context.Context, emit func(*validator.Interaction) error) error {
				return validator.ReadTrafficConcurrent(ctx, []string{path}, 2, emit)
			}, validator.RunOptions{Workers: 2})
		})
		GinkgoWriter.Printf("contract check of %d gzip bombs: %s\n", n, use)
		Expect(runErr).NotTo(HaveOccurred())
		Expect(result.Interactions).To(Equal(n))
		Expect(use.PeakHeap).To(BeNumerically("<", 300<<20), use.String())

		bombs := 0
		for _, g := range result.Groups {
			if g.Finding.Check == validator.CheckResponseEncoding {
				Expect(g.Finding.Severity).To(Equal(validator.SeverityError))
				Expect(g.Finding.Detail).To(Or(ContainSubstring("ratio"), ContainSubstring("budget"), ContainSubstring("limit")))
				bombs += g.Count
				GinkgoWriter.Printf("%d× %s\n", g.Count, g.Finding.Detail)
			}
		}
		Expect(bombs).To(Equal(n), "every bomb is reported, none passes silently")
	})
})
