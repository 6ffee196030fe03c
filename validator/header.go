package validator

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/parameters"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// HeaderValidator checks response header values against their schemas the
// way libopenapi-validator checks parameters, with the spec's schema cache
// and regex engine. libopenapi-validator v0.14.0 checks the values of
// required response headers only; this covers every header present. It is
// safe for concurrent use.
type HeaderValidator struct {
	spec *Spec
	opts *config.ValidationOptions
}

// HeaderValidator returns a validator of response header values;
// formatAssertions also checks string formats (WithFormatAssertions covers
// bodies and parameters only).
func (s *Spec) HeaderValidator(formatAssertions bool) *HeaderValidator {
	opts := []config.Option{config.WithSchemaCache(s.cache), config.WithRegexEngine(s.regex.lenient)}
	if formatAssertions {
		opts = append(opts, config.WithFormatAssertions())
	}
	return &HeaderValidator{spec: s, opts: config.NewValidationOptions(opts...)}
}

// Validate checks one value of the response header name against schema and
// returns the library's errors; the error is set when the library panicked
// (the spec's logger has the stack).
func (h *HeaderValidator) Validate(schema *base.Schema, name, value string) ([]*verrors.ValidationError, error) {
	return h.spec.guard(func() []*verrors.ValidationError {
		return parameters.ValidateParameterSchema(schema, nil, headerBlob(schema, value), "Header", "response header", name,
			"response", "header", h.opts)
	})
}

// headerBlob prepares a header value for ValidateParameterSchema, which
// query-unescapes and JSON-decodes it: strings are JSON-quoted (so "123"
// stays a string) and simple-style arrays become JSON arrays.
func headerBlob(schema *base.Schema, v string) string {
	typ := ""
	if len(schema.Type) == 1 {
		typ = schema.Type[0]
	}
	switch typ {
	case "integer", "number", "boolean":
		return url.QueryEscape(strings.TrimSpace(v))
	case "array":
		itemType := ""
		if schema.Items != nil && schema.Items.IsA() && schema.Items.A != nil {
			if s := schema.Items.A.Schema(); s != nil && len(s.Type) == 1 {
				itemType = s.Type[0]
			}
		}
		var items []any
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			switch itemType {
			case "integer", "number":
				if n, err := strconv.ParseFloat(part, 64); err == nil {
					items = append(items, n)
					continue
				}
			case "boolean":
				if b, err := strconv.ParseBool(part); err == nil {
					items = append(items, b)
					continue
				}
			}
			items = append(items, part)
		}
		b, _ := json.Marshal(items)
		return url.QueryEscape(string(b))
	case "object":
		return url.QueryEscape(v)
	}
	b, _ := json.Marshal(v)
	return url.QueryEscape(string(b))
}
