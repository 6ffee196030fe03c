package validator

import (
	"bytes"
	"io"
	"slices"

	"github.com/pb33f/libopenapi-validator/content"
)

// textBodyDecoder decodes a text/plain body as its text, except when the
// schema cannot be a string but can be an object or an array: then a body
// that parses as JSON is that JSON value (APIs that label JSON text/plain,
// and specs that describe it so, are common), and one that does not parse
// stays text, so the schema reports the mismatch as before.
func textBodyDecoder() content.Decoder {
	text := content.TextDecoder()
	js := content.JSONDecoder()
	return content.DecoderFunc(func(in *content.DecodeInput) (any, error) {
		if in == nil || in.Body == nil || !structuredOnly(in) {
			return text.Decode(in)
		}
		body, err := io.ReadAll(in.Body)
		if err != nil {
			return nil, err
		}
		try := *in
		try.Body = bytes.NewReader(body)
		if v, err := js.Decode(&try); err == nil {
			return v, nil
		}
		try.Body = bytes.NewReader(body)
		return text.Decode(&try)
	})
}

// structuredOnly reports whether the input's schema declares types and
// none of them is string, while one is object or array.
func structuredOnly(in *content.DecodeInput) bool {
	if in.Schema == nil || len(in.Schema.Type) == 0 || slices.Contains(in.Schema.Type, "string") {
		return false
	}
	return slices.Contains(in.Schema.Type, "object") || slices.Contains(in.Schema.Type, "array")
}
