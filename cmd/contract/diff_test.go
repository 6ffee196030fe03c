package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const petsSpec = "contract/diff/testdata/pets.yaml"

// editedPets writes pets.yaml with one edit into a temporary folder.
func editedPets(from, to string) string {
	data, err := os.ReadFile(petsSpec)
	Expect(err).NotTo(HaveOccurred())
	Expect(string(data)).To(ContainSubstring(from))
	path := filepath.Join(GinkgoT().TempDir(), "pets.yaml")
	Expect(os.WriteFile(path, []byte(strings.Replace(string(data), from, to, 1)), 0o644)).To(Succeed())
	return path
}

var _ = Describe("contract diff", func() {
	It("exits 0 with no findings on identical specs", func() {
		code, out, errOut := runContract("diff", petsSpec, petsSpec)
		Expect(code).To(Equal(exitOK), errOut)
		Expect(out).To(ContainSubstring("0 breaking for clients, 0 breaking for callers, 0 non-breaking"))
	})

	It("exits 1 on a breaking change and names it with both locations", func() {
		next := editedPets("enum: [available, sold]", "enum: [available]")
		code, out, _ := runContract("diff", petsSpec, next)
		Expect(code).To(Equal(exitViolation))
		Expect(out).To(ContainSubstring("breaking-for-clients:\n  response-enum-value-removed  GET /pets, POST /pets, GET /pets/{id}"))
		Expect(out).To(ContainSubstring(`enum value "sold" removed (#/components/schemas/Pet: status)`))
		Expect(out).To(ContainSubstring("old " + petsSpec + ":"))
	})

	It("passes a non-breaking change unless --fail-on any", func() {
		next := editedPets("description: the pets", "description: all the pets")
		code, out, _ := runContract("diff", petsSpec, next)
		Expect(code).To(Equal(exitOK))
		Expect(out).To(ContainSubstring("non-breaking: documentation-changed 1"))
		code, _, _ = runContract("diff", "--fail-on", "any", petsSpec, next)
		Expect(code).To(Equal(exitViolation))
		next = editedPets("maxLength: 50", "maxLength: 5")
		code, _, _ = runContract("diff", next, "--fail-on", "none", petsSpec)
		Expect(code).To(Equal(exitOK))
	})

	It("writes JSON, Markdown and SARIF, to --output too", func() {
		next := editedPets("      required: [name]\n", "      required: [name, kind]\n")
		code, out, _ := runContract("diff", "--format", "json", petsSpec, next)
		Expect(code).To(Equal(exitViolation))
		var r struct {
			Findings []struct{ ID, Class string }
		}
		Expect(json.Unmarshal([]byte(out), &r)).To(Succeed())
		Expect(r.Findings).To(ConsistOf(struct{ ID, Class string }{"request-property-became-required", "breaking-for-callers"}))

		_, out, _ = runContract("diff", "--format", "markdown", petsSpec, next)
		Expect(out).To(ContainSubstring("| breaking-for-callers | `request-property-became-required` | POST /pets |"))

		file := filepath.Join(GinkgoT().TempDir(), "out", "diff.sarif")
		code, out, errOut := runContract("diff", "--format", "sarif", "--output", file, petsSpec, next)
		Expect(code).To(Equal(exitViolation))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(ContainSubstring("1 breaking for callers"))
		data, err := os.ReadFile(file)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`"ruleId": "request-property-became-required"`))
		Expect(string(data)).To(ContainSubstring(`"uri": "` + next))
	})

	It("exits 2 on bad input, naming the file", func() {
		broken := filepath.Join(GinkgoT().TempDir(), "broken.yaml")
		Expect(os.WriteFile(broken, []byte("openapi: 3.0.0\npaths: [\n"), 0o644)).To(Succeed())
		for args, want := range map[string]string{
			petsSpec + " " + broken:                  "contract: " + broken + ": not an OpenAPI 3.x or Swagger 2.0 document",
			petsSpec + " missing.yaml":               "contract: missing.yaml: read the spec",
			petsSpec + " nosuchref:pets.yaml":        `is "nosuchref" a branch, tag or commit`,
			petsSpec:                                 "needs two specs, OLD and NEW",
			"--fail-on sometimes " + petsSpec + " x": `--fail-on "sometimes": use breaking, any or none`,
			"--format xml " + petsSpec + " x":        `--format "xml": use text, json, markdown, sarif`,
		} {
			code, out, errOut := runContract(append([]string{"diff"}, strings.Fields(args)...)...)
			Expect(code).To(Equal(exitBadInput), args)
			Expect(out).To(BeEmpty())
			Expect(errOut).To(ContainSubstring(want), args)
		}
	})

	It("reads OLD from git as REF:PATH", func() {
		code, out, errOut := runContract("diff", "HEAD:"+petsSpec, petsSpec)
		if strings.Contains(errOut, "git is not installed") || strings.Contains(errOut, "not a git repository") {
			Skip("no git checkout here: " + errOut)
		}
		// 0, or 1 if the working copy has a breaking edit of the file.
		Expect(code).NotTo(Equal(exitBadInput), errOut)
		Expect(out).To(ContainSubstring("HEAD:" + petsSpec + " → " + petsSpec))
	})
})
