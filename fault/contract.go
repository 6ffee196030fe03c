package fault

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// corrupt applies a contract fault to a buffered response and returns a note
// for the outcome when it had to fall back.
func corrupt(resp *response, c *Contract) string {
	switch c.Kind {
	case ContractWrongContentType:
		ct := c.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
			if resp.header.Get("Content-Type") == ct {
				ct = "application/octet-stream"
			}
		}
		resp.header.Set("Content-Type", ct)
	case ContractInvalidJSON:
		resp.body = breakJSON(resp.body)
	case ContractSchemaViolation:
		var v any
		dec := json.NewDecoder(bytes.NewReader(resp.body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			resp.body = breakJSON(resp.body)
			return " (schema_violation degraded to invalid_json: body is not JSON)"
		}
		out, err := json.Marshal(flipTypes(v))
		if err != nil {
			resp.body = breakJSON(resp.body)
			return " (schema_violation degraded to invalid_json: " + err.Error() + ")"
		}
		resp.body = out
	}
	return ""
}

// breakJSON makes a JSON body unparseable: it drops the closing brace or
// bracket, or appends an unterminated object to anything else.
func breakJSON(b []byte) []byte {
	t := bytes.TrimRight(b, " \t\r\n")
	if n := len(t); n > 0 && (t[n-1] == '}' || t[n-1] == ']') {
		return append([]byte(nil), t[:n-1]...)
	}
	return append(append([]byte(nil), t...), []byte(`{"`)...)
}

// flipTypes changes the JSON type of every scalar (string → number,
// number → string, bool → string, null → number), every array to an object
// and keeps objects' keys, so any schema that types its fields is violated.
func flipTypes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return []any{}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = flipTypes(e)
		}
		return out
	case []any:
		out := make(map[string]any, len(x))
		for i, e := range x {
			out[strconv.Itoa(i)] = flipTypes(e)
		}
		return out
	case string:
		return 12345
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		return 0
	}
}
