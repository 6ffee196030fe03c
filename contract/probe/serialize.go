package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/url"
	"sort"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/schemagen"
)

// paramValue generates a value for p from its schema, or from the schema
// of its content (serialized as JSON).
func paramValue(p *v3.Parameter, gen schemagen.Options) (any, error) {
	if p.Schema != nil {
		return schemagen.GenerateProxy(p.Schema, gen)
	}
	if p.Content != nil && p.Content.Len() > 0 {
		if m := p.Content.First().Value(); m != nil && m.Schema != nil {
			v, err := schemagen.GenerateProxy(m.Schema, gen)
			if err != nil {
				return nil, err
			}
			b, err := json.Marshal(v)
			return string(b), err
		}
	}
	return "x", nil
}

func explode(p *v3.Parameter, def bool) bool {
	if p.Explode != nil {
		return *p.Explode
	}
	return def
}

// scalar writes a value as a parameter writes it: numbers without a
// trailing ".0", structures as JSON.
func scalar(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", t), "0"), ".")
	}
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// simple is the "simple" style: a,b,c; objects k,v,k2,v2 or k=v,k2=v2.
func simple(v any, exploded bool) string {
	switch t := v.(type) {
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = scalar(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(t) {
			if exploded {
				parts = append(parts, k+"="+scalar(t[k]))
			} else {
				parts = append(parts, k, scalar(t[k]))
			}
		}
		return strings.Join(parts, ",")
	}
	return scalar(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pathValue serializes a path parameter in its style (simple, label, matrix).
func pathValue(p *v3.Parameter, v any) string {
	esc := url.PathEscape
	switch p.Style {
	case "label":
		return "." + esc(simple(v, explode(p, false)))
	case "matrix":
		return ";" + p.Name + "=" + esc(simple(v, explode(p, false)))
	}
	if arr, ok := v.([]any); ok {
		parts := make([]string, len(arr))
		for i, e := range arr {
			parts[i] = esc(scalar(e))
		}
		return strings.Join(parts, ",")
	}
	return esc(simple(v, explode(p, false)))
}

// queryPairs serializes a query parameter in its style (form, exploded or
// not, spaceDelimited, pipeDelimited, deepObject).
func queryPairs(p *v3.Parameter, v any) []string {
	name := url.QueryEscape(p.Name)
	switch t := v.(type) {
	case []any:
		return arrayPairs(p, name, t)
	case map[string]any:
		var out []string
		switch {
		case p.Style == "deepObject":
			for _, k := range sortedKeys(t) {
				out = append(out, name+"%5B"+url.QueryEscape(k)+"%5D="+url.QueryEscape(scalar(t[k])))
			}
		case explode(p, true):
			for _, k := range sortedKeys(t) {
				out = append(out, url.QueryEscape(k)+"="+url.QueryEscape(scalar(t[k])))
			}
		default:
			out = append(out, name+"="+url.QueryEscape(simple(t, false)))
		}
		return out
	}
	return []string{name + "=" + url.QueryEscape(scalar(v))}
}

func arrayPairs(p *v3.Parameter, name string, t []any) []string {
	parts := make([]string, len(t))
	for i, e := range t {
		parts[i] = url.QueryEscape(scalar(e))
	}
	switch {
	case p.Style == "spaceDelimited":
		return []string{name + "=" + strings.Join(parts, "%20")}
	case p.Style == "pipeDelimited":
		return []string{name + "=" + strings.Join(parts, "|")}
	case explode(p, true):
		out := make([]string, len(t))
		for i, e := range parts {
			out[i] = name + "=" + e
		}
		return out
	}
	return []string{name + "=" + strings.Join(parts, ",")}
}

// isXML reports whether a media type carries XML.
func isXML(mt string) bool {
	base, _, err := mime.ParseMediaType(mt)
	if err != nil {
		base = strings.ToLower(mt)
	}
	return strings.HasSuffix(base, "/xml") || strings.HasSuffix(base, "+xml")
}

// encodeRequestBody serializes v for the media type mt and returns the
// bytes and the Content-Type to send.
func encodeRequestBody(mt string, media *v3.MediaType, v any, encodeXML func(string, any, *base.SchemaProxy) ([]byte, error)) ([]byte, string, error) {
	ct := mt
	if strings.Contains(ct, "*") {
		ct = "application/json"
	}
	lower := strings.ToLower(mt)
	switch {
	case strings.Contains(lower, "json") || strings.Contains(lower, "*"):
		b, err := json.Marshal(v)
		return b, ct, err
	case strings.HasPrefix(lower, "application/x-www-form-urlencoded"):
		return []byte(formValues(v).Encode()), ct, nil
	case isXML(mt) && media != nil && encodeXML != nil:
		b, err := encodeXML(mt, v, media.Schema)
		return b, ct, err
	case strings.HasPrefix(lower, "multipart/"):
		return multipartBody(v)
	}
	if s, ok := v.(string); ok {
		return []byte(s), ct, nil
	}
	if v == nil {
		return []byte("data"), ct, nil
	}
	b, err := json.Marshal(v)
	return b, ct, err
}

func formValues(v any) url.Values {
	form := url.Values{}
	if m, ok := v.(map[string]any); ok {
		for _, k := range sortedKeys(m) {
			if arr, ok := m[k].([]any); ok {
				for _, e := range arr {
					form.Add(k, scalar(e))
				}
				continue
			}
			form.Set(k, scalar(m[k]))
		}
	}
	return form
}

func multipartBody(v any) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if m, ok := v.(map[string]any); ok {
		for _, k := range sortedKeys(m) {
			if err := w.WriteField(k, scalar(m[k])); err != nil {
				return nil, "", err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}
