package swagger2

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// FuzzConvert checks that Convert never panics, that every success is valid
// JSON with openapi 3.0.3, and that every failure is an *Error.
// Seeds: testdata/fuzz/FuzzConvert plus the ones added here.
func FuzzConvert(f *testing.F) {
	if data, err := os.ReadFile("testdata/petstore.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}}}`))
	f.Add([]byte("swagger: '2.0'\npaths:\n  /a:\n    parameters: [{in: body, name: b, schema: {$ref: '#/definitions/X'}}]\n    post: {responses: {default: {description: d}}}\n"))
	f.Add([]byte("swagger: '2.0'\nx: &a {b: 1}\ny: {<<: *a, c: 2}\npaths: {}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = IsSwagger2(data)
		out, warnings, err := Convert(data, "fuzz.yaml")
		if err != nil {
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error is %T, want *Error: %v", err, err)
			}
			if out != nil {
				t.Fatalf("output %q with error %v", out, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON output:\n%s", out)
		}
		if !bytes.HasPrefix(out, []byte("{\n  \"openapi\": \"3.0.3\",")) {
			t.Fatalf("output does not start with openapi 3.0.3:\n%s", out)
		}
		if len(warnings) > maxWarnings+1 {
			t.Fatalf("%d warnings, want at most %d", len(warnings), maxWarnings+1)
		}
	})
}
