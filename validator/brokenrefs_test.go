package validator_test

import (
	"errors"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/validator"
)

var _ = Describe("Specs with broken $refs", func() {
	const file = "../fixtures/broken-refs/api.yaml"

	It("fail to load, naming file:line:col of each broken reference", func() {
		_, err := validator.Load(file)
		Expect(err).To(HaveOccurred())
		var broken *validator.BrokenRefsError
		Expect(errors.As(err, &broken)).To(BeTrue(), err.Error())
		var places []string
		for _, r := range broken.Refs {
			places = append(places, r.String())
		}
		Expect(places).To(Equal([]string{
			"../fixtures/broken-refs/api.yaml:23:30: $ref '#/components/schemas/Missing': nothing at #/components/schemas/Missing in this file: add it, or correct the pointer",
			"../fixtures/broken-refs/api.yaml:32:30: $ref './schemas/nofile.yaml#/Thing': file ./schemas/nofile.yaml not found: create it, or correct the path (relative to " + absDir("../fixtures/broken-refs") + ")",
			"../fixtures/broken-refs/api.yaml:66:23: $ref '#/components/schemas/AlsoMissing': nothing at #/components/schemas/AlsoMissing in this file: add it, or correct the pointer",
			"../fixtures/broken-refs/schemas/thing.yaml:4:18: $ref '#/Nowhere': nothing at #/Nowhere in this file: add it, or correct the pointer",
		}))
		Expect(err.Error()).To(HavePrefix("load spec ../fixtures/broken-refs/api.yaml: 4 broken $ref(s): fix each one\n"))
		Expect(err.Error()).NotTo(ContainSubstring("lenient"), "the library names no program's flag")
		broken.Alternative = "start with --lenient to serve the operations that do not use them"
		Expect(err.Error()).To(HavePrefix("load spec ../fixtures/broken-refs/api.yaml: 4 broken $ref(s): fix each one (or start with --lenient to serve the operations that do not use them)\n"))
	})

	It("load with WithLenient: the operations that use one are disabled and listed, the rest served", func() {
		spec, err := validator.Load(file, validator.WithLenient())
		Expect(err).NotTo(HaveOccurred())
		var ids []string
		for _, op := range spec.Operations {
			ids = append(ids, op.ID)
		}
		Expect(ids).To(ConsistOf("getOk", "getThroughComponent"))
		var disabled []string
		for _, d := range spec.Disabled {
			disabled = append(disabled, d.Method+" "+d.Path)
		}
		Expect(disabled).To(Equal([]string{"GET /missing-local", "GET /missing-file", "POST /through-component", "GET /in-external-file"}))
		Expect(spec.Disabled[2].String()).To(Equal("POST /through-component (uses ../fixtures/broken-refs/api.yaml:66:23 $ref '#/components/schemas/AlsoMissing')"))
	})

	It("leave specs whose references all resolve untouched", func() {
		spec, err := validator.Load("../fixtures/refs/library.yaml", validator.WithLenient())
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Disabled).To(BeEmpty())
		Expect(spec.Operations).To(HaveLen(2))
	})
})

func absDir(dir string) string {
	GinkgoHelper()
	abs, err := filepath.Abs(dir)
	Expect(err).NotTo(HaveOccurred())
	return abs
}
