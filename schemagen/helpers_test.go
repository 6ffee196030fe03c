package schemagen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specDoc wraps components/schemas in a minimal OpenAPI document of the given version.
func specDoc(version, schemas string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: %s\ninfo:\n  title: t\n  version: '1'\npaths: {}\ncomponents:\n  schemas:\n", version)
	for _, line := range strings.Split(strings.TrimRight(schemas, "\n"), "\n") {
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}

// loadSchemas parses a document and returns its component schema proxies by name.
func loadSchemas(version, schemas string) (map[string]*base.SchemaProxy, error) {
	doc, err := libopenapi.NewDocument([]byte(specDoc(version, schemas)))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	model, err := doc.BuildV3Model()
	if model == nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	// err may report circular references (e.g. endless required recursion); the model is still usable.
	out := make(map[string]*base.SchemaProxy)
	for name, sp := range model.Model.Components.Schemas.FromOldest() {
		out[name] = sp
	}
	return out, nil
}

// mustSchema returns one component schema proxy, panicking on test-setup errors.
func mustSchema(version, schemas, name string) *base.SchemaProxy {
	m, err := loadSchemas(version, schemas)
	if err != nil {
		panic(err)
	}
	sp, ok := m[name]
	if !ok {
		panic("no schema " + name)
	}
	return sp
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

type oracleKey struct {
	s   *base.Schema
	dir Direction
}

// oracle validates values with libopenapi-validator (format assertions on, directional required pruning).
type oracle struct {
	mu    sync.Mutex
	cache map[oracleKey]*jsonschema.Schema
	opts  *config.ValidationOptions
}

func newOracle() *oracle {
	return &oracle{cache: make(map[oracleKey]*jsonschema.Schema), opts: config.NewValidationOptions(config.WithFormatAssertions())}
}

// validate round-trips v through JSON (as a mock server would send it) and validates it.
func (o *oracle) validate(s *base.Schema, v any, version float32, dir Direction) error {
	o.mu.Lock()
	compiled, ok := o.cache[oracleKey{s, dir}]
	if !ok {
		purpose := schema_validation.SchemaValidationPurposeResponseBody
		if dir == Request {
			purpose = schema_validation.SchemaValidationPurposeRequestBody
		}
		c, err := schema_validation.CompileSchemaForValidation(s, purpose, o.opts, version)
		if err != nil {
			o.mu.Unlock()
			return fmt.Errorf("compile: %w", err)
		}
		compiled = c.CompiledSchema
		o.cache[oracleKey{s, dir}] = compiled
	}
	o.mu.Unlock()
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("marshal: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return fmt.Errorf("unmarshal: %w", err)
	}
	if err := compiled.Validate(inst); err != nil {
		return fmt.Errorf("%s: %w", raw, err)
	}
	return nil
}
