package validator

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi-validator/cache"
	"github.com/pb33f/libopenapi-validator/schema_validation"
)

// What the request path keeps between requests so that it does not redo
// per request: compiled path-template segments, and parameter schemas
// with their rendering (the library renders a parameter's schema on every
// validation when the cache has none).
func TestRequestPathKeepsCompiledWork(t *testing.T) {
	spec, err := Load("../fixtures/bookstore.yaml", WithFormatAssertions())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", nil)
	op, err := spec.Router().Find(req)
	if err != nil {
		t.Fatal(err)
	}
	if f := spec.ValidateRequest(req, op); len(f) != 0 {
		t.Fatalf("findings %+v", f)
	}

	var keys []string
	spec.cache.regexes.m.Range(func(k, _ any) bool { keys = append(keys, k.(string)); return true })
	if len(keys) == 0 {
		t.Fatal("no compiled path-template segment was kept: every request compiles them again")
	}
	for _, k := range keys {
		if strings.Contains(k, "/") {
			t.Errorf("regex cache key %q is a whole path (the router's, compiled differently), want segments only", k)
		}
	}

	param := op.Parameters()[0].Schema.Schema()
	entry, ok := spec.cache.m.Load(schema_validation.SchemaCacheKey(param.GoLow().Hash(), 3.1, schema_validation.SchemaValidationPurposeGeneric))
	if !ok {
		t.Fatal("the path parameter's schema is not in the cache")
	}
	if e := entry.(*cache.SchemaCacheEntry); len(e.RenderedInline) == 0 || e.ReferenceSchema == "" {
		t.Fatalf("the path parameter's cache entry has no rendering (%q): the library renders the schema on every request", e.RenderedInline)
	}
	// Body schemas keep no rendering: the library would take error
	// positions from it instead of from the spec.
	resp := op.Op.Responses.Codes.GetOrZero("200").Content.GetOrZero("application/json").Schema.Schema()
	key := schema_validation.SchemaCacheKey(resp.GoLow().Hash(), 3.0, schema_validation.SchemaValidationPurposeResponseBody)
	spec.prepare(op)
	if e, ok := spec.cache.m.Load(key); !ok || len(e.(*cache.SchemaCacheEntry).RenderedInline) != 0 {
		t.Fatalf("the response body schema: cached %t, want cached without a rendering", ok)
	}
}
