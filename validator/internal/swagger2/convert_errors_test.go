package swagger2

// The converted document as a whole, the conversion errors and the resource bombs.

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Convert output", func() {
	It("keeps the source order of paths, operations and properties", func() {
		src := head + `paths:
  /zeta: {post: {responses: {200: {description: ok}}}, get: {responses: {200: {description: ok}}}}
  /alpha: {get: {responses: {200: {description: ok}}}}
definitions:
  Z: {properties: {zz: {type: string}, aa: {type: string}, mm: {type: string}}}
`
		out, _, err := Convert([]byte(src), "")
		Expect(err).NotTo(HaveOccurred())
		s := string(out)
		order := func(keys ...string) {
			GinkgoHelper()
			last := -1
			for _, k := range keys {
				i := strings.Index(s, `"`+k+`"`)
				Expect(i).To(BeNumerically(">", last), "%q out of order in\n%s", k, s)
				last = i
			}
		}
		order("openapi", "info", "servers", "paths", "/zeta", "post", "get", "/alpha", "components", "zz", "aa", "mm")
	})

	It("keeps the last value of a repeated key at its first position", func() {
		out, _, err := Convert([]byte(head+"paths: {}\nx-a: 1\nx-b: 2\nx-a: 3\n"), "")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(ContainSubstring("\"x-a\": 3,\n  \"x-b\": 2"))
	})

	It("escapes strings the way JSON needs", func() {
		out, _, err := Convert([]byte(head+"paths: {}\nx-s: \"a\\\"b\\\\c\\n\\t\\u0001<&>\\u2028\"\n"), "")
		Expect(err).NotTo(HaveOccurred())
		var doc map[string]any
		Expect(json.Unmarshal(out, &doc)).To(Succeed())
		Expect(doc["x-s"]).To(Equal("a\"b\\c\n\t\x01<&>\u2028"))
		Expect(string(out)).To(ContainSubstring(`"a\"b\\c\n\t\u0001<&>\u2028"`))
	})

	It("writes JSON-compatible number literals verbatim", func() {
		out, _, err := Convert([]byte(head+"paths: {}\nx-n: [0.10, 1e3, -0, 0x10]\n"), "")
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(ContainSubstring("0.10,\n    1e3,\n    -0,\n    16\n"))
	})
})

var _ = DescribeTable("Convert errors",
	func(src, where, problem string) {
		out, _, err := Convert([]byte(src), "spec.yaml")
		Expect(out).To(BeNil())
		var cerr *Error
		Expect(errors.As(err, &cerr)).To(BeTrue(), "%v", err)
		Expect(cerr.File).To(Equal("spec.yaml"))
		Expect(err.Error()).To(HavePrefix("spec.yaml:" + where))
		Expect(err.Error()).To(ContainSubstring(problem))
	},
	Entry("broken YAML", "swagger: '2.0'\npaths:\n  /a: [\n  b: c\n", " the document", "not valid YAML or JSON; fix the syntax error: yaml: line"),
	Entry("broken JSON", `{"swagger": "2.0", "paths": {]}`, "", "not valid YAML or JSON"),
	Entry("empty input", "", "", "the document is empty"),
	Entry("a list at the root", "- a\n", "1:1: ", "the document root is a sequence"),
	Entry("not swagger", "info: {}\n", "1:1: /swagger: ", `missing swagger: "2.0"`),
	Entry("an OpenAPI 3 document", "openapi: 3.0.0\n", "1:10: /openapi: ", "not Swagger 2.0"),
	Entry("swagger 1.2", "swagger: '1.2'\n", "1:10: /swagger: ", `only "2.0"`),
	Entry("paths is a list", head+"paths: [a]\n", "3:8: /paths: ", "paths is a sequence; it must be a mapping"),
	Entry("a parameter without in", head+"paths:\n  /a:\n    get:\n      parameters:\n        - name: x\n          type: string\n",
		"7:11: /paths/~1a/get/parameters/0: ", "parameter has no in"),
	Entry("a parameter with a bad in", head+"paths:\n  /a:\n    get:\n      parameters: [{name: x, in: cookie}]\n",
		"6:34: /paths/~1a/get/parameters/0/in: ", `"cookie"`),
	Entry("a dangling parameter $ref", head+"paths:\n  /a:\n    get:\n      parameters: [{$ref: '#/parameters/nope'}]\n",
		"6:27: /paths/~1a/get/parameters/0/$ref: ", "names no entry under parameters"),
	Entry("a circular parameter $ref", head+"parameters:\n  a: {$ref: '#/parameters/b'}\n  b: {$ref: '#/parameters/a'}\npaths: {}\n",
		"", "chain of more than"),
	Entry("a dangling response $ref with other produces", head+"paths:\n  /a:\n    get:\n      produces: [text/plain]\n      responses: {200: {$ref: '#/responses/nope'}}\n",
		"7:31: /paths/~1a/get/responses/200/$ref: ", "names no entry under responses"),
	Entry("a schema that is a string", head+"definitions: {A: oops}\npaths: {}\n", "3:18: /definitions/A: ", "schema is a scalar (str)"),
	Entry("an unknown oauth2 flow", head+"securityDefinitions: {o: {type: oauth2, flow: magic}}\npaths: {}\n",
		"3:26: /securityDefinitions/o/flow: ", `"magic"`),
	Entry("an alias cycle", "swagger: '2.0'\npaths: &p {a: *p}\n", "2:8: ", "cycle"),
	Entry("a complex mapping key", "swagger: '2.0'\n? [a]\n: 1\n", "2:3: ", "mapping key is a sequence"),
	Entry("an alias bomb", aliasBomb(), "", "aliases expand the document"),
)

// aliasBomb builds a "billion laughs" document: 30 levels of doubling.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("swagger: '2.0'\nx-0: &a0 [x, x]\n")
	for i := 1; i <= 30; i++ {
		b.WriteString("x-" + strconv.Itoa(i) + ": &a" + strconv.Itoa(i) + " [*a" + strconv.Itoa(i-1) + ", *a" + strconv.Itoa(i-1) + "]\n")
	}
	b.WriteString("paths: {}\n")
	return b.String()
}

func TestWildcardExampleGoesToTheProducedType(t *testing.T) {
	out, _, err := Convert([]byte(`swagger: '2.0'
info: {title: x, version: '1'}
paths:
  /todos:
    get:
      produces: [text/plain]
      responses:
        '200':
          description: ok
          examples: {'*/*': hello}
          schema: {type: string}
`), "w.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Example any `json:"example"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	content := doc.Paths["/todos"]["get"].Responses["200"].Content
	if len(content) != 1 || content["text/plain"].Example != "hello" {
		t.Fatalf("want only text/plain with example hello, got %+v", content)
	}
}
