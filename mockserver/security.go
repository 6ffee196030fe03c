package mockserver

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/mockd/mockd/validator"
)

// checkSecurity reports whether r carries credentials of the kind the
// operation requires (values are not checked). When it does not, it returns
// the WWW-Authenticate challenges to send (one per http-like scheme).
func checkSecurity(r *http.Request, op *validator.Operation) (ok bool, challenges []string, missing []string) {
	if len(op.Security) == 0 || op.SecurityOptional {
		return true, nil, nil
	}
	for _, alt := range op.Security {
		satisfied := true
		for _, sc := range alt {
			if !hasCredential(r, sc) {
				satisfied = false
				missing = append(missing, describe(sc))
			}
		}
		if satisfied {
			return true, nil, nil
		}
	}
	seen := map[string]bool{}
	for _, alt := range op.Security {
		for _, sc := range alt {
			if c := challenge(sc); c != "" && !seen[c] {
				seen[c] = true
				challenges = append(challenges, c)
			}
		}
	}
	return false, challenges, missing
}

func hasCredential(r *http.Request, sc *validator.SecurityScheme) bool {
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
	// mutualTLS and unknown types cannot be checked by a mock: accept.
	return true
}

func hasAuthScheme(r *http.Request, scheme string) bool {
	for _, v := range r.Header.Values("Authorization") {
		got, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		rest = strings.TrimSpace(rest)
		if strings.EqualFold(got, scheme) && rest != "" {
			if scheme == "basic" {
				// Basic credentials are base64("user:password"); anything
				// else is not a credential of that kind.
				dec, err := base64.StdEncoding.DecodeString(rest)
				return err == nil && strings.Contains(string(dec), ":")
			}
			return true
		}
		if scheme == "" && got != "" {
			return true
		}
	}
	return false
}

func challenge(sc *validator.SecurityScheme) string {
	switch sc.Type {
	case "http":
		switch sc.Scheme {
		case "basic":
			return `Basic realm="*"`
		case "bearer":
			return "Bearer"
		case "digest":
			return `Digest realm="*"`
		case "":
			return ""
		}
		return strings.ToUpper(sc.Scheme[:1]) + sc.Scheme[1:]
	case "oauth2", "openIdConnect":
		return "Bearer"
	}
	return ""
}

func describe(sc *validator.SecurityScheme) string {
	switch sc.Type {
	case "http":
		return sc.Name + " (Authorization: " + sc.Scheme + " credentials)"
	case "apiKey":
		return sc.Name + " (API key in " + sc.In + " " + sc.Param + ")"
	case "oauth2", "openIdConnect":
		return sc.Name + " (Authorization: Bearer token)"
	}
	return sc.Name
}
