package diff

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
)

// change is one edit of testdata/pets.yaml and what it must be classified as.
type change struct {
	name     string
	from, to string
	want     []string // "id class" of every finding, sorted
}

const (
	clients = " breaking-for-clients"
	callers = " breaking-for-callers"
	nonb    = " non-breaking"
)

// singleChanges are single-change spec pairs over testdata/pets.yaml.
var singleChanges = []change{
	{"path removed", "  /pets/{id}:\n    get:\n      operationId: getPet", "  /animals/{id}:\n    get:\n      operationId: getPet",
		[]string{"path-added" + nonb, "path-removed" + clients}},
	{"operation removed", "    delete:\n      operationId: deletePet\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        \"204\":\n          description: deleted\n", "",
		[]string{"operation-removed" + clients}},
	{"operation added", "components:\n", "  /owners:\n    get:\n      responses:\n        \"200\":\n          description: owners\ncomponents:\n",
		[]string{"path-added" + nonb}},
	{"response property removed", "        status:\n          type: string\n          enum: [available, sold]\n", "",
		[]string{"response-property-removed" + clients}},
	{"response property retyped", "        id:\n          type: integer", "        id:\n          type: string",
		[]string{"response-type-changed" + clients}},
	{"response property added", "        status:\n          type: string\n", "        color:\n          type: string\n        status:\n          type: string\n",
		[]string{"response-property-added" + nonb}},
	{"response enum value removed", "enum: [available, sold]", "enum: [available]",
		[]string{"response-enum-value-removed" + clients}},
	{"response enum widened", "enum: [available, sold]", "enum: [available, sold, pending]",
		[]string{"response-enum-value-added" + clients}},
	{"response field no longer required", "      required: [id, name]\n", "      required: [id]\n",
		[]string{"response-property-became-optional" + clients}},
	{"response status removed", "        \"404\":\n          description: no such pet\n", "",
		[]string{"response-status-removed" + clients}},
	{"response status added", "        \"404\":\n          description: no such pet\n", "        \"404\":\n          description: no such pet\n        \"410\":\n          description: gone\n",
		[]string{"response-status-added" + nonb}},
	{"response media type removed", "        \"201\":\n          description: created\n          content:\n            application/json:", "        \"201\":\n          description: created\n          content:\n            application/hal+json:",
		[]string{"response-media-type-added" + nonb, "response-media-type-removed" + clients}},
	{"response header removed", "          headers:\n            X-Next:\n              required: true\n              schema:\n                type: string\n", "",
		[]string{"response-header-removed" + clients}},
	{"new required request field", "      required: [name]\n", "      required: [name, kind]\n",
		[]string{"request-property-became-required" + callers}},
	{"new required query parameter", "        - name: limit\n          in: query\n", "        - name: cursor\n          in: query\n          required: true\n          schema:\n            type: string\n        - name: limit\n          in: query\n",
		[]string{"request-parameter-added-required" + callers}},
	{"new optional query parameter", "        - name: limit\n          in: query\n", "        - name: cursor\n          in: query\n          schema:\n            type: string\n        - name: limit\n          in: query\n",
		[]string{"request-parameter-added" + nonb}},
	{"parameter became required", "        - name: limit\n          in: query\n", "        - name: limit\n          in: query\n          required: true\n",
		[]string{"request-parameter-became-required" + callers}},
	{"request type narrowed", "        age:\n          type: integer", "        age:\n          type: string",
		[]string{"request-type-changed" + callers}},
	{"request type widened", "        age:\n          type: integer", "        age:\n          type: number",
		[]string{"request-type-widened" + nonb}},
	{"request format narrowed", "        tag:\n          type: string\n", "        tag:\n          type: string\n          format: uuid\n",
		[]string{"request-format-narrowed" + callers}},
	{"request maxLength lowered", "maxLength: 50", "maxLength: 20",
		[]string{"request-bounds-narrowed" + callers}},
	{"request maxLength raised", "maxLength: 50", "maxLength: 80",
		[]string{"request-bounds-widened" + nonb}},
	{"request minimum raised", "          minimum: 0", "          minimum: 1",
		[]string{"request-bounds-narrowed" + callers}},
	{"query maximum lowered", "            maximum: 100", "            maximum: 10",
		[]string{"request-bounds-narrowed" + callers}},
	{"request enum value removed", "enum: [cat, dog]", "enum: [cat]",
		[]string{"request-enum-value-removed" + callers}},
	{"request enum value added", "enum: [cat, dog]", "enum: [cat, dog, bird]",
		[]string{"request-enum-value-added" + nonb}},
	{"request pattern changed", `pattern: "^[a-z]+$"`, `pattern: "^[a-z]{2,}$"`,
		[]string{"request-pattern-changed" + callers}},
	{"request pattern removed", "          pattern: \"^[a-z]+$\"\n", "",
		[]string{"request-pattern-widened" + nonb}},
	{"request media type removed", "          application/xml:\n            schema:\n              $ref: \"#/components/schemas/NewPet\"\n", "",
		[]string{"request-media-type-removed" + callers}},
	{"request body became optional", "      requestBody:\n        required: true", "      requestBody:\n        required: false",
		[]string{"request-body-became-optional" + nonb}},
	{"operation security tightened", "      operationId: getPet\n", "      operationId: getPet\n      security:\n        - apiKey: []\n          oauth: [pets:read]\n",
		[]string{"security-requirement-added" + callers}},
	{"security removed from the document", "security:\n  - apiKey: []\npaths:", "paths:",
		[]string{"security-requirement-removed" + nonb}},
	{"security alternative added", "      operationId: getPet\n", "      operationId: getPet\n      security:\n        - apiKey: []\n        - oauth: [pets:read]\n",
		[]string{"security-requirement-added" + nonb}},
	{"security scope added", "security:\n  - apiKey: []\npaths:", "security:\n  - apiKey: [admin]\npaths:",
		[]string{"security-requirement-tightened" + callers}},
	{"description only", "description: the pets", "description: all the pets",
		[]string{"documentation-changed" + nonb}},
	{"security scheme header renamed", "name: X-API-Key", "name: X-Key",
		[]string{"security-scheme-changed" + callers}},
	{"response nullable added", "        name:\n          type: string\n", "        name:\n          type: string\n          nullable: true\n",
		[]string{"response-nullable-widened" + clients}},
}

func TestClassifySingleChanges(t *testing.T) {
	base, err := os.ReadFile("testdata/pets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(singleChanges) < 25 {
		t.Fatalf("only %d cases", len(singleChanges))
	}
	for _, tc := range singleChanges {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(base), tc.from) {
				t.Fatalf("testdata/pets.yaml has no %q", tc.from)
			}
			next := strings.Replace(string(base), tc.from, tc.to, 1)
			r, err := Compare(context.Background(), Source{Name: "old.yaml", Data: base}, Source{Name: "new.yaml", Data: []byte(next)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.ID+" "+string(f.Class))
			}
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings:\n got  %q\n want %q\n%+v", got, tc.want, r.Findings)
			}
		})
	}
}
