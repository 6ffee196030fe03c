package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/contract/report"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// Golden files live in testdata/golden; CONTRACT_UPDATE_GOLDEN=1 rewrites them.
var goldenFiles = map[string]string{
	"text":     "violations.txt",
	"json":     "violations.json",
	"junit":    "violations.junit.xml",
	"sarif":    "violations.sarif.json",
	"markdown": "violations.md",
}

const (
	fixtureDir   = "../../fixtures/contract"
	contractSpec = fixtureDir + "/api.yaml"
)

// goldenResult checks the seeded violations and one clean HAR file.
func goldenResult() *contract.Result {
	spec, err := validator.Load(contractSpec)
	Expect(err).NotTo(HaveOccurred())
	checker, err := contract.NewChecker(spec, contract.CheckConfig{})
	Expect(err).NotTo(HaveOccurred())
	paths := []string{filepath.Join(fixtureDir, "violations"), filepath.Join(fixtureDir, "clean", "browser.har")}
	r, err := checker.Run(context.Background(), func(ctx context.Context, emit func(*recorder.Interaction) error) error {
		return recorder.ReadTraffic(ctx, paths, emit)
	}, contract.RunOptions{Workers: 2})
	Expect(err).NotTo(HaveOccurred())
	r.Evaluate(contract.Thresholds{MinCoverage: 90, RequireStatus: true})
	return r
}

func render(r *contract.Result, format string, opts report.Options) []byte {
	var b bytes.Buffer
	Expect(report.WriteReport(&b, format, r, opts)).To(Succeed())
	return b.Bytes()
}

