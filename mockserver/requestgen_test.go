package mockserver_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"
)

// validRequest builds a request that satisfies op: required parameters
// serialised in their declared style, credentials of the first security
// alternative, and a body generated from the first request media type.
func validRequest(op *validator.Operation, rng *rand.Rand) (*http.Request, error) {
	gen := schemagen.Options{Mode: schemagen.Static, Direction: schemagen.Request}
	if rng != nil {
		gen = schemagen.Options{Mode: schemagen.Dynamic, Direction: schemagen.Request, Rand: rng}
	}
	path := op.RoutePath
	query := []string{}
	header := http.Header{}
	var cookies []string
	for _, p := range op.Parameters() {
		if (p.Required == nil || !*p.Required) && p.In != "path" {
			continue
		}
		v, err := paramValue(p, gen)
		if err != nil {
			return nil, fmt.Errorf("parameter %s in %s: %w", p.Name, p.In, err)
		}
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", pathValue(p, v))
		case "query":
			query = append(query, queryPairs(p, v)...)
		case "header":
			header.Set(p.Name, simple(v, explode(p, false)))
		case "cookie":
			cookies = append(cookies, p.Name+"="+url.QueryEscape(simple(v, false)))
		}
	}
	if len(op.Security) > 0 && !op.SecurityOptional {
		for _, sc := range op.Security[0] {
			switch {
			case sc.Type == "http" && sc.Scheme == "basic":
				header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("user:pass")))
			case sc.Type == "http":
				header.Set("Authorization", strings.ToUpper(sc.Scheme[:1])+sc.Scheme[1:]+" token")
			case sc.Type == "oauth2" || sc.Type == "openIdConnect":
				header.Set("Authorization", "Bearer token")
			case sc.Type == "apiKey" && sc.In == "header":
				header.Set(sc.Param, "key")
			case sc.Type == "apiKey" && sc.In == "query":
				query = append(query, url.QueryEscape(sc.Param)+"=key")
			case sc.Type == "apiKey" && sc.In == "cookie":
				cookies = append(cookies, sc.Param+"=key")
			}
		}
	}
	if sel := op.Selector; sel != nil {
		if sel.In == "header" {
			header.Set(sel.Name, sel.Value)
		} else {
			query = append(query, url.QueryEscape(sel.Name)+"="+url.QueryEscape(sel.Value))
		}
	}
	if len(cookies) > 0 {
		header.Set("Cookie", strings.Join(cookies, "; "))
	}
	var body io.Reader
	if rb := op.Op.RequestBody; rb != nil && rb.Content != nil && rb.Content.Len() > 0 {
		first := rb.Content.First()
		mt, media := first.Key(), first.Value()
		b, ct, err := requestBody(mt, media, gen)
		if err != nil {
			return nil, fmt.Errorf("request body %s: %w", mt, err)
		}
		if b != nil {
			body = bytes.NewReader(b)
			header.Set("Content-Type", ct)
		}
	}
	target := path
	if len(query) > 0 {
		target += "?" + strings.Join(query, "&")
	}
	req := httptest.NewRequest(op.Method, "http://mockd.test"+target, body)
	for k, vs := range header {
		req.Header[k] = vs
	}
	return req, nil
}

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

func pathValue(p *v3.Parameter, v any) string {
	esc := func(s string) string { return url.PathEscape(s) }
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

func queryPairs(p *v3.Parameter, v any) []string {
	name := url.QueryEscape(p.Name)
	esc := url.QueryEscape
	switch t := v.(type) {
	case []any:
		switch {
		case p.Style == "spaceDelimited" || p.Style == "pipeDelimited":
			sep := "%20"
			if p.Style == "pipeDelimited" {
				sep = "|"
			}
			parts := make([]string, len(t))
			for i, e := range t {
				parts[i] = esc(scalar(e))
			}
			return []string{name + "=" + strings.Join(parts, sep)}
		case explode(p, true):
			out := make([]string, len(t))
			for i, e := range t {
				out[i] = name + "=" + esc(scalar(e))
			}
			return out
		}
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = esc(scalar(e))
		}
		return []string{name + "=" + strings.Join(parts, ",")}
	case map[string]any:
		var out []string
		switch {
		case p.Style == "deepObject":
			for _, k := range sortedKeys(t) {
				out = append(out, name+"%5B"+esc(k)+"%5D="+esc(scalar(t[k])))
			}
		case explode(p, true):
			for _, k := range sortedKeys(t) {
				out = append(out, esc(k)+"="+esc(scalar(t[k])))
			}
		default:
			out = append(out, name+"="+esc(simple(t, false)))
		}
		return out
	}
	return []string{name + "=" + esc(scalar(v))}
}

func requestBody(mt string, media *v3.MediaType, gen schemagen.Options) ([]byte, string, error) {
	var v any
	if media != nil && media.Schema != nil {
		var err error
		v, err = schemagen.GenerateProxy(media.Schema, gen)
		if err != nil {
			return nil, "", err
		}
	}
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
		return []byte(form.Encode()), ct, nil
	case strings.Contains(lower, "xml") && media != nil:
		b, err := mockserver.EncodeBodyForTest(mt, v, media.Schema)
		return b, ct, err
	case strings.HasPrefix(lower, "multipart/"):
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
	if s, ok := v.(string); ok {
		return []byte(s), ct, nil
	}
	if v == nil {
		return []byte("data"), ct, nil
	}
	b, err := json.Marshal(v)
	return b, ct, err
}
