package contract

import (
	"fmt"
	"net/http"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/validator"
)

// checkHeaders checks the declared response headers: required ones must be
// present and every present one must match its schema (libopenapi-validator
// v0.14.0 checks values of required headers only).
func (c *Checker) checkHeaders(r *http.Request, resp *http.Response, op *validator.Operation, key string, declared *v3.Response) []validator.Finding {
	if declared.Headers == nil || declared.Headers.Len() == 0 {
		return nil
	}
	var out []validator.Finding
	base := opPointer(op) + "/responses/" + validator.EscapePointer(key) + "/headers/"
	for name, h := range declared.Headers.FromOldest() {
		if h == nil || strings.EqualFold(name, "Content-Type") || c.ignoreHeaders[http.CanonicalHeaderKey(name)] {
			continue
		}
		values := resp.Header.Values(name)
		ptr := base + validator.EscapePointer(name)
		if len(values) == 0 {
			if h.Required {
				out = append(out, validator.Finding{Check: validator.CheckResponseHeader, In: "header", Name: name, SpecPointer: ptr + "/required",
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
			errs, err := c.headers.Validate(schema, name, v)
			if err != nil {
				out = append(out, validator.Finding{Check: validator.CheckResponseHeader, In: "header", Name: name, SpecPointer: ptr,
					Message: "response header " + name + " could not be validated: " + err.Error()})
				continue
			}
			for _, e := range errs {
				if e == nil {
					continue
				}
				f := validator.Finding{Check: validator.CheckResponseHeader, In: "header", Name: name, SpecPointer: ptr + "/schema",
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
