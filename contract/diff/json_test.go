package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// petsJSON is a small OpenAPI 3 JSON spec; the new version drops the
// response field "name".
const petsJSON = `{"openapi": "3.0.3", "info": {"title": "pets", "version": "1"},
 "paths": {"/pets/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
  "responses": {"200": {"description": "a pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}}},
 "components": {"schemas": {"Pet": {"type": "object", "required": ["id"],
  "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}}}}`

// TestJSONLocationsAreTheFiles compares JSON specs, which take
// validator.ParseDocument's one-pass JSON path, indented and minified (a
// minified document gets virtual node positions): each finding's location
// must still point at the changed text in the file.
func TestJSONLocationsAreTheFiles(t *testing.T) {
	// Enough properties for more than 512 nodes on the minified line.
	var pad strings.Builder
	for i := range 200 {
		fmt.Fprintf(&pad, `, "p%d": {"type": "string"}`, i)
	}
	older := strings.Replace(petsJSON, `"id": {"type": "string"}, "name"`, `"id": {"type": "string"}`+pad.String()+`, "name"`, 1)
	newer := strings.Replace(older, `, "name": {"type": "string"}`, "", 1)
	layouts := map[string]func(string) []byte{
		"indented": func(s string) []byte {
			var b bytes.Buffer
			if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		},
		"minified": func(s string) []byte {
			var b bytes.Buffer
			if err := json.Compact(&b, []byte(s)); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		},
	}
	for name, layout := range layouts {
		t.Run(name, func(t *testing.T) {
			old := Source{Name: "old.json", Data: layout(older)}
			r, err := Compare(context.Background(), old, Source{Name: "new.json", Data: layout(newer)})
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, f := range r.Findings {
				if f.ID != "response-property-removed" {
					continue
				}
				found = true
				if f.Old == nil || f.Old.Line == 0 {
					t.Fatalf("no location in the old file: %+v", f)
				}
				lines := strings.Split(string(old.Data), "\n")
				if f.Old.Line > len(lines) || f.Old.Col < 1 || f.Old.Col > len(lines[f.Old.Line-1]) {
					t.Fatalf("%s is outside the file", f.Old)
				}
				if at := lines[f.Old.Line-1][f.Old.Col-1:]; !strings.HasPrefix(at, `"name"`) && !strings.HasPrefix(at, `{"type"`) {
					t.Errorf("%s points at %.30q, want the removed property", f.Old, at)
				}
			}
			if !found {
				t.Fatalf("no response-property-removed in %+v", r.Findings)
			}
		})
	}
}

// TestDistinctDropsRepeats: what-changed reports a change once per way it
// reaches a schema, a varying number of times; one finding remains.
func TestDistinctDropsRepeats(t *testing.T) {
	a := Finding{ID: "documentation-changed", Class: NonBreaking, Message: "description changed", Old: &Location{File: "a", Line: 3, Col: 4}}
	b := a
	b.Old = &Location{File: "a", Line: 9, Col: 4}
	got := distinct([]Finding{a, b, a, a, b})
	if len(got) != 2 || got[0].Old.Line != 3 || got[1].Old.Line != 9 {
		t.Fatalf("distinct kept %+v, want the two different findings in order", got)
	}
}
