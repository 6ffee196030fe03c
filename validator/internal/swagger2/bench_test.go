package swagger2

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// largeSpec builds a Swagger 2.0 document with n paths, each with a query
// array, a body, a form-free response with headers and a definition.
func largeSpec(n int) []byte {
	var b strings.Builder
	b.WriteString("swagger: '2.0'\ninfo: {title: big, version: '1'}\nhost: api.example.com\nbasePath: /v1\nschemes: [https]\nconsumes: [application/json]\nproduces: [application/json]\npaths:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `  /things%d/{id}:
    parameters: [{in: path, name: id, required: true, type: string}]
    get:
      operationId: get%d
      parameters: [{in: query, name: tags, type: array, items: {type: string}, collectionFormat: multi}]
      responses:
        200: {description: ok, schema: {$ref: '#/definitions/Thing%d'}, headers: {X-Rate: {type: integer}}}
        default: {description: error}
    put:
      parameters: [{in: body, name: body, required: true, schema: {$ref: '#/definitions/Thing%d'}}]
      responses: {204: {description: done}}
`, i, i, i, i)
	}
	b.WriteString("definitions:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  Thing%d: {type: object, required: [id], properties: {id: {type: string, readOnly: true}, name: {type: string, x-nullable: true}, size: {type: integer, minimum: 0}}}\n", i)
	}
	return []byte(b.String())
}

func BenchmarkConvert(b *testing.B) {
	petstore, err := os.ReadFile("testdata/petstore.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{{"petstore", petstore}, {"500paths", largeSpec(500)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Convert(c.data, c.name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIsSwagger2(b *testing.B) {
	data := largeSpec(500)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !IsSwagger2(data) {
			b.Fatal("not detected")
		}
	}
}

func TestLargeSpecConverts(t *testing.T) {
	out, warnings, err := Convert(largeSpec(50), "large.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Fatalf("unexpected warnings: %q", warnings)
	}
	if got := strings.Count(string(out), `"$ref": "#/components/schemas/Thing`); got != 100 {
		t.Fatalf("%d rewritten refs, want 100", got)
	}
}
