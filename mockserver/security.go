package mockserver

import (
	"net/http"
	"strings"

	"github.com/mockd/mockd/validator"
)

// checkSecurity reports whether r carries credentials of the kind the
// operation requires (values are not checked). When it does not, it returns
// the WWW-Authenticate challenges to send (one per http-like scheme) and
// what is missing.
func checkSecurity(r *http.Request, op *validator.Operation) (ok bool, challenges []string, missing []string) {
	if ok, missing = op.CredentialsPresent(r); ok {
		return true, nil, nil
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
