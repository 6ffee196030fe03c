package validator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/parameters"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// checkHeaders checks the declared response headers: required ones must be
// present and every present one must match its schema (libopenapi-validator
// v0.14.0 checks values of required headers only).
func (c *Checker) checkHeaders(r *http.Request, resp *http.Response, op *Operation, key string, declared *v3.Response) []Finding {
	if declared.Headers == nil || declared.Headers.Len() == 0 {
		return nil
	}
	var out []Finding
	base := opPointer(op) + "/responses/" + escapePointer(key) + "/headers/"
	for name, h := range declared.Headers.FromOldest() {
		if h == nil || strings.EqualFold(name, "Content-Type") || c.ignoreHeaders[http.CanonicalHeaderKey(name)] {
			continue
		}
		values := resp.Header.Values(name)
		ptr := base + escapePointer(name)
		if len(values) == 0 {
			if h.Required {
				out = append(out, Finding{Check: CheckResponseHeader, In: "header", Name: name, SpecPointer: ptr + "/required",
					Message: fmt.Sprintf("required response header %s is missing", name),
					Hint:    "make the server send " + name + " with this status, or mark it optional in the spec"})
			}
			continue
		}
		if h.Schema == nil {
			continue
		}
		schema := h.Schema.Schema()
		if schema == nil {
			continue
		}
		for _, v := range values {
			errs, err := c.spec.guard(func() []*verrors.ValidationError {
				return parameters.ValidateParameterSchema(schema, nil, headerBlob(schema, v, h.Explode), "Header", "response header", name,
					"response", "header", c.headerOpts)
			})
			if err != nil {
				out = append(out, Finding{Check: CheckResponseHeader, In: "header", Name: name, SpecPointer: ptr,
					Message: "response header " + name + " could not be validated: " + err.Error()})
				continue
			}
			for _, e := range errs {
				if e == nil {
					continue
				}
				f := Finding{Check: CheckResponseHeader, In: "header", Name: name, SpecPointer: ptr + "/schema",
					Message: fmt.Sprintf("response header %s value %q does not match its schema", name, v),
					Detail:  e.Reason, Hint: "send a value the header's schema allows, or fix the schema"}
				for _, se := range e.SchemaValidationErrors {
					if se != nil && se.Reason != "" {
						f.Detail = se.Reason
						if kw := keywordSuffix(se.KeywordLocation); kw != "" {
							f.SpecPointer = ptr + "/schema" + kw
						}
						break
					}
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// headerBlob prepares a header value for ValidateParameterSchema, which
// query-unescapes and JSON-decodes it: strings are JSON-quoted (so "123"
// stays a string) and simple-style arrays become JSON arrays.
func headerBlob(schema *base.Schema, v string, _ bool) string {
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