var _ = Describe("contract reports", func() {
	var r *contract.Result
	BeforeEach(func() { r = goldenResult() })

	for _, format := range report.ReportFormats {
		It("renders "+format+" like its golden file", func() {
			got := render(r, format, report.Options{ToolVersion: "test"})
			path := filepath.Join("testdata", "golden", goldenFiles[format])
			if os.Getenv("CONTRACT_UPDATE_GOLDEN") == "1" {
				Expect(os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
				Expect(os.WriteFile(path, got, 0o644)).To(Succeed())
			}
			want, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred(), "run with CONTRACT_UPDATE_GOLDEN=1 to create %s", path)
			Expect(string(got)).To(Equal(string(want)))
			// Rendering is deterministic, whatever the worker interleaving.
			Expect(string(render(goldenResult(), format, report.Options{ToolVersion: "test"}))).To(Equal(string(got)))
		})
	}

	It("colours the text report only when asked", func() {
		Expect(string(render(r, "text", report.Options{Color: true}))).To(ContainSubstring("\x1b[31m"))
		Expect(string(render(r, "text", report.Options{}))).NotTo(ContainSubstring("\x1b["))
	})

	It("writes JSON with a version field and every finding's locations", func() {
		var doc map[string]any
		Expect(json.Unmarshal(render(r, "json", report.Options{}), &doc)).To(Succeed())
		Expect(doc["version"]).To(BeEquivalentTo(contract.ReportVersion))
		findings := doc["findings"].([]any)
		Expect(findings).NotTo(BeEmpty())
		f := findings[0].(map[string]any)["finding"].(map[string]any)
		Expect(f).To(HaveKey("specPointer"))
		Expect(f).To(HaveKey("severity"))
		Expect(doc["coverage"]).To(HaveKey("operations"))
	})

	It("writes SARIF that validates against the SARIF 2.1.0 JSON schema, located on the spec", func() {
		sch := compileSARIFSchema()
		out := render(r, "sarif", report.Options{ToolVersion: "test"})
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
		Expect(err).NotTo(HaveOccurred())
		Expect(sch.Validate(inst)).To(Succeed())
		var log struct {
			Runs []struct {
				Results []struct {
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
							Region           struct{ StartLine, StartColumn int }
						}
					}
				}
			}
		}
		Expect(json.Unmarshal(out, &log)).To(Succeed())
		Expect(log.Runs[0].Results).To(HaveLen(len(r.Groups)))
		for _, res := range log.Runs[0].Results {
			Expect(res.Locations).To(HaveLen(1))
			Expect(res.Locations[0].PhysicalLocation.ArtifactLocation.URI).To(Equal(contractSpec))
			Expect(res.Locations[0].PhysicalLocation.Region.StartLine).To(BeNumerically(">", 0))
		}
		// The schema check can fail: a SARIF log without its version does not validate.
		bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"runs":[]}`))
		Expect(sch.Validate(bad)).NotTo(Succeed())
	})

	It("writes JUnit XML that satisfies the Jenkins JUnit schema's structure", func() {
		rules := loadXSD(filepath.Join("testdata", "schemas", "junit-10.xsd"))
		out := render(r, "junit", report.Options{})
		Expect(rules.validate(out)).To(Succeed())
		Expect(string(out)).To(ContainSubstring(`<failure message=`))
		Expect(string(out)).To(ContainSubstring(`classname="contract.getBook"`))
		// The checker can fail: a testcase without a name is rejected.
		Expect(rules.validate([]byte(`<testsuites><testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>`))).NotTo(Succeed())
		Expect(rules.validate([]byte(`<testsuites><testsuite name="x" tests="1" failures="0" errors="0" time="soon"/></testsuites>`))).NotTo(Succeed())
	})
})

func compileSARIFSchema() *jsonschema.Schema {
	f, err := os.Open(filepath.Join("testdata", "schemas", "sarif-schema-2.1.0.json"))
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	Expect(err).NotTo(HaveOccurred())
	c := jsonschema.NewCompiler()
	const url = "https://example.com/sarif-schema-2.1.0.json"
	Expect(c.AddResource(url, doc)).To(Succeed())
	sch, err := c.Compile(url)
	Expect(err).NotTo(HaveOccurred())
	return sch
}

// xsdRules is the structure of a W3C XML Schema as far as JUnit reports
// need it: for each global element, its attributes (required or not, with
// pattern types) and the child elements it may contain. Go's standard
// library has no XSD validator, so this checks the vendored schema's
// required elements and attributes, the allowed children and attributes,
// and the attribute patterns, by reading the XSD itself.
type xsdRules struct {
	elements map[string]*xsdElement
	patterns map[string]*regexp.Regexp // simpleType name → pattern
}

type xsdElement struct {
	attrs    map[string]string // attribute → type
	required map[string]bool
	children map[string]bool
	textOnly bool
}

type xsdNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xsdNode  `xml:",any"`
}

func (n *xsdNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func loadXSD(path string) *xsdRules {
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var root xsdNode
	Expect(xml.Unmarshal(data, &root)).To(Succeed())
	rules := &xsdRules{elements: map[string]*xsdElement{}, patterns: map[string]*regexp.Regexp{}}
	for _, n := range root.Children {
		switch n.XMLName.Local {
		case "simpleType":
			var walk func(x xsdNode)
			walk = func(x xsdNode) {
				if x.XMLName.Local == "pattern" {
					rules.patterns[n.attr("name")] = regexp.MustCompile("^(?:" + x.attr("value") + ")$")
				}
				for _, c := range x.Children {
					walk(c)
				}
			}
			walk(n)
		case "element":
			el := &xsdElement{attrs: map[string]string{}, required: map[string]bool{}, children: map[string]bool{}}
			el.textOnly = n.attr("type") == "xs:string"
			var walk func(x xsdNode)
			walk = func(x xsdNode) {
				switch x.XMLName.Local {
				case "attribute":
					el.attrs[x.attr("name")] = x.attr("type")
					if x.attr("use") == "required" {
						el.required[x.attr("name")] = true
					}
				case "element":
					if ref := x.attr("ref"); ref != "" {
						el.children[ref] = true
					}
				}
				for _, c := range x.Children {
					walk(c)
				}
			}
			for _, c := range n.Children {
				walk(c)
			}
			rules.elements[n.attr("name")] = el
		}
	}
	Expect(rules.elements).To(HaveKey("testsuites"))
	Expect(rules.elements["testcase"].required).To(HaveKey("name"))
	return rules
}

func (x *xsdRules) validate(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			el, ok := x.elements[name]
			if !ok {
				return fmt.Errorf("element <%s> is not in the schema", name)
			}
			if len(stack) == 0 && name != "testsuites" && name != "testsuite" {
				return fmt.Errorf("root <%s> is not testsuites or testsuite", name)
			}
			if len(stack) > 0 {
				parent := x.elements[stack[len(stack)-1]]
				if parent.textOnly || !parent.children[name] {
					return fmt.Errorf("<%s> may not contain <%s>", stack[len(stack)-1], name)
				}
			}
			seen := map[string]bool{}
			for _, a := range t.Attr {
				typ, ok := el.attrs[a.Name.Local]
				if !ok {
					return fmt.Errorf("<%s> has undeclared attribute %s", name, a.Name.Local)
				}
				if re, ok := x.patterns[typ]; ok && !re.MatchString(a.Value) {
					return fmt.Errorf("<%s %s=%q> does not match its %s pattern", name, a.Name.Local, a.Value, typ)
				}
				seen[a.Name.Local] = true
			}
			for req := range el.required {
				if !seen[req] {
					return fmt.Errorf("<%s> lacks required attribute %s", name, req)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}
