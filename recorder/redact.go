package recorder

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// Redacted replaces every secret value.
const Redacted = "REDACTED"

// RedactConfig configures a Redactor. The zero value redacts the defaults.
//
// Defaults: the headers Authorization, Proxy-Authorization, Cookie,
// Set-Cookie and X-Api-Key, and any header, query parameter, form field or
// JSON object key whose lower-cased name contains "token", "secret",
// "password", "api-key", "api_key" or "apikey". For JSON keys only string
// values are replaced by default (numbers and booleans are not secrets).
//
// Value shapes: Authorization and Proxy-Authorization keep their scheme
// ("Bearer REDACTED", "Basic REDACTED") so a check of the scheme still
// works; Cookie keeps cookie names ("a=REDACTED; b=REDACTED"); Set-Cookie
// keeps the name and the attributes ("sid=REDACTED; Path=/; HttpOnly");
// everything else becomes "REDACTED".
type RedactConfig struct {
	// DisableDefaults turns the default names and patterns off; only the
	// names and paths below are redacted. The CLI should warn when set.
	DisableDefaults bool
	// Headers are extra header names (case-insensitive; '*' globs allowed),
	// e.g. from --redact-header or an OpenAPI apiKey security scheme.
	Headers []string
	// QueryParams are extra query parameter and form field names
	// (case-insensitive; '*' globs allowed).
	QueryParams []string
	// JSONPaths are paths into JSON request and response bodies whose values
	// (of any type) are replaced: $.password, $.user.token,
	// $.items[*].secret, $['odd key'], $.list[0], $..token (any depth).
	JSONPaths []string
}

// Redactor removes secrets from interactions, URLs and headers. It is
// immutable after NewRedactor and safe for concurrent use. Its methods never
// modify the maps or slices they are given: they install redacted copies.
type Redactor struct {
	defaults    bool
	headerExact map[string]bool
	headerGlobs []string
	queryExact  map[string]bool
	queryGlobs  []string
	paths       []jsonPath
}

// NewRedactor validates cfg and builds a Redactor.
func NewRedactor(cfg RedactConfig) (*Redactor, error) {
	r := &Redactor{
		defaults:    !cfg.DisableDefaults,
		headerExact: map[string]bool{},
		queryExact:  map[string]bool{},
	}
	add := func(kind string, names []string, exact map[string]bool, globs *[]string) error {
		for _, n := range names {
			n = strings.ToLower(strings.TrimSpace(n))
			if n == "" {
				return fmt.Errorf("recorder: empty %s name in redaction list (remove the empty entry)", kind)
			}
			if strings.ContainsAny(n, "*?[") {
				if _, err := path.Match(n, ""); err != nil {
					return fmt.Errorf("recorder: bad %s pattern %q: %w (use '*' as the only wildcard)", kind, n, err)
				}
				*globs = append(*globs, n)
				continue
			}
			exact[n] = true
		}
		return nil
	}
	if err := add("header", cfg.Headers, r.headerExact, &r.headerGlobs); err != nil {
		return nil, err
	}
	if err := add("query parameter", cfg.QueryParams, r.queryExact, &r.queryGlobs); err != nil {
		return nil, err
	}
	for _, p := range cfg.JSONPaths {
		jp, err := parseJSONPath(p)
		if err != nil {
			return nil, err
		}
		r.paths = append(r.paths, jp)
	}
	return r, nil
}

// DefaultRedactor returns a Redactor with the default rules only.
func DefaultRedactor() *Redactor {
	r, _ := NewRedactor(RedactConfig{}) // the zero config cannot fail
	return r
}

// DefaultsDisabled reports whether the default rules are off.
func (r *Redactor) DefaultsDisabled() bool { return !r.defaults }

// secretName applies the default name patterns (*token*, *secret*,
// *password*, *api-key*, *api_key*, *apikey*) to a lower-cased name.
func secretName(lower string) bool {
	return strings.Contains(lower, "token") || strings.Contains(lower, "secret") ||
		strings.Contains(lower, "password") || strings.Contains(lower, "api-key") ||
		strings.Contains(lower, "api_key") || strings.Contains(lower, "apikey")
}

