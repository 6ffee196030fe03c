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
// Checker.Run) must stay bounded and report every bomb. The bombs are 16 MiB
// each (320 MiB in all, over three times the heap allowed): each is still
// ~1000× and refused at its 200× ceiling (~3.3 MiB), so the run inflates a
// quarter of what 64 MiB bombs cost (under -race, 51 s with them).
var _ = Describe("contract check of a cassette of gzip bombs", func() {
	It("stays under 100 MiB of heap and reports each bomb as an encoding finding", func() {
		const n = 20
		bomb, err := bombtest.GzipZeros(16 << 20)
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
		Expect(use.PeakHeap).To(BeNumerically("<", 100<<20), use.String())

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

// The run's inflation budget is 256 MiB by default; spending it takes as
// much inflating (twice under -race: 81 s). The run here gets 64 MiB
// (TrafficOptions.InflationBudget), which the 40 MiB body (charged its 32
// MiB per-body limit) and ~10 of the 16 bombs (~3.3 MiB each) spend.
var _ = Describe("contract check past the per-body and per-run inflation limits", func() {
	It("reports a body over the per-body limit, and bombs past the run's inflation budget, as findings", func() {
		const bombs, budget = 16, 64 << 20
		big, err := bombtest.GzipSparse(40<<20, 500) // ~150×: passes the ratio, not the 32 MiB per-body limit
		Expect(err).NotTo(HaveOccurred())
		bomb, err := bombtest.GzipZeros(16 << 20)
		Expect(err).NotTo(HaveOccurred())
		its := append(bombtest.Interactions(1, "http://localhost:8080/v1/books/big", big),
			bombtest.Interactions(bombs, "http://localhost:8080/v1/books/%d", bomb)...)
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
				return recorder.ReadTrafficWith(ctx, []string{path}, recorder.TrafficOptions{Readers: 2, InflationBudget: budget}, emit)
			}, contract.RunOptions{Workers: 2})
		})
		GinkgoWriter.Printf("contract check of a 40 MiB body and %d gzip bombs: %s\n", bombs, use)
		Expect(runErr).NotTo(HaveOccurred())
		Expect(use.PeakHeap).To(BeNumerically("<", 300<<20), use.String())
		tooLarge, ratio, spent := 0, 0, 0
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
				spent += g.Count
			}
		}
		Expect(tooLarge).To(Equal(1), "the 40 MiB body is over the 32 MiB per-body limit")
		Expect(spent).To(BeNumerically(">=", 1), "the bombs spend the run's 64 MiB budget")
		Expect(tooLarge+ratio+spent).To(Equal(bombs+1), "every body is reported")
	})
})
