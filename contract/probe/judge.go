package probe

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// judge applies the case's expectation to the checker's outcome. Valid
// requests: a 5xx is an error, a declared 4xx a warning (an undeclared
// one is the checker's response.status finding). Invalid requests: the request findings are what the case
// planted and are dropped; a 2xx or 3xx is an error, a 5xx too, and an
// undeclared 4xx gets Config.UndeclaredRejection.
func (r *runner) judge(c *Case, out *contract.Outcome) {
	status := out.Status
	if status >= 500 {
		out.Findings = without(out.Findings, validator.CheckResponseStatus) // the server error says it
	}
	if c.Valid {
		switch {
		case status >= 500:
			r.add(c, out, contract.CheckServerError, validator.SeverityError,
				fmt.Sprintf("the provider answered a valid request with %d", status), "fix the server error; the request satisfies the spec")
		case status >= 400 && out.StatusKey != "":
			r.add(c, out, contract.CheckValidRejected, validator.SeverityWarning,
				fmt.Sprintf("the provider rejected a valid request with %d", status),
				"the request satisfies the spec: the provider is stricter than the spec, or needs credentials or data (--header)")
		}
		return
	}
	kept := out.Findings[:0]
	for _, f := range out.Findings {
		if strings.HasPrefix(f.Check, "request") {
			continue // planted by the case
		}
		if f.Check == validator.CheckResponseStatus && status >= 400 && status < 500 {
			if r.cfg.UndeclaredRejection == validator.SeverityOff {
				continue
			}
			f.Severity = r.cfg.UndeclaredRejection
		}
		kept = append(kept, f)
	}
	out.Findings = kept
	switch {
	case status >= 500:
		r.add(c, out, contract.CheckServerError, validator.SeverityError,
			fmt.Sprintf("the provider answered an invalid request with %d instead of a 4xx", status),
			"the request was invalid on purpose ("+c.Note+"): validate input and answer 400 or 422")
	case status < 400:
		r.add(c, out, contract.CheckInvalidAccepted, validator.SeverityError,
			fmt.Sprintf("the provider accepted an invalid request (%s) with %d", c.Kind, status),
			"the spec rejects this request ("+c.Note+"): validate it and answer a 4xx")
	}
}

// without returns fs without the findings of check.
func without(fs []contract.Finding, check string) []contract.Finding {
	kept := fs[:0]
	for _, f := range fs {
		if f.Check != check {
			kept = append(kept, f)
		}
	}
	return kept
}

// add appends a contract test finding placed at the case's operation.
func (r *runner) add(c *Case, out *contract.Outcome, check string, sev validator.Severity, msg, hint string) {
	if s, ok := r.cfg.Checker.Severity(check); ok {
		sev = s
	}
	if sev == validator.SeverityOff {
		return
	}
	f := contract.Finding{Finding: validator.Finding{Check: check, Severity: sev, Message: msg, Hint: r.cfg.Checker.Redactor().Text(hint),
		OperationID: c.Op.ID, Method: c.Op.Method, PathTemplate: c.Op.Path,
		SpecFile:    r.cfg.Checker.Spec().File,
		SpecPointer: "/paths/" + validator.EscapePointer(c.Op.Path) + "/" + strings.ToLower(c.Op.Method)}}
	if len(out.Findings) > 0 {
		f.Source = out.Findings[0].Source
	}
	out.Findings = append(out.Findings, f)
}

// Curl is a shell command that sends req to base again, with secrets
// redacted by red (headers, query parameters and body values it knows).
func Curl(red *redact.Redactor, req *Request, base string) string {
	x := redact.Exchange{Request: redact.Message{URL: req.URL(base), Header: req.Header.Clone(), Body: req.Body}}
	red.Exchange(&x)
	var b strings.Builder
	b.WriteString("curl -sS -i -X " + req.Method + " " + shellQuote(x.Request.URL))
	keys := make([]string, 0, len(x.Request.Header))
	for k := range x.Request.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "Content-Length" {
			continue
		}
		for _, v := range x.Request.Header[k] {
			b.WriteString(" -H " + shellQuote(http.CanonicalHeaderKey(k)+": "+v))
		}
	}
	if len(x.Request.Body) > 0 {
		b.WriteString(" --data-binary " + shellQuote(string(x.Request.Body)))
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
