package probe_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/contract/probe"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// testProvider plans the spec at path (3 generated requests per operation,
// seed 1, invalid ones too) and runs it against base.
func testProvider(path, base string) (*probe.Plan, *contract.Result) {
	GinkgoHelper()
	spec, err := validator.Load(path, validator.WithFormatAssertions())
	Expect(err).NotTo(HaveOccurred())
	checker, err := contract.NewChecker(spec, contract.CheckConfig{})
	Expect(err).NotTo(HaveOccurred())
	plan, err := probe.NewPlan(spec, probe.PlanOptions{MaxExamples: 3, Seed: 1})
	Expect(err).NotTo(HaveOccurred())
	res, err := probe.Run(context.Background(), plan, probe.Config{Checker: checker, BaseURL: base, Concurrency: 2})
	Expect(err).NotTo(HaveOccurred())
	return plan, res
}

// describe lists a result's error and warning groups, for failure messages.
func describe(res *contract.Result) string {
	var b strings.Builder
	for _, g := range res.Groups {
		if g.Finding.Severity == validator.SeverityInfo {
			continue
		}
		fmt.Fprintf(&b, "%s %s %s: %s (%s)\n  %s\n", g.Finding.Severity, g.Finding.Check, g.Finding.OperationID, g.Finding.Message, g.Finding.Detail, g.Finding.Reproduce)
	}
	return b.String()
}

var _ = Describe("contract test against mockd", func() {
	DescribeTable("every fixture spec: mockd is a conforming provider (0 errors)",
		func(file string) {
			path := filepath.Join("..", "..", "fixtures", file)
			srv := mockserver.NewTest(GinkgoT(), mockserver.Spec(path), mockserver.Seed(3))
			plan, res := testProvider(path, srv.URL)
			Expect(plan.Cases).NotTo(BeEmpty())
			Expect(res.Errors).To(BeZero(), describe(res))
			Expect(res.Coverage.OperationsSeen).To(Equal(len(plan.Operations)), "every planned operation was exercised")
		},
		Entry("OpenAPI 3.0 bookstore", "bookstore.yaml"),
		Entry("OpenAPI 3.1 petstore", "petstore-3.1.yaml"),
		Entry("Swagger 2.0 petstore", "petstore-2.0.yaml"),
		Entry("external and circular refs", "refs/library.yaml"),
		Entry("contract fixture api", "contract/api.yaml"),
		Entry("Datadog IP allowlist", "contract/real/datadog/ip-allowlist.openapi.yaml"),
		Entry("Linode account settings", "contract/real/linode/account-settings.openapi.yaml"),
	)
})
