package contract_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/internal/bombtest"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// Regression: a 1.6 MB cassette of gzip bombs once made `contract check` use
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
		checker, err := contract.NewChecker(spec, contract.CheckConfig{})
		Expect(err).NotTo(HaveOccurred())
		var result *contract.Result
		var runErr error
		use := bombtest.Measure(func() {
			result, runErr = checker.Run(context.Background(), func(ctx context.Context, emit func(*recorder.Interaction) error) error {
				return recorder.ReadTrafficConcurrent(ctx, []string{path}, 2, emit)
			}, contract.RunOptions{Workers: 2})
		})
		GinkgoWriter.Printf("contract check of %d gzip bombs: %s\n", n, use)
		Expect(runErr).NotTo(HaveOccurred())
		Expect(result.Interactions).To(Equal(n))
		Expect(use.PeakHeap).To(BeNumerically("<", 300<<20), use.String())

		bombs := 0
		for _, g := range result.Groups {
			if g.Finding.Check == contract.CheckResponseEncoding {
				Expect(g.Finding.Severity).To(Equal(validator.SeverityError))
				Expect(g.Finding.Detail).To(Or(ContainSubstring("ratio"), ContainSubstring("budget"), ContainSubstring("limit")))
				bombs += g.Count
				GinkgoWriter.Printf("%d× %s\n", g.Count, g.Finding.Detail)
			}
		}
		Expect(bombs).To(Equal(n), "every bomb is reported, none passes silently")
	})
})

var _ = Describe("contract check past the per-body and per-run inflation limits", func() {
	It("reports a body over the per-body limit, and bombs past the run's inflation budget, as findings", func() {
		big, err := bombtest.GzipSparse(40<<20, 500) // ~150×: passes the ratio, not the 32 MiB per-body limit
		Expect(err).NotTo(HaveOccurred())
		// Each bomb charges the run ~12.4 MiB (its ratio ceiling) before it
		// is refused; 25 of them spend the 256 MiB budget.
		bomb, err := bombtest.GzipZeros(64 << 20)
		Expect(err).NotTo(HaveOccurred())
		its := append(bombtest.Interactions(1, "http://localhost:8080/v1/books/big", big),
			bombtest.Interactions(25, "http://localhost:8080/v1/books/%d", bomb)...)
		data, err := bombtest.Cassette(its)
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "large.yaml")
		Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
		big, bomb, data, its = nil, nil, nil, nil

		spec, err := validator.Load(contractSpec)
		Expect(err).NotTo(HaveOccurred())
		checker, err := contract.NewChecker(spec, contract.CheckConfig{})
		Expect(err).NotTo(HaveOccurred())
		var result *contract.Result
		var runErr error
		use := bombtest.Measure(func() {
			result, runErr = checker.Run(context.Background(), func(ctx context.Context, emit func(*recorder.Interaction) error) error {
				return recorder.ReadTrafficConcurrent(ctx, []string{path}, 2, emit)
			}, contract.RunOptions{Workers: 2})
		})
		GinkgoWriter.Printf("contract check of a 40 MiB body and 25 gzip bombs: %s\n", use)
		Expect(runErr).NotTo(HaveOccurred())
		Expect(use.PeakHeap).To(BeNumerically("<", 300<<20), use.String())
		tooLarge, ratio, budget := 0, 0, 0
		for _, g := range result.Groups {
			if g.Finding.Check != contract.CheckResponseEncoding {
				continue
			}
			GinkgoWriter.Printf("%d× %s\n", g.Count, g.Finding.Detail)
			switch {
			case strings.Contains(g.Finding.Detail, "per-body limit"):
				tooLarge += g.Count
			case strings.Contains(g.Finding.Detail, "ratio"):
				ratio += g.Count
			case strings.Contains(g.Finding.Detail, "budget"):
				budget += g.Count
			}
		}
		Expect(tooLarge).To(Equal(1), "the 40 MiB body is over the 32 MiB per-body limit")
		Expect(budget).To(BeNumerically(">=", 1), "25 bombs spend the 256 MiB budget of the run")
		Expect(tooLarge+ratio+budget).To(Equal(26), "every body is reported")
	})
})
