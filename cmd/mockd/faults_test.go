package main

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("mockd serve --faults", func() {
	It("refuses a bad fault file at start-up, naming each problem's line and column", func() {
		bad := filepath.Join(GinkgoT().TempDir(), "faults.yaml")
		Expect(os.WriteFile(bad, []byte("rules:\n  - name: x\n    rate: 1.5\n    fault: teleport\n"), 0o600)).To(Succeed())
		code, _, stderr := runOnce("serve", "--spec", bookstore, "--faults", bad, "--port", "0")
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring(bad + ":3:11: rate 1.5 is outside [0,1]"))
		Expect(stderr).To(ContainSubstring(bad + `:4:12: unknown fault "teleport"`))
	})

	It("serves faults from a good file and says so at start-up", func() {
		inst := startRun("--spec", bookstore, "--faults", "../../fixtures/faults/bookstore-chaos.yaml", "--port", "0", "--seed", "42")
		Expect(string(inst.out.Contents())).To(ContainSubstring("faults: ../../fixtures/faults/bookstore-chaos.yaml (3 rules, seed 42)"))
		status, h, _ := get(inst.base + "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f")
		Expect(status).To(Equal(200))
		Expect(h.Get("X-Mockd-Fault")).To(BeEmpty())
	})
})
