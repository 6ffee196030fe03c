package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// preferences are what the caller asked for with the Prefer header
// (RFC 7240: `Prefer: code=404, example=beard, dynamic=true`) or with the
// query parameters __code, __example and __dynamic. Query parameters win.
type preferences struct {
	code int    // 0 = not chosen; for a range or default, its representative status
	key  string // "4XX" or "default" when a range or default was chosen
	// anyMedia (set by mockd, never by the caller) serves the first declared
	// media type when none is acceptable: for error responses.
	anyMedia bool
	// warnings (set by mockd under --errors) go to the violations header.
	warnings []headerViolation
	example  string // "" = not chosen
	dynamic  *bool  // nil = server default
}

// Query parameters that carry preferences; they are removed from the request
// before validation so that specs that forbid unknown parameters still work.
const (
	queryCode    = "__code"
	queryExample = "__example"
	queryDynamic = "__dynamic"
)

// parsePreferences reads the Prefer header and the __ query parameters. It
// strips the query parameters from r. Unknown preferences are ignored, as RFC
// 7240 requires; a malformed value of a known one is an error.
func parsePreferences(r *http.Request) (preferences, error) {
	var p preferences
	for _, h := range r.Header.Values("Prefer") {
		for _, part := range splitComma(h) {
			// A preference may carry parameters after ';': ignore them.
			part, _, _ = strings.Cut(part, ";")
			k, v, _ := strings.Cut(part, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			v = strings.Trim(strings.TrimSpace(v), `"`)
			if err := p.set(k, v, "Prefer header"); err != nil {
				return p, err
			}
		}
	}
	if r.URL.RawQuery == "" || !strings.Contains(r.URL.RawQuery, "__") {
		return p, nil
	}
	q := r.URL.Query()
	changed := false
	for _, k := range []string{queryCode, queryExample, queryDynamic} {
		if vs, ok := q[k]; ok {
			changed = true
			if len(vs) > 0 {
				if err := p.set(strings.TrimPrefix(k, "__"), vs[len(vs)-1], "query parameter "+k); err != nil {
					return p, err
				}
			}
			q.Del(k)
		}
	}
	if changed {
		r.URL.RawQuery = encodeQueryKeepOrder(r.URL.RawQuery, q)
		r.RequestURI = r.URL.RequestURI()
	}
	return p, nil
}

func (p *preferences) set(k, v, where string) error {
	switch k {
	case "code":
		switch {
		case strings.EqualFold(v, "default"):
			p.code, p.key = 0, "default"
			return nil
		case len(v) == 3 && v[0] >= '1' && v[0] <= '5' && strings.EqualFold(v[1:], "XX"):
			p.code, p.key = int(v[0]-'0')*100, strings.ToUpper(v)
			return nil
		}
		c, err := strconv.Atoi(v)
		if err != nil || c < 100 || c > 599 {
			return fmt.Errorf("%s: code=%q is not an HTTP status code, a range or default (use e.g. code=404, code=4XX or code=default)", where, v)
		}
		p.code, p.key = c, ""
	case "example":
		if v == "" {
			return fmt.Errorf("%s: example= needs the name of an example of the chosen response", where)
		}
		p.example = v
	case "dynamic":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: dynamic=%q must be true or false", where, v)
		}
		p.dynamic = &b
	}
	return nil
}

// encodeQueryKeepOrder re-encodes the raw query without the removed keys,
// keeping the remaining parameters in their original order and encoding.
func encodeQueryKeepOrder(raw string, kept url.Values) string {
	var b strings.Builder
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, _, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if _, ok := kept[key]; !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(part)
	}
	return b.String()
}
