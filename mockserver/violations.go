package mockserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf16"

	"github.com/mockd/mockd/validator"
)

// ViolationsHeader is Prism's response header listing what is wrong with a
// request or response (a JSON array of {location, severity, code,
// message}). mockd sends it under --errors (Errors).
const ViolationsHeader = "Sl-Violations"

// Bounds of the violations header: entries and bytes.
const (
	maxHeaderViolations = 20
	maxViolationsBytes  = 4096
)

// headerViolation is one entry of the violations header (Prism's shape:
// code is a string, or the status of a security rejection).
type headerViolation struct {
	Location []string `json:"location"`
	Severity string   `json:"severity"`
	Code     any      `json:"code"`
	Message  string   `json:"message"`
}

// problemViolations lists a rejection's findings, or the rejection itself
// when it has none (missing credentials, media types).
func problemViolations(p *Problem) []headerViolation {
	if len(p.Validation) == 0 {
		return []headerViolation{{Location: []string{"request"}, Severity: "Error", Code: p.Status, Message: p.Title}}
	}
	return fromViolations(p.Validation)
}

func fromViolations(vs []Violation) []headerViolation {
	out := make([]headerViolation, 0, len(vs))
	for _, v := range vs {
		out = append(out, headerViolation{Location: v.Location, Severity: v.Severity, Code: v.Code, Message: v.Message})
	}
	return out
}

// deprecatedWarnings lists the deprecated parameters the request uses.
func deprecatedWarnings(r *http.Request, op *validator.Operation) []headerViolation {
	var out []headerViolation
	for _, p := range op.Parameters() {
		if !p.Deprecated {
			continue
		}
		used := false
		switch p.In {
		case "query":
			_, used = r.URL.Query()[p.Name]
		case "header":
			used = r.Header.Get(p.Name) != ""
		case "cookie":
			_, err := r.Cookie(p.Name)
			used = err == nil
		}
		if used {
			out = append(out, headerViolation{
				Location: []string{"request", p.In, p.Name}, Severity: "Warning", Code: "deprecated",
				Message: fmt.Sprintf("%s param %s is deprecated", strings.ToUpper(p.In[:1])+p.In[1:], p.Name),
			})
		}
	}
	return out
}

// setViolations writes the violations header: at most maxHeaderViolations
// entries and maxViolationsBytes bytes, ASCII only (JSON \u escapes).
func setViolations(h http.Header, vs []headerViolation) {
	if len(vs) == 0 {
		return
	}
	if len(vs) > maxHeaderViolations {
		vs = vs[:maxHeaderViolations]
	}
	for ; len(vs) > 0; vs = vs[:len(vs)-1] {
		b, err := json.Marshal(vs)
		if err != nil {
			return
		}
		if s := asciiJSON(b); len(s) <= maxViolationsBytes {
			h.Set(ViolationsHeader, s)
			return
		}
	}
}

// asciiJSON escapes every non-ASCII character of a JSON text.
func asciiJSON(b []byte) string {
	var sb strings.Builder
	for _, r := range string(b) {
		if r < 0x80 {
			sb.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&sb, `\u%04x`, u)
		}
	}
	return sb.String()
}
