package swagger2

import (
	"bytes"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// harnessSpecs is where Prism's test harness cases live on the build machine.
const harnessSpecs = "/work/shared/prism-harness/test-harness/specs"

// loadV3 converts data and loads the result with libopenapi, failing the
// spec on any error.
func loadV3(data []byte, name string) (libopenapi.Document, *libopenapi.DocumentModel[v3high.Document], []string) {
	GinkgoHelper()
	out, warnings, err := Convert(data, name)
	Expect(err).NotTo(HaveOccurred())
	doc, err := libopenapi.NewDocument(out)
	Expect(err).NotTo(HaveOccurred())
	Expect(doc.GetSpecInfo().SpecType).To(Equal("openapi"))
	model, err := doc.BuildV3Model()
	Expect(err).NotTo(HaveOccurred(), "converted document:\n%s", out)
	Expect(model).NotTo(BeNil())
	return doc, model, warnings
}

var _ = Describe("the classic Swagger petstore", Ordered, func() {
	var (
		v     validator.Validator
		model *libopenapi.DocumentModel[v3high.Document]
	)
	BeforeAll(func() {
		data, err := os.ReadFile("testdata/petstore.yaml")
		Expect(err).NotTo(HaveOccurred())
		var doc libopenapi.Document
		var warnings []string
		doc, model, warnings = loadV3(data, "petstore.yaml")
		Expect(warnings).To(BeEmpty())
		var errs []error
		v, errs = validator.NewValidator(doc)
		Expect(errs).To(BeEmpty())
	})

	It("keeps every path and operation in source order", func() {
		var paths []string
		for p := range model.Model.Paths.PathItems.KeysFromOldest() {
			paths = append(paths, p)
		}
		Expect(paths).To(HaveLen(14))
		Expect(paths[0]).To(Equal("/pet/{petId}/uploadImage"))
		Expect(paths[len(paths)-1]).To(Equal("/user"))
		Expect(model.Model.Servers).To(HaveLen(2))
		Expect(model.Model.Servers[0].URL).To(Equal("https://petstore.swagger.io/v2"))
		Expect(model.Model.Components.SecuritySchemes.GetOrZero("petstore_auth").Flows.Implicit.AuthorizationUrl).
			To(Equal("https://petstore.swagger.io/oauth/authorize"))
	})

	It("accepts a valid request and rejects a bad body", func() {
		good := httptest.NewRequest(http.MethodPost, "https://petstore.swagger.io/v2/pet",
			strings.NewReader(`{"name":"doggie","photoUrls":["x"],"status":"available"}`))
		good.Header.Set("Content-Type", "application/json")
		ok, errs := v.ValidateHttpRequestSync(good)
		Expect(errs).To(BeEmpty())
		Expect(ok).To(BeTrue())

		bad := httptest.NewRequest(http.MethodPost, "https://petstore.swagger.io/v2/pet",
			strings.NewReader(`{"photoUrls":"not-a-list","status":"lost"}`))
		bad.Header.Set("Content-Type", "application/json")
		ok, errs = v.ValidateHttpRequestSync(bad)
		Expect(ok).To(BeFalse())
		Expect(errs).NotTo(BeEmpty())
	})

	It("validates query arrays (multi) and path parameter types", func() {
		req := httptest.NewRequest(http.MethodGet, "https://petstore.swagger.io/v2/pet/findByStatus?status=available&status=sold", nil)
		ok, errs := v.ValidateHttpRequestSync(req)
		Expect(errs).To(BeEmpty())
		Expect(ok).To(BeTrue())

		req = httptest.NewRequest(http.MethodGet, "https://petstore.swagger.io/v2/pet/findByStatus?status=gone", nil)
		ok, _ = v.ValidateHttpRequestSync(req)
		Expect(ok).To(BeFalse())

		req = httptest.NewRequest(http.MethodGet, "https://petstore.swagger.io/v2/pet/abc", nil)
		req.Header.Set("api_key", "special-key")
		ok, _ = v.ValidateHttpRequestSync(req)
		Expect(ok).To(BeFalse())
	})

	It("validates a form body", func() {
		req := httptest.NewRequest(http.MethodPost, "https://petstore.swagger.io/v2/pet/7",
			strings.NewReader("name=rex&status=sold"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		ok, errs := v.ValidateHttpRequestSync(req)
		Expect(errs).To(BeEmpty())
		Expect(ok).To(BeTrue())
	})
})

// harnessSpec returns the ====spec==== section of a harness case file (the
// text up to the next marker), as tools/prismharness/casefile.go reads it.
func harnessSpec(data string) (string, bool) {
	// A marker is a ====name==== line, as in tools/prismharness/casefile.go.
	section := regexp.MustCompile(`(?m)^====([A-Za-z][A-Za-z-]*)====[ \t]*\r?$\n?`)
	locs := section.FindAllStringSubmatchIndex(data, -1)
	for i, loc := range locs {
		if strings.ToLower(data[loc[2]:loc[3]]) != "spec" {
			continue
		}
		end := len(data)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		return data[loc[1]:end], true
	}
	return "", false
}

var _ = Describe("Prism's test-harness Swagger 2.0 specs", func() {
	It("converts every *.oas2.txt spec into a document libopenapi loads and validates", func() {
		if _, err := os.Stat(harnessSpecs); errors.Is(err, fs.ErrNotExist) {
			Skip("no Prism harness at " + harnessSpecs)
		}
		var files []string
		Expect(filepath.WalkDir(harnessSpecs, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".oas2.txt") {
				files = append(files, path)
			}
			return err
		})).To(Succeed())
		Expect(files).NotTo(BeEmpty())
		notV2 := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			spec, ok := harnessSpec(string(data))
			Expect(ok).To(BeTrue(), "%s has no ====spec==== section", f)
			if !IsSwagger2([]byte(spec)) {
				// A few cases named .oas2 hold a 3.x spec: Convert must refuse them.
				_, _, err := Convert([]byte(spec), filepath.Base(f))
				Expect(err).To(MatchError(ContainSubstring("not Swagger 2.0")), f)
				notV2++
				continue
			}
			out, _, err := Convert([]byte(spec), filepath.Base(f))
			Expect(err).NotTo(HaveOccurred(), f)
			doc, err := libopenapi.NewDocument(out)
			Expect(err).NotTo(HaveOccurred(), f)
			_, err = doc.BuildV3Model()
			Expect(err).NotTo(HaveOccurred(), "%s converted to:\n%s", f, out)
			_, errs := validator.NewValidator(doc)
			Expect(errs).To(BeEmpty(), "%s converted to:\n%s", f, out)
			Expect(bytes.HasPrefix(out, []byte("{\n  \"openapi\": \"3.0.3\""))).To(BeTrue(), f)
		}
		Expect(notV2).To(BeNumerically("<", len(files)/10), "most harness .oas2 files are Swagger 2.0")
		GinkgoWriter.Printf("converted %d harness specs, %d were not Swagger 2.0\n", len(files)-notV2, notV2)
	})
})
