package redact

import (
	"net/textproto"
	"net/url"
	"strings"
)

// Query redacts secret parameters in a raw query string, keeping the order
// and encoding of everything else.
//
// A secret value found under a secret name is scrubbed from the other
// parameters too (?access_token=T&next=T): value propagation within the
// query. The cost is one pass when nothing secret is found.
func (r *Redactor) Query(rawQuery string) string {
	out := r.query(rawQuery, false, nil)
	if out == rawQuery {
		return r.scrubKnown(out)
	}
	return r.scrubKnown(propagated(func(sc *scan) string { return r.query(rawQuery, false, sc) }))
}

// propagated runs redact with a scan and scrubs the secret values it found
// from its output (value propagation within one string).
func propagated(redact func(*scan) string) string {
	var sc scan
	out := redact(&sc)
	return scrubString(out, sc.list())
}

// query redacts a raw query (or fragment); redirect (a Location header, or
// a form of the authorization_code grant) also treats the OAuth "code"
// parameter as secret.
func (r *Redactor) query(rawQuery string, redirect bool, sc *scan) string {
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
		secret := r.IsSecretQuery(key) || (redirect && strings.EqualFold(key, "code"))
		if secret && (!hasVal || val != Redacted) {
			if dec, err := url.QueryUnescape(val); err == nil {
				sc.add(dec)
			}
			sc.add(val)
			parts[i] = rawKey + "=" + Redacted
			changed = true
		}
	}
	if !changed {
		return rawQuery
	}
	return strings.Join(parts, "&")
}

// URL redacts secret query parameters, secret parameters in the fragment
// (#access_token=...), and URL userinfo (https://TOKEN@host and
// https://user:PASSWORD@host) in a URL or request-URI string, leaving the
// rest byte for byte.
func (r *Redactor) URL(raw string) string {
	out := r.url(raw, false, nil)
	if out == raw {
		return r.scrubKnown(out)
	}
	return r.scrubKnown(propagated(func(sc *scan) string { return r.url(raw, false, sc) }))
}

func (r *Redactor) url(raw string, redirect bool, sc *scan) string {
	base, frag, hasFrag := strings.Cut(raw, "#")
	head, query, hasQuery := strings.Cut(base, "?")
	if scheme := strings.Index(head, "://"); scheme >= 0 {
		authEnd := len(head)
		if slash := strings.IndexByte(head[scheme+3:], '/'); slash >= 0 {
			authEnd = scheme + 3 + slash
		}
		if at := strings.LastIndex(head[:authEnd], "@"); at > scheme {
			userinfo := head[scheme+3 : at]
			user, pass, hasPass := strings.Cut(userinfo, ":")
			if hasPass {
				sc.add(pass)
				sc.addUnescaped(pass)
				head = head[:scheme+3] + user + ":" + Redacted + head[at:]
			} else if user != Redacted {
				sc.add(user)
				sc.addUnescaped(user)
				head = head[:scheme+3] + Redacted + head[at:]
			}
		}
	}
	out := head
	if hasQuery {
		out += "?" + r.query(query, redirect, sc)
	}
	if hasFrag {
		if strings.Contains(frag, "=") {
			frag = r.query(frag, true, sc)
		}
		out += "#" + frag
	}
	return out
}

// urlHeader reports whether a header's value holds URLs.
func urlHeader(name string) bool {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Location", "Content-Location", "Referer", "Link", "Refresh", "Origin":
		return true
	}
	return false
}

// urlPattern finds absolute URLs and <...> references in free text.
const urlPattern = `<[^>\s]*>|[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`

func (r *Redactor) urlHeaderValue(name, v string, sc *scan) string {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Location", "Content-Location", "Referer":
		return r.url(v, true, sc)
	}
	return r.urlRe.ReplaceAllStringFunc(v, func(m string) string {
		if strings.HasPrefix(m, "<") {
			return "<" + r.url(m[1:len(m)-1], true, sc) + ">"
		}
		return r.url(m, true, sc)
	})
}

// secretPairPattern finds name=value and "name": "value" pairs whose name
// matches the default secret patterns, in free text (logs, text bodies,
// JSON that does not parse). Group 2 is the value.
const secretPairPattern = `(?i)((?:[a-z0-9_.-]*(?:token|secret|password|passwd|api[-_]?key|private_key|credential|code_verifier)[a-z0-9_.-]*|authorization)["']?\s*[:=]\s*["']?)((?:bearer|basic|token)\s+[^"'&\s,;<>}\]]+|[^"'&\s,;<>}\]]+)`

// Text redacts a free-text string: URLs in it (query, fragment, userinfo)
// and, with the defaults, name=value or "name": "value" pairs whose name
// looks secret. It is meant for log messages and error strings.
func (r *Redactor) Text(s string) string {
	out := r.text(s, nil)
	if out == s {
		return r.scrubKnown(out)
	}
	return r.scrubKnown(propagated(func(sc *scan) string { return r.text(s, sc) }))
}

func (r *Redactor) text(s string, sc *scan) string {
	if !strings.ContainsAny(s, ":=") {
		return s // no URL and no name=value pair
	}
	s = r.urlRe.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "<") {
			return "<" + r.url(m[1:len(m)-1], false, sc) + ">"
		}
		return r.url(m, false, sc)
	})
	if !r.defaults {
		return r.namedPairs(s, sc)
	}
	re := r.pairRe
	s = re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		if sub[2] == Redacted || strings.HasPrefix(sub[2], "["+Redacted) {
			return m
		}
		sc.add(sub[2])
		return sub[1] + Redacted
	})
	return r.namedPairs(s, sc)
}

// namedPairs redacts name=value pairs of the configured names in free text.
func (r *Redactor) namedPairs(s string, sc *scan) string {
	re := r.namedRe
	if re == nil {
		return s
	}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sub := re.FindStringSubmatch(m)
		if sub[2] == Redacted {
			return m
		}
		sc.add(sub[2])
		return sub[1] + Redacted
	})
}
