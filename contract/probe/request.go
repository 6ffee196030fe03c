package probe

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"
)

// ErrNoBody is returned by Build when the operation's only request media
// types need an encoder BuildOptions lacks (XML without EncodeBody).
var ErrNoBody = errors.New("no request body can be generated")

// Request is a generated request, independent of any server: Path is the
// operation's route path with its parameters filled in (no server base
// path), Query the encoded "name=value" pairs in order.
type Request struct {
	Method string
	Path   string
	Query  []string
	Header http.Header
	Body   []byte
}

// Target is the path and query ("/books/7?limit=2").
func (r *Request) Target() string {
	if len(r.Query) == 0 {
		return r.Path
	}
	return r.Path + "?" + strings.Join(r.Query, "&")
}

// URL joins base (scheme, host and base path, e.g. http://127.0.0.1:4010/v1)
// and Target.
func (r *Request) URL(base string) string {
	return strings.TrimRight(base, "/") + r.Target()
}

// HTTP builds the request to send to base.
func (r *Request) HTTP(ctx context.Context, base string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL(base), bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("request %s %s: %w", r.Method, r.Target(), err)
	}
	if r.Body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header = r.Header.Clone()
	return req, nil
}

// Clone returns a deep copy.
func (r *Request) Clone() *Request {
	c := *r
	c.Query = append([]string(nil), r.Query...)
	c.Header = r.Header.Clone()
	c.Body = bytes.Clone(r.Body)
	return &c
}

// BuildOptions configure Build.
type BuildOptions struct {
	// Rand makes the values generated (schemagen Dynamic mode); nil uses
	// the spec's examples and fixed defaults (Static mode).
	Rand *rand.Rand
	// Spec, when set, gives the request body the media type's example
	// (Static mode only).
	Spec *validator.Spec
	// PathValues replace generated path parameter values by name (a
	// sequence's created id).
	PathValues map[string]string
	// EncodeBody serializes XML bodies; nil leaves XML media types out
	// (another declared media type is used, else ErrNoBody).
	EncodeBody func(mediaType string, v any, schema *base.SchemaProxy) ([]byte, error)

	// The fields below make invalid requests (mutate.go).

	// Params replace parameters by "in:name" ("query:limit"): a nil value
	// leaves the parameter out, any other is sent as written. Parameters
	// named here are sent even when optional.
	Params map[string]*string
	// MutateBody changes the generated body value before it is encoded.
	MutateBody func(v any) any
	// ContentType, when set, replaces the body's Content-Type.
	ContentType string
	// NoCredentials sends no credentials.
	NoCredentials bool
}

func (o *BuildOptions) gen() schemagen.Options {
	if o.Rand != nil {
		return schemagen.Options{Mode: schemagen.Dynamic, Direction: schemagen.Request, Rand: o.Rand}
	}
	return schemagen.Options{Mode: schemagen.Static, Direction: schemagen.Request}
}

