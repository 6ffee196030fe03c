package validator

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi-validator/cache"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSON Schema integers are unbounded, but libopenapi-validator parses an
// integer parameter with strconv.ParseInt and rejects any value beyond
// int64 ("is not a valid integer"). acceptBigIntegers re-checks those
// values: a well-formed integer is validated against the parameter's
// compiled schema as an exact number (so minimum, maximum, multipleOf and
// enum still apply) and the library's finding is dropped or replaced.

var integerText = regexp.MustCompile(`^[-+]?[0-9]+$`)

// acceptBigIntegers returns findings without the library's "not a valid
// integer" findings for integers beyond int64 that the schema accepts.
func (s *Spec) acceptBigIntegers(r *http.Request, op *Operation, findings []Finding) []Finding {
	out := findings[:0:0]
	for _, f := range findings {
		if !strings.HasSuffix(f.Message, "' is not a valid integer") {
			out = append(out, f)
			continue
		}
		repl, handled := s.recheckInteger(r, op, f)
		if !handled {
			out = append(out, f)
			continue
		}
		out = append(out, repl...)
	}
	return out
}

// recheckInteger validates the values of the parameter f names. handled is
// false when some value is not an out-of-range integer (the library's
// finding then stands).
func (s *Spec) recheckInteger(r *http.Request, op *Operation, f Finding) (repl []Finding, handled bool) {
	var values []string
	switch f.In {
	case "query":
		values = r.URL.Query()[f.Name]
	case "header":
		values = r.Header.Values(f.Name)
	case "cookie":
		if c, err := r.Cookie(f.Name); err == nil {
			values = []string{c.Value}
		}
	}
	if len(values) == 0 {
		return nil, false
	}
	compiled := s.parameterSchema(op, f.In, f.Name)
	if compiled == nil {
		return nil, false
	}
	for _, v := range values {
		if !integerText.MatchString(v) {
			return nil, false
		}
		if _, err := strconv.ParseInt(v, 10, 64); err == nil || !errors.Is(err, strconv.ErrRange) {
			return nil, false // in range: the library's finding is about something else
		}
		if err := compiled.Validate(json.Number(strings.TrimPrefix(v, "+"))); err != nil {
			g := f
			g.Message = strings.TrimSuffix(f.Message, " is not a valid integer") + " is out of bounds"
			g.Detail = err.Error()
			var ve *jsonschema.ValidationError
			if errors.As(err, &ve) && len(ve.Causes) > 0 {
				g.Detail = ve.Causes[0].Error()
			}
			repl = append(repl, g)
		}
	}
	return repl, true
}

// parameterSchema returns the compiled schema of op's parameter, compiling
// it when needed.
func (s *Spec) parameterSchema(op *Operation, in, name string) *jsonschema.Schema {
	for _, p := range op.Parameters() {
		if p.In != in || !strings.EqualFold(p.Name, name) || p.Schema == nil {
			continue
		}
		sc := p.Schema.Schema()
		if sc == nil || sc.GoLow() == nil || s.vopts == nil {
			return nil
		}
		t := schemaTarget{schema: sc, purpose: schema_validation.SchemaValidationPurposeGeneric, version: 3.1, where: op.Method + " " + op.Path + " parameter " + name}
		key := schema_validation.SchemaCacheKey(sc.GoLow().Hash(), t.version, t.purpose)
		if v, ok := s.cache.m.Load(key); ok {
			if e, _ := v.(*cache.SchemaCacheEntry); e != nil && e.CompiledSchema != nil {
				return e.CompiledSchema
			}
		}
		e, err := s.compileSchema(t)
		if err != nil {
			return nil
		}
		return e.CompiledSchema
	}
	return nil
}