func matchAny(lower string, exact map[string]bool, globs []string) bool {
	if exact[lower] {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(g, lower); ok {
			return true
		}
	}
	return false
}

// IsSecretHeader reports whether a header's value is redacted.
func (r *Redactor) IsSecretHeader(name string) bool {
	lower := strings.ToLower(name)
	if r.defaults {
		switch lower {
		case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key":
			return true
		}
		if secretName(lower) {
			return true
		}
	}
	return matchAny(lower, r.headerExact, r.headerGlobs)
}

// IsSecretQuery reports whether a query parameter or form field is redacted.
func (r *Redactor) IsSecretQuery(name string) bool {
	lower := strings.ToLower(name)
	if r.defaults && secretName(lower) {
		return true
	}
	return matchAny(lower, r.queryExact, r.queryGlobs)
}

// RedactHeaderValue returns the redacted form of one value of header name.
func (r *Redactor) RedactHeaderValue(name, value string) string {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		if i := strings.IndexByte(strings.TrimSpace(value), ' '); i > 0 {
			return strings.TrimSpace(value)[:i] + " " + Redacted
		}
		return Redacted
	case "Cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			p = strings.TrimSpace(p)
			if eq := strings.IndexByte(p, '='); eq >= 0 {
				parts[i] = p[:eq+1] + Redacted
			} else {
				parts[i] = Redacted
			}
		}
		return strings.Join(parts, "; ")
	case "Set-Cookie":
		first, attrs, hasAttrs := strings.Cut(value, ";")
		out := Redacted
		if eq := strings.IndexByte(first, '='); eq >= 0 {
			out = strings.TrimSpace(first[:eq]) + "=" + Redacted
		}
		if hasAttrs {
			out += ";" + attrs
		}
		return out
	}
	return Redacted
}

// RedactHeaders returns a copy of h with secret values redacted; use it
// before logging headers. A nil h gives nil.
func (r *Redactor) RedactHeaders(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if !r.IsSecretHeader(k) {
			out[k] = append([]string(nil), vs...)
			continue
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			red[i] = r.RedactHeaderValue(k, v)
		}
		out[k] = red
	}
	return out
}

// RedactQuery redacts secret parameters in a raw query string, keeping the
// order and encoding of everything else.
func (r *Redactor) RedactQuery(rawQuery string) string {
	if rawQuery == "" {
		return rawQuery
	}
	parts := strings.Split(rawQuery, "&")
	changed := false
	for i, p := range parts {
		rawKey, val, hasVal := strings.Cut(p, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			key = rawKey
		}
		if r.IsSecretQuery(key) && (!hasVal || val != Redacted) {
			parts[i] = rawKey + "=" + Redacted
			changed = true
		}
	}
	if !changed {
		return rawQuery
	}
	return strings.Join(parts, "&")
}

