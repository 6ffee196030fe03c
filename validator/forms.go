package validator

import (
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/pb33f/libopenapi-validator/content"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// formArrays fills a gap of libopenapi-validator's form decoders: a form
// field declared as an array but sent once ("arr=a,b,c", the encoding of
// style form with explode false, or Swagger 2.0's collectionFormat csv) is
// left as one string and then fails "want array". Such a value is split
// as its encoding says (comma, space or pipe; a single exploded value is a
// one-item array) and each item typed by the array's items schema.
func formArrays(next content.Decoder) content.Decoder {
	return content.DecoderFunc(func(in *content.DecodeInput) (any, error) {
		v, err := next.Decode(in)
		if err != nil || in == nil || in.Schema == nil || in.Schema.Properties == nil {
			return v, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return v, nil
		}
		for k, val := range m {
			s, isString := val.(string)
			if !isString {
				continue
			}
			prop := schemaOf(in.Schema.Properties.GetOrZero(k))
			if prop == nil || !slices.Contains(prop.Type, "array") || slices.Contains(prop.Type, "string") {
				continue
			}
			sep, explode := ",", true
			if in.Encoding != nil {
				if enc := in.Encoding.GetOrZero(k); enc != nil {
					switch enc.Style {
					case "spaceDelimited":
						sep, explode = " ", false
					case "pipeDelimited":
						sep, explode = "|", false
					}
					if enc.Explode != nil {
						explode = *enc.Explode
					}
				}
			}
			parts := []string{s}
			if !explode {
				parts = strings.Split(s, sep)
			}
			kind := ""
			if prop.Items != nil && prop.Items.IsA() {
				if items := schemaOf(prop.Items.A); items != nil && len(items.Type) > 0 {
					kind = items.Type[0]
				}
			}
			items := make([]any, len(parts))
			for i, p := range parts {
				items[i] = content.ParseScalar(p, kind)
			}
			m[k] = items
		}
		return m, nil
	})
}

// formURLDecoder decodes an application/x-www-form-urlencoded body as the
// URL standard does: pairs are split on '&' only, so a ';' is part of a
// value (libopenapi-validator's decoder uses url.ParseQuery, which refuses
// a body with a ';' in it: "invalid semicolon separator"). Reserved
// characters sent unescaped (':', '/', '@'…) are accepted whatever the
// encoding's allowReserved says, as most servers accept them. Values are
// typed by their property's first type; repeated names become arrays.
func formURLDecoder() content.Decoder {
	return content.DecoderFunc(func(in *content.DecodeInput) (any, error) {
		out := map[string]any{}
		if in == nil || in.Body == nil {
			return out, nil
		}
		body, err := io.ReadAll(in.Body)
		if err != nil {
			return nil, err
		}
		values := map[string][]string{}
		var order []string
		for _, pair := range strings.Split(string(body), "&") {
			if pair == "" {
				continue
			}
			rawKey, rawValue, _ := strings.Cut(pair, "=")
			key, err := url.QueryUnescape(rawKey)
			if err != nil {
				return nil, err
			}
			value, err := url.QueryUnescape(rawValue)
			if err != nil {
				return nil, err
			}
			if _, seen := values[key]; !seen {
				order = append(order, key)
			}
			values[key] = append(values[key], value)
		}
		for _, key := range order {
			var prop *base.Schema
			if in.Schema != nil && in.Schema.Properties != nil {
				prop = schemaOf(in.Schema.Properties.GetOrZero(key))
			}
			vs := values[key]
			if len(vs) == 1 {
				out[key] = content.ParseScalar(vs[0], firstType(prop))
				continue
			}
			var items *base.Schema
			if prop != nil && prop.Items != nil && prop.Items.IsA() {
				items = schemaOf(prop.Items.A)
			}
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = content.ParseScalar(v, firstType(items))
			}
			out[key] = list
		}
		return out, nil
	})
}

// firstType is a schema's first declared type, "" when none.
func firstType(s *base.Schema) string {
	if s == nil || len(s.Type) == 0 {
		return ""
	}
	return s.Type[0]
}

func schemaOf(p *base.SchemaProxy) *base.Schema {
	if p == nil {
		return nil
	}
	return p.Schema()
}
