package redact

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/mockd/mockd/internal/content"
)

// Redacted replaces every secret value.
const Redacted = "REDACTED"

// TruncatedHeader is mockd's own marker header on a body the capture cut at
// its size limit (the value is the full size). It never disables redaction,
// and a copy sent by a client or an upstream is stripped at capture.
const TruncatedHeader = "X-Mockd-Body-Truncated"

// MinPropagated is the shortest secret value that Exchange scrubs from the
// rest of an exchange (shorter values would corrupt unrelated data).
const MinPropagated = 6

// Config configures a Redactor. The zero value redacts the defaults.
//
// Defaults: the headers Authorization, Proxy-Authorization, Cookie,
// Set-Cookie and X-Api-Key, and any header, query parameter, form or
// multipart field or JSON object key whose lower-cased name contains
// "token", "secret", "password", "passwd", "api-key", "api_key", "apikey",
// "private_key", "credential", "code_verifier" or is "authorization". Under
// a secret JSON key the whole value goes (string, number, array or object).
// The OAuth authorization code ("code") is secret in a Location header and
// in a form that also has grant_type=authorization_code (a token request).
//
// Value shapes: Authorization and Proxy-Authorization keep their scheme
// ("Bearer REDACTED"); Cookie keeps cookie names ("a=REDACTED; b=REDACTED");
// Set-Cookie keeps the name and the attributes; everything else becomes
// "REDACTED".
type Config struct {
	// DisableDefaults turns the default names off; only the names and paths
	// below are redacted. The CLI warns when it is set.
	DisableDefaults bool
	// Headers are extra header names (case-insensitive; '*' globs allowed).
	Headers []string
	// QueryParams are extra query parameter names (case-insensitive; '*'
	// globs allowed); they also apply to form fields and JSON keys.
	QueryParams []string
	// BodyKeys are extra JSON object keys and form/multipart field names
	// (case-insensitive; '*' globs allowed).
	BodyKeys []string
	// JSONPaths are paths into JSON bodies whose values (of any type) are
	// replaced: $.password, $.user.token, $.items[*].secret, $..token.
	JSONPaths []string
	// SpecNames are credential names taken from a spec (the names of its
	// apiKey security schemes, whatever their "in"); each is redacted as a
	// header, a query parameter, a cookie and a body key. Redact does not
	// read specs: the caller passes plain strings.
	SpecNames []string
	// Limits bound how far an encoded body is inflated (zero: defaults of
	// internal/content). A body over them is replaced by a marker.
	Limits content.Limits
}

// Redactor removes secrets from exchanges, URLs, headers and bodies. It is
// immutable after New and safe for concurrent use. Its methods never modify
// the maps or slices they are given unless they say so.
type Redactor struct {
	defaults    bool
	headerNames names
	queryNames  names
	bodyNames   names
	paths       []jsonPath
	urlRe       *regexp.Regexp // urlPattern
	pairRe      *regexp.Regexp // secretPairPattern
	namedRe     *regexp.Regexp // name=value pairs of the configured names (nil: none)
	likeRe      *regexp.Regexp // secret-like names in unparseable text
	limits      content.Limits
	salt        [16]byte
	known       []string // WithValues: literal secrets, with their encoded forms
}

type names struct {
	exact map[string]bool
	globs []string
}

func (n *names) add(kind, raw string) error {
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" {
		return fmt.Errorf("redact: empty %s name in the redaction list (remove the empty entry)", kind)
	}
	if strings.ContainsAny(v, "*?[") {
		if _, err := path.Match(v, ""); err != nil {
			return fmt.Errorf("redact: bad %s pattern %q: %w (use '*' as the only wildcard)", kind, v, err)
		}
		n.globs = append(n.globs, v)
		return nil
	}
	if n.exact == nil {
		n.exact = map[string]bool{}
	}
	n.exact[v] = true
	return nil
}

func (n *names) match(lower string) bool {
	if n.exact[lower] {
		return true
	}
	for _, g := range n.globs {
		if ok, _ := path.Match(g, lower); ok {
			return true
		}
	}
	return false
}

