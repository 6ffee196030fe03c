package contract

// This file keeps secrets out of findings: values of the exchange's
// credentials quoted in a message, detail or hint are replaced.

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// redact replaces secret values quoted in a finding's message and detail:
// values the redactor finds anywhere in the interaction (headers, URL,
// bodies, spec credential names included), values under secret-named keys
// at the finding's pointer, and the finding's named parameter.
func (c *Checker) redact(ix *interaction, f *validator.Finding) {
	for _, v := range c.secrets(ix) {
		f.Message = strings.ReplaceAll(f.Message, v, redact.Redacted)
		f.Detail = strings.ReplaceAll(f.Detail, v, redact.Redacted)
		f.Hint = strings.ReplaceAll(f.Hint, v, redact.Redacted)
	}
	if c.secretPointer(f.Pointer) {
		f.Message = redactQuoted(f.Message)
		f.Detail = redactQuoted(f.Detail)
		f.Hint = redactQuoted(f.Hint)
	}
	if f.Name == "" {
		return
	}
	var values []string
	switch f.In {
	case "header":
		if !c.cfg.Redactor.IsSecretHeader(f.Name) {
			return
		}
		values = append(ix.RequestHeader.Values(f.Name), ix.ResponseHeader.Values(f.Name)...)
	case "query":
		if !c.cfg.Redactor.IsSecretQuery(f.Name) {
			return
		}
		values = ix.URL.Query()[f.Name]
	case "cookie":
		if !c.cfg.Redactor.IsSecretQuery(f.Name) && !c.cfg.Redactor.IsSecretHeader("Cookie") {
			return
		}
		r := http.Request{Header: ix.RequestHeader}
		for _, ck := range r.Cookies() {
			if ck.Name == f.Name {
				values = append(values, ck.Value)
			}
		}
	default:
		return
	}
	for _, v := range values {
		if len(v) < 3 {
			continue
		}
		f.Message = strings.ReplaceAll(f.Message, v, redact.Redacted)
		f.Detail = strings.ReplaceAll(f.Detail, v, redact.Redacted)
		f.Hint = strings.ReplaceAll(f.Hint, v, redact.Redacted)
	}
}

// secrets returns the secret values of ix (computed once per Check call
// and kept on it): the redactor runs over a copy of the whole exchange.
func (c *Checker) secrets(ix *interaction) []string {
	if ix.secrets != nil {
		return *ix.secrets
	}
	x := redact.Exchange{
		Request:  redact.Message{URL: ix.URL.String(), Header: ix.RequestHeader.Clone(), Body: ix.RequestBody},
		Response: redact.Message{Header: ix.ResponseHeader.Clone(), Body: ix.ResponseBody},
	}
	vals := c.cfg.Redactor.Exchange(&x)
	ix.secrets = &vals
	return vals
}

// secretPointer reports whether a JSON pointer passes through a secret key.
func (c *Checker) secretPointer(ptr string) bool {
	for _, seg := range strings.Split(ptr, "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if seg != "" && c.cfg.Redactor.IsSecretKey(seg) {
			return true
		}
	}
	return false
}

var quoted = regexp.MustCompile(`'[^']*'|"[^"]*"|\b\d[\d.eE+-]*\b`)

// redactQuoted replaces quoted strings and numbers in a finding about a
// value under a secret key.
func redactQuoted(s string) string {
	return quoted.ReplaceAllString(s, redact.Redacted)
}

var declaredList = regexp.MustCompile(`Declared properties: \[([^\]]*)\]`)

// sortDeclared sorts the "Declared properties: [...]" list of strict-mode
// reasons (the library prints it in map order), so findings deduplicate.
func sortDeclared(s string) string {
	return declaredList.ReplaceAllStringFunc(s, func(m string) string {
		inner := declaredList.FindStringSubmatch(m)[1]
		parts := strings.Split(inner, ", ")
		sort.Strings(parts)
		return "Declared properties: [" + strings.Join(parts, ", ") + "]"
	})
}
