package probe_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

var _ = Describe("contract test of operations told apart by a '#' selector", func() {
	It("leaves the selecting parameter alone and passes against mockd", func() {
		srv := mockserver.NewTest(GinkgoT(), mockserver.Spec("testdata/selectors.yaml"), mockserver.Seed(1))
		plan, res := testProvider("testdata/selectors.yaml", srv.URL)
		var notes []string
		for _, c := range plan.Cases {
			if !c.Valid && c.Op.ID == "tagResource" {
				notes = append(notes, string(c.Kind)+": "+c.Note)
			}
		}
		Expect(notes).NotTo(ContainElement(ContainSubstring("parameter operation")), strings.Join(notes, "\n"))
		Expect(notes).To(ContainElement(ContainSubstring("header parameter x-bearer left out")))
		Expect(res.Errors).To(BeZero(), describe(res))
	})
})