// New validates cfg and builds a Redactor.
func New(cfg Config) (*Redactor, error) {
	r := &Redactor{defaults: !cfg.DisableDefaults, limits: cfg.Limits}
	if _, err := rand.Read(r.salt[:]); err != nil {
		return nil, fmt.Errorf("redact: random salt: %w", err)
	}
	lists := []struct {
		kind string
		in   []string
		into []*names
	}{
		{"header", cfg.Headers, []*names{&r.headerNames}},
		{"query parameter", cfg.QueryParams, []*names{&r.queryNames, &r.bodyNames}},
		{"body key", cfg.BodyKeys, []*names{&r.bodyNames}},
		{"spec credential", cfg.SpecNames, []*names{&r.headerNames, &r.queryNames, &r.bodyNames}},
	}
	for _, l := range lists {
		for _, n := range l.in {
			for _, into := range l.into {
				if err := into.add(l.kind, n); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, p := range cfg.JSONPaths {
		jp, err := parseJSONPath(p)
		if err != nil {
			return nil, err
		}
		r.paths = append(r.paths, jp)
	}
	r.compile()
	return r, nil
}

func (r *Redactor) compile() {
	r.urlRe = regexp.MustCompile(urlPattern)
	r.pairRe = regexp.MustCompile(secretPairPattern)
	r.likeRe = regexp.MustCompile(`token|secret|passw|api[-_]?key|private_key|credential|code_verifier|authorization|bearer|cookie`)
	var all []string
	for _, n := range []names{r.headerNames, r.queryNames, r.bodyNames} {
		for k := range n.exact {
			all = append(all, regexp.QuoteMeta(k))
		}
	}
	if len(all) > 0 {
		sort.Strings(all)
		r.namedRe = regexp.MustCompile(`(?i)((?:` + strings.Join(all, "|") + `)["']?\s*[:=]\s*["']?)([^"'&\s,;<>}\]]+)`)
	}
}

// Default returns a Redactor with the default rules only.
func Default() *Redactor {
	r, err := New(Config{})
	if err != nil { // only crypto/rand can fail; fall back to a zero salt
		d := &Redactor{defaults: true}
		d.compile()
		return d
	}
	return r
}

// DefaultsDisabled reports whether the default rules are off.
func (r *Redactor) DefaultsDisabled() bool { return !r.defaults }

// secretName applies the default name patterns to a lower-cased name.
func secretName(lower string) bool {
	for _, p := range [...]string{"token", "secret", "password", "passwd", "api-key", "api_key", "apikey", "private_key", "credential", "code_verifier"} {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return lower == "authorization"
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
	return r.headerNames.match(lower)
}

// KeepsHeader reports whether Headers copies every value of header name
// unchanged: it is neither secret, nor a cookie, nor URL-valued. Code that
// copies many headers per request can remember the answer per name and
// hand only the other headers to Headers.
func (r *Redactor) KeepsHeader(name string) bool {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Cookie", "Set-Cookie":
		return false
	}
	return !r.IsSecretHeader(name) && !urlHeader(name)
}

// IsSecretQuery reports whether a query parameter or form field is redacted.
func (r *Redactor) IsSecretQuery(name string) bool {
	lower := strings.ToLower(name)
	if r.defaults && secretName(lower) {
		return true
	}
	return r.queryNames.match(lower)
}

// IsSecretKey reports whether a JSON object key or a form or multipart
// field name is redacted (with its whole value).
func (r *Redactor) IsSecretKey(name string) bool {
	lower := strings.ToLower(name)
	if r.defaults && secretName(lower) {
		return true
	}
	return r.bodyNames.match(lower) || r.queryNames.match(lower)
}

// Fingerprint returns "[REDACTED:<8 hex digits>]", a keyed hash of v that is
// stable for this Redactor (so equal secrets compare equal, e.g. in journal
// keys) and reveals nothing about v.
func (r *Redactor) Fingerprint(v string) string {
	m := hmac.New(sha256.New, r.salt[:])
	m.Write([]byte(v))
	return "[" + Redacted + ":" + hex.EncodeToString(m.Sum(nil)[:4]) + "]"
}

// HeaderValue returns the redacted form of one value of header name.
func (r *Redactor) HeaderValue(name, value string) string {
	return r.scrubKnown(r.headerValue(name, value, nil))
}

func (r *Redactor) headerValue(name, value string, sc *scan) string {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		v := strings.TrimSpace(value)
		sc.add(v)
		if i := strings.IndexByte(v, ' '); i > 0 {
			sc.add(strings.TrimSpace(v[i+1:]))
			return v[:i] + " " + Redacted
		}
		return Redacted
	case "Cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			p = strings.TrimSpace(p)
			if eq := strings.IndexByte(p, '='); eq >= 0 {
				sc.add(p[eq+1:])
				parts[i] = p[:eq+1] + Redacted
			} else {
				sc.add(p)
				parts[i] = Redacted
			}
		}
		return strings.Join(parts, "; ")
	case "Set-Cookie":
		first, attrs, hasAttrs := strings.Cut(value, ";")
		out := Redacted
		if eq := strings.IndexByte(first, '='); eq >= 0 {
			sc.add(strings.TrimSpace(first[eq+1:]))
			out = strings.TrimSpace(first[:eq]) + "=" + Redacted
		} else {
			sc.add(first)
		}
		if hasAttrs {
			out += ";" + attrs
		}
		return out
	}
	sc.add(value)
	return Redacted
}

// Headers returns a copy of h with secret values redacted, URL-valued
// headers (Location, Content-Location, Referer, Link, Refresh) redacted as
// URLs, and cookies named like secrets (or by the spec) redacted. A nil h
// gives nil.
func (r *Redactor) Headers(h http.Header) http.Header {
	out := r.headers(h, nil)
	scrubHeader(out, r.known)
	return out
}

// RequestParts redacts a request's raw query and headers together: a secret
// value found in one (a token in the query, a bearer in Authorization) is
// scrubbed from everywhere else in both (value propagation). It also
// returns those values, for text the caller keeps apart (see Scrub).
func (r *Redactor) RequestParts(rawQuery string, h http.Header) (string, http.Header, []string) {
	var sc scan
	q := r.query(rawQuery, false, &sc)
	out := r.headers(h, &sc)
	vals := r.withKnown(sc.list())
	if len(vals) > 0 {
		q = scrubString(q, vals)
		scrubHeader(out, vals)
	}
	return q, out, vals
}

func (r *Redactor) headers(h http.Header, sc *scan) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		red := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case r.IsSecretHeader(k):
				red[i] = r.headerValue(k, v, sc)
			case urlHeader(k):
				red[i] = r.urlHeaderValue(k, v, sc)
			case textproto.CanonicalMIMEHeaderKey(k) == "Cookie" || textproto.CanonicalMIMEHeaderKey(k) == "Set-Cookie":
				red[i] = r.namedCookies(k, v, sc)
			default:
				red[i] = v
			}
		}
		out[k] = red
	}
	return out
}

