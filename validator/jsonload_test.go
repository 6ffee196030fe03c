package validator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/validator"
)

// bigSpec returns an OpenAPI 3.0 document with n operations, a broken $ref
// (when broken), a pattern no engine runs, and a required reference cycle,
// as an ordered YAML node tree (so that JSON and YAML renderings agree).
func bigSpec(n int, broken bool) *yaml.Node {
	GinkgoHelper()
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: big, version: '1'}\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, `  /items%d/{id}:
    get:
      operationId: get%d
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, maximum: 100}}
        - {name: code, in: query, schema: {type: string, pattern: '^(unclosed$'}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
`, i, i)
	}
	if broken {
		b.WriteString(`  /broken:
    get:
      operationId: broken
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
`)
	}
	b.WriteString(`components:
  schemas:
    Item:
      type: object
      properties:
        id: {type: integer}
        next: {$ref: '#/components/schemas/Item'}
    Loop:
      type: object
      required: [again]
      properties:
        again: {$ref: '#/components/schemas/Loop'}
`)
	var doc yaml.Node
	Expect(yaml.Unmarshal([]byte(b.String()), &doc)).To(Succeed())
	return &doc
}

// minified renders a node tree as JSON on one line, keeping key order.
func minified(n *yaml.Node) []byte {
	GinkgoHelper()
	var buf bytes.Buffer
	var write func(n *yaml.Node)
	write = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			write(n.Content[0])
		case yaml.MappingNode:
			buf.WriteByte('{')
			for i := 0; i < len(n.Content); i += 2 {
				if i > 0 {
					buf.WriteByte(',')
				}
				k, _ := json.Marshal(n.Content[i].Value)
				buf.Write(k)
				buf.WriteByte(':')
				write(n.Content[i+1])
			}
			buf.WriteByte('}')
		case yaml.SequenceNode:
			buf.WriteByte('[')
			for i, c := range n.Content {
				if i > 0 {
					buf.WriteByte(',')
				}
				write(c)
			}
			buf.WriteByte(']')
		default:
			var v any
			Expect(n.Decode(&v)).To(Succeed())
			out, err := json.Marshal(v)
			Expect(err).NotTo(HaveOccurred())
			buf.Write(out)
		}
	}
	write(n)
	return buf.Bytes()
}

var positionInText = regexp.MustCompile(`\[(\d+):(\d+)\]|\(line (\d+)\)`)

var _ = Describe("JSON specs", func() {
	It("load the same from JSON (pretty or minified) as from YAML", func() {
		doc := bigSpec(40, false)
		asYAML, err := yaml.Marshal(doc)
		Expect(err).NotTo(HaveOccurred())
		oneLine := minified(doc)
		var pretty bytes.Buffer
		Expect(json.Indent(&pretty, oneLine, "", "  ")).To(Succeed())

		type loaded struct {
			ids      []string
			warnings int
			findings []string
		}
		load := func(data []byte) loaded {
			spec, err := validator.Parse(data)
			Expect(err).NotTo(HaveOccurred())
			var l loaded
			for _, op := range spec.Operations {
				l.ids = append(l.ids, op.ID)
			}
			l.warnings = len(spec.Warnings)
			op, ok := spec.Operation("get7")
			Expect(ok).To(BeTrue())
			for _, f := range spec.ValidateRequest(httptest.NewRequest("GET", "/items7/101?code=zz", nil), op) {
				l.findings = append(l.findings, f.Check+": "+f.Message)
			}
			sort.Strings(l.findings)
			return l
		}
		want := load(asYAML)
		Expect(want.ids).To(HaveLen(40))
		Expect(want.warnings).To(BeNumerically(">=", 2), "the pattern and the required loop")
		Expect(want.findings).NotTo(BeEmpty(), "id 101 is above the maximum")
		Expect(load(oneLine)).To(Equal(want))
		Expect(load(pretty.Bytes())).To(Equal(want))
	})

	It("name the file's line and column in the warnings of a minified document", func() {
		data := minified(bigSpec(300, false))
		Expect(bytes.Count(data, []byte("\n"))).To(BeZero())
		spec, err := validator.Parse(data)
		Expect(err).NotTo(HaveOccurred())
		var positions int
		for _, w := range spec.Warnings {
			for _, m := range positionInText.FindAllStringSubmatch(w, -1) {
				positions++
				if m[3] != "" {
					Expect(m[3]).To(Equal("1"), w)
					continue
				}
				Expect(m[1]).To(Equal("1"), w)
				col, _ := strconv.Atoi(m[2])
				Expect(col).To(BeNumerically("<=", len(data)), w)
			}
		}
		Expect(positions).To(BeNumerically(">=", 2), strings.Join(spec.Warnings, "\n"))
	})

	It("name the file's line and column of a broken $ref in a minified document", func() {
		data := minified(bigSpec(300, true))
		_, err := validator.Parse(data, validator.WithName("big.json"))
		var broken *validator.BrokenRefsError
		Expect(errors.As(err, &broken)).To(BeTrue(), fmt.Sprint(err))
		Expect(broken.Refs).To(HaveLen(1))
		col := bytes.Index(data, []byte(`"#/components/schemas/Missing"`)) + 1
		Expect(broken.Refs[0].String()).To(HavePrefix(fmt.Sprintf("big.json:1:%d: $ref '#/components/schemas/Missing'", col)))

		spec, err := validator.Parse(data, validator.WithName("big.json"), validator.WithLenient())
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Disabled).To(HaveLen(1))
		Expect(spec.Disabled[0].String()).To(Equal(fmt.Sprintf("GET /broken (uses big.json:1:%d $ref '#/components/schemas/Missing')", col)))
		Expect(spec.Operations).To(HaveLen(300))
	})

	It("are still read as Swagger 2.0 when they say so", func() {
		data := []byte(`{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/v1",
			"paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}}}}`)
		spec, err := validator.Parse(data)
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.Version).To(Equal("2.0"))
		Expect(spec.Operations).To(HaveLen(1))
	})

	It("that are not strict JSON get the parser's error, with its position", func() {
		_, err := validator.Parse([]byte("{\"openapi\": \"3.0.3\",\n \"info\": {\"title\": \"x\" \"version\": \"1\"}}"), validator.WithName("bad.json"))
		var le *validator.LoadError
		Expect(errors.As(err, &le)).To(BeTrue(), fmt.Sprint(err))
		Expect(le.File).To(Equal("bad.json"))
		Expect(le.Line).To(Equal(2))
	})
})