// Build makes a request that satisfies op: required parameters serialized
// in their declared style, credentials of the first security alternative
// (placeholders: give real ones as headers when sending), and a body
// generated from the first request media type it can encode.
func Build(op *validator.Operation, opts BuildOptions) (*Request, error) {
	r := &Request{Method: op.Method, Path: op.RoutePath, Header: http.Header{}}
	var cookies []string
	for _, p := range op.Parameters() {
		if ov, ok := opts.Params[p.In+":"+p.Name]; ok {
			cookies = overrideParam(r, p, ov, cookies)
			continue
		}
		if (p.Required == nil || !*p.Required) && p.In != "path" {
			continue
		}
		if v, ok := opts.PathValues[p.Name]; ok && p.In == "path" {
			r.Path = strings.ReplaceAll(r.Path, "{"+p.Name+"}", url.PathEscape(v))
			continue
		}
		v, err := paramValue(p, opts.gen())
		if err != nil {
			return nil, fmt.Errorf("parameter %s in %s: %w", p.Name, p.In, err)
		}
		switch p.In {
		case "path":
			r.Path = strings.ReplaceAll(r.Path, "{"+p.Name+"}", pathValue(p, v))
		case "query":
			r.Query = append(r.Query, queryPairs(p, v)...)
		case "header":
			r.Header.Set(p.Name, simple(v, explode(p, false)))
		case "cookie":
			cookies = append(cookies, p.Name+"="+url.QueryEscape(simple(v, false)))
		}
	}
	if len(op.Security) > 0 && !op.SecurityOptional && !opts.NoCredentials {
		cookies = placeholderCredentials(r, op.Security[0], cookies)
	}
	if sel := op.Selector; sel != nil {
		if sel.In == "header" {
			r.Header.Set(sel.Name, sel.Value)
		} else {
			r.Query = append(r.Query, url.QueryEscape(sel.Name)+"="+url.QueryEscape(sel.Value))
		}
	}
	if len(cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if err := buildBody(r, op, opts); err != nil {
		return nil, err
	}
	if opts.ContentType != "" && r.Body != nil {
		r.Header.Set("Content-Type", opts.ContentType)
	}
	return r, nil
}

// overrideParam sends raw (nil: nothing) as parameter p's value and
// returns the cookies.
func overrideParam(r *Request, p *v3.Parameter, raw *string, cookies []string) []string {
	if raw == nil {
		return cookies
	}
	switch p.In {
	case "path":
		r.Path = strings.ReplaceAll(r.Path, "{"+p.Name+"}", url.PathEscape(*raw))
	case "query":
		r.Query = append(r.Query, url.QueryEscape(p.Name)+"="+url.QueryEscape(*raw))
	case "header":
		r.Header.Set(p.Name, *raw)
	case "cookie":
		cookies = append(cookies, p.Name+"="+url.QueryEscape(*raw))
	}
	return cookies
}

// placeholderCredentials adds placeholder credentials for schemes to r and
// returns cookies with the apiKey cookies added.
func placeholderCredentials(r *Request, schemes []*validator.SecurityScheme, cookies []string) []string {
	for _, sc := range schemes {
		switch {
		case sc.Type == "http" && sc.Scheme == "basic":
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("user:pass")))
		case sc.Type == "http" && sc.Scheme != "":
			r.Header.Set("Authorization", strings.ToUpper(sc.Scheme[:1])+sc.Scheme[1:]+" token")
		case sc.Type == "oauth2" || sc.Type == "openIdConnect":
			r.Header.Set("Authorization", "Bearer token")
		case sc.Type == "apiKey" && sc.In == "header":
			r.Header.Set(sc.Param, "key")
		case sc.Type == "apiKey" && sc.In == "query":
			r.Query = append(r.Query, url.QueryEscape(sc.Param)+"=key")
		case sc.Type == "apiKey" && sc.In == "cookie":
			cookies = append(cookies, sc.Param+"=key")
		}
	}
	return cookies
}

// buildBody sets r's body from the first request media type that can be
// encoded: the media type's example in Static mode with opts.Spec, else a
// generated value.
func buildBody(r *Request, op *validator.Operation, opts BuildOptions) error {
	rb := op.Op.RequestBody
	if rb == nil || rb.Content == nil || rb.Content.Len() == 0 {
		return nil
	}
	var skipped []string
	for p := rb.Content.First(); p != nil; p = p.Next() {
		mt, media := p.Key(), p.Value()
		if isXML(mt) && opts.EncodeBody == nil {
			skipped = append(skipped, mt)
			continue
		}
		v, err := bodyValue(media, opts)
		if err != nil {
			return fmt.Errorf("request body %s: %w", mt, err)
		}
		if opts.MutateBody != nil {
			v = opts.MutateBody(v)
		}
		b, ct, err := encodeRequestBody(mt, media, v, opts.EncodeBody)
		if err != nil {
			return fmt.Errorf("request body %s: %w", mt, err)
		}
		if b != nil {
			r.Body = b
			r.Header.Set("Content-Type", ct)
		}
		return nil
	}
	return fmt.Errorf("%w: the operation accepts only %s", ErrNoBody, strings.Join(skipped, ", "))
}

// bodyValue is the media type's example (Static mode with a spec) or a
// value generated from its schema.
func bodyValue(media *v3.MediaType, opts BuildOptions) (any, error) {
	if opts.Rand == nil && opts.Spec != nil {
		if ex, ok := opts.Spec.MediaExample(media, "", decodeNode); ok && !ex.FromSchema {
			return ex.Value, nil
		}
	}
	if media == nil || media.Schema == nil {
		return nil, nil
	}
	return schemagen.GenerateProxy(media.Schema, opts.gen())
}

// decodeNode turns an example's YAML node into a JSON-compatible value.
func decodeNode(n *yaml.Node) any {
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return jsonCompatible(v)
}

// jsonCompatible converts YAML maps with non-string keys into JSON objects.
func jsonCompatible(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonCompatible(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonCompatible(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonCompatible(e)
		}
	}
	return v
}