// Values returns a copy of v with secret fields' values redacted.
func (r *Redactor) Values(v url.Values) url.Values {
	return r.values(v, nil)
}

func (r *Redactor) values(v url.Values, sc *scan) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	codeForm := v.Get("grant_type") == "authorization_code"
	for k, vs := range v {
		if r.IsSecretKey(k) || codeForm && k == "code" {
			red := make([]string, len(vs))
			for i := range red {
				sc.add(vs[i])
				red[i] = Redacted
			}
			out[k] = red
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// namedCookies redacts the cookies whose names are secret (a spec's apiKey
// in: cookie, or a configured name) when the whole header is not.
func (r *Redactor) namedCookies(name, v string, sc *scan) string {
	if textproto.CanonicalMIMEHeaderKey(name) == "Set-Cookie" {
		first, _, _ := strings.Cut(v, ";")
		if n, _, ok := strings.Cut(first, "="); ok && r.IsSecretKey(strings.TrimSpace(n)) {
			return r.headerValue(name, v, sc)
		}
		return v
	}
	parts := strings.Split(v, ";")
	changed := false
	for i, p := range parts {
		n, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && r.IsSecretKey(n) {
			sc.add(val)
			parts[i] = n + "=" + Redacted
			changed = true
		} else {
			parts[i] = strings.TrimSpace(p)
		}
	}
	if !changed {
		return v
	}
	return strings.Join(parts, "; ")
}
