package contract

import (
	"net/http"
	"strings"

	"github.com/mockd/mockd/validator"
)

// checkSecurity reports a request without the credentials its operation
// requires.
func (c *Checker) checkSecurity(r *http.Request, op *validator.Operation) (validator.Finding, bool) {
	ok, missing := op.CredentialsPresent(r)
	if ok {
		return validator.Finding{}, false
	}
	return validator.Finding{
		Check:   validator.CheckRequestSecurity,
		Message: "the request carries no credentials the operation accepts",
		Detail:  "missing: " + strings.Join(missing, " or "),
		Hint:    "send credentials of one of the operation's security requirements (recorded values may be redacted; only their presence is checked)",
	}, true
}
