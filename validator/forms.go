package validator

import (
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

func schemaOf(p *base.SchemaProxy) *base.Schema {
	if p == nil {
		return nil
	}
	return p.Schema()
}
