package validator

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
)

// CredentialsPresent reports whether r carries credentials of the kind op
// requires (an Authorization header of the scheme, the API key in its
// header, query parameter or cookie). Values are not verified. It also
// returns what is missing, one entry per scheme of the alternatives.
func (o *Operation) CredentialsPresent(r *http.Request) (bool, []string) {
	if len(o.Security) == 0 || o.SecurityOptional {
		return true, nil
	}
	var missing []string
	for _, alt := range o.Security {
		ok := true
		for _, sc := range alt {
			if !hasCredential(r, sc) {
				ok = false
				missing = append(missing, describeScheme(sc))
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, missing
}

func hasCredential(r *http.Request, sc *SecurityScheme) bool {
	switch sc.Type {
	case "http":
		return hasAuthScheme(r, sc.Scheme)
	case "oauth2", "openIdConnect":
		return hasAuthScheme(r, "bearer")
	case "apiKey":
		switch sc.In {
		case "header":
			return r.Header.Get(sc.Param) != ""
		case "query":
			return r.URL.Query().Has(sc.Param)
		case "cookie":
			_, err := r.Cookie(sc.Param)
			return err == nil
		}
		return false
	}
	return true // mutualTLS and unknown types cannot be seen in traffic
}

func hasAuthScheme(r *http.Request, scheme string) bool {
	for _, v := range r.Header.Values("Authorization") {
		got, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		rest = strings.TrimSpace(rest)
		if scheme == "" && got != "" {
			return true
		}
		if !strings.EqualFold(got, scheme) || rest == "" {
			continue
		}
		if scheme == "basic" && rest != "REDACTED" {
			dec, err := base64.StdEncoding.DecodeString(rest)
			return err == nil && strings.Contains(string(dec), ":")
		}
		return true
	}
	return false
}

func describeScheme(sc *SecurityScheme) string {
	switch sc.Type {
	case "http":
		return sc.Name + " (Authorization: " + sc.Scheme + ")"
	case "apiKey":
		return sc.Name + " (" + sc.In + " " + sc.Param + ")"
	case "oauth2", "openIdConnect":
		return sc.Name + " (Authorization: Bearer)"
	}
	return sc.Name
}

// CredentialNames returns the parameter names of the spec's apiKey security
// schemes (whatever their "in": header, query or cookie), sorted, for the
// redactor: a value under one of these names is a secret.
func (s *Spec) CredentialNames() []string {
	var out []string
	for _, sc := range s.SecuritySchemes() {
		if sc.Type == "apiKey" && sc.Param != "" {
			out = append(out, sc.Param)
		}
	}
	sort.Strings(out)
	return out
}
