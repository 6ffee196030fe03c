package validator_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockd/mockd/validator"
)

// A lookahead makes the pattern ECMAScript-only (regexp2, backtracking);
// (a+)+$ against "aaaa…!" is catastrophic.
const catastrophicSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: array
              items: {type: string, pattern: '^(?=a)(a+)+$'}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {type: string, pattern: '^(?=a)(a+)+$'}
`

// catastrophicRequest is a POST /items of catastrophicBody and its operation.
func catastrophicRequest(t *testing.T, spec *validator.Spec) (*http.Request, *validator.Operation) {
	t.Helper()
	req := httptest.NewRequest("POST", "/items", strings.NewReader(catastrophicBody()))
	req.Header.Set("Content-Type", "application/json")
	op, err := spec.Router().Find(req)
	if err != nil {
		t.Fatal(err)
	}
	return req, op
}

// expectNotChecked fails unless findings are one warning that the pattern
// was not checked because the budget was spent.
func expectNotChecked(t *testing.T, what string, findings []validator.Finding) {
	t.Helper()
	if len(findings) != 1 {
		t.Fatalf("%s: %d findings, want one warning: %+v", what, len(findings), findings)
	}
	f := findings[0]
	if f.Check != validator.CheckPatternNotChecked || f.Severity != validator.SeverityWarning ||
		!strings.Contains(f.Message, "skipped after") {
		t.Fatalf("%s: %+v, want a %s warning naming skipped matches", what, f, validator.CheckPatternNotChecked)
	}
}

func catastrophicBody() string {
	item := `"` + strings.Repeat("a", 40) + `!"`
	return "[" + strings.TrimSuffix(strings.Repeat(item+",", 50), ",") + "]"
}

// Reproduced: each of 50 items timed out on its own (10.9 s) and every
// timeout counted as "does not match", rejecting the request. Now one budget
// covers the request, and what it could not check is a warning.
func TestRegexTimeoutIsNotCheckedNotRejected(t *testing.T) {
	spec, err := validator.Parse([]byte(catastrophicSpec))
	if err != nil {
		t.Fatal(err)
	}
	req, op := catastrophicRequest(t, spec)
	check := func(what string, findings []validator.Finding) { t.Helper(); expectNotChecked(t, what, findings) }
	check("request", spec.ValidateRequest(req, op))
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader([]byte(catastrophicBody())))}
	check("response", spec.ValidateResponse(req, resp, op))

	good := httptest.NewRequest("POST", "/items", strings.NewReader(`["aaa","a"]`))
	good.Header.Set("Content-Type", "application/json")
	if f := spec.ValidateRequest(good, op); len(f) != 0 {
		t.Fatalf("matching values: %+v", f)
	}
	bad := httptest.NewRequest("POST", "/items", strings.NewReader(`["b"]`))
	bad.Header.Set("Content-Type", "application/json")
	if f := spec.ValidateRequest(bad, op); len(f) == 0 || f[0].Check == validator.CheckPatternNotChecked {
		t.Fatalf("a value that fails the pattern fast must still be rejected: %+v", f)
	}
}

// An operation whose schema the bundler leaves to the library (it reaches
// another file) is compiled by the library inside its first validation; a
// backtracking pattern compiled there is matched under that validation's
// budget too, so the catastrophic items are cut short and reported, not
// timed out one by one (10.8 s without a budget).
func TestRegexBudgetCoversSchemasCompiledDuringValidation(t *testing.T) {
	dir := t.TempDir()
	const pattern = "{type: string, pattern: '^(?=a)(a+)+$'}"
	main := strings.ReplaceAll(catastrophicSpec, "items: "+pattern, "items: {$ref: './item.yaml#/Item'}")
	files := map[string]string{"main.yaml": main, "item.yaml": "Item: " + pattern + "\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := validator.Load(filepath.Join(dir, "main.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	req, op := catastrophicRequest(t, spec)
	expectNotChecked(t, "request", spec.ValidateRequest(req, op))
	if st := spec.CompileStats(); st.Library == 0 {
		t.Errorf("compile stats %+v: the schema reaching another file was compiled by the library, yet not counted", st)
	}
}