// RedactURL redacts secret query parameters and any userinfo password in a
// URL or request-URI string, leaving the rest byte-for-byte.
func (r *Redactor) RedactURL(raw string) string {
	base, frag, hasFrag := strings.Cut(raw, "#")
	head, query, hasQuery := strings.Cut(base, "?")
	if at := strings.Index(head, "@"); at >= 0 {
		if scheme := strings.Index(head, "://"); scheme >= 0 && scheme < at {
			userinfo := head[scheme+3 : at]
			if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
				head = head[:scheme+3] + user + ":" + Redacted + head[at:]
			}
		}
	}
	out := head
	if hasQuery {
		out += "?" + r.RedactQuery(query)
	}
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// RedactValues returns a copy of v with secret fields' values redacted.
func (r *Redactor) RedactValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		if r.IsSecretQuery(k) {
			red := make([]string, len(vs))
			for i := range red {
				red[i] = Redacted
			}
			out[k] = red
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// RedactRequest redacts a recorded request in place: headers, URL,
// request URI, form and body.
func (r *Redactor) RedactRequest(req *cassette.Request) {
	req.Headers = r.RedactHeaders(req.Headers)
	req.Trailer = r.RedactHeaders(req.Trailer)
	req.URL = r.RedactURL(req.URL)
	req.RequestURI = r.RedactURL(req.RequestURI)
	req.Form = r.RedactValues(req.Form)
	if body, ok := r.RedactBody(req.Headers, req.Body); ok {
		req.Body = body
		req.ContentLength = int64(len(body))
		fixContentLength(req.Headers, len(body))
	}
}

// RedactResponse redacts a recorded response in place: headers, trailers
// and body.
func (r *Redactor) RedactResponse(resp *cassette.Response) {
	resp.Headers = r.RedactHeaders(resp.Headers)
	resp.Trailer = r.RedactHeaders(resp.Trailer)
	if body, ok := r.RedactBody(resp.Headers, resp.Body); ok {
		resp.Body = body
		if resp.ContentLength >= 0 {
			resp.ContentLength = int64(len(body))
		}
		fixContentLength(resp.Headers, len(body))
	}
}

// RedactInteraction redacts both sides of an interaction in place.
func (r *Redactor) RedactInteraction(i *cassette.Interaction) {
	r.RedactRequest(&i.Request)
	r.RedactResponse(&i.Response)
}

func fixContentLength(h http.Header, n int) {
	if h != nil && h.Get("Content-Length") != "" {
		h.Set("Content-Length", strconv.Itoa(n))
	}
}

// RedactBody redacts a body given its headers: JSON bodies (JSON paths and,
// with defaults, secret-named keys) and form-urlencoded bodies (secret
// fields). A gzip-encoded body is decoded, redacted and re-encoded. It
// reports whether the body changed. Other bodies (multipart, br, binary) are
// returned unchanged.
func (r *Redactor) RedactBody(h http.Header, body string) (string, bool) {
	if body == "" || h.Get(TruncatedHeader) != "" {
		return body, false
	}
	codings := contentCodings(h)
	if len(codings) > 1 || (len(codings) == 1 && codings[0] != "gzip" && codings[0] != "x-gzip") {
		return body, false
	}
	plain := []byte(body)
	if len(codings) == 1 {
		dec, err := decodeBody(codings[0], plain, maxValidateBytes)
		if err != nil {
			return body, false
		}
		plain = dec
	}
	out, changed := r.redactPlain(h.Get("Content-Type"), plain)
	if !changed {
		return body, false
	}
	if len(codings) == 1 {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(out)
		_ = zw.Close()
		out = buf.Bytes()
	}
	return string(out), true
}

func (r *Redactor) redactPlain(contentType string, body []byte) ([]byte, bool) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		red := r.RedactQuery(string(body))
		return []byte(red), red != string(body)
	case strings.HasSuffix(mt, "json") || (mt == "" && looksJSON(body)):
		if !r.defaults && len(r.paths) == 0 {
			return body, false
		}
		root, err := parseOrderedJSON(body)
		if err != nil {
			return body, false
		}
		changed := false
		if r.defaults {
			changed = redactSecretKeys(root) || changed
		}
		for _, p := range r.paths {
			var c bool
			root, c = p.apply(root)
			changed = changed || c
		}
		if !changed {
			return body, false
		}
		return root.encode(nil), true
	}
	return body, false
}

func looksJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// redactSecretKeys replaces string values of secret-named keys at any depth.
func redactSecretKeys(n *jnode) bool {
	changed := false
	switch n.kind {
	case jObject:
		for i, k := range n.keys {
			v := n.vals[i]
			if v.kind == jString && secretName(strings.ToLower(k)) {
				if v.str != Redacted {
					n.vals[i] = redactedNode()
					changed = true
				}
				continue
			}
			changed = redactSecretKeys(v) || changed
		}
	case jArray:
		for _, v := range n.vals {
			changed = redactSecretKeys(v) || changed
		}
	}
	return changed
}
