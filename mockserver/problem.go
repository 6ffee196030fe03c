package mockserver

import (
	"net/http"
	"strings"

	"github.com/mockd/mockd/internal/problem"

	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// Problem type URIs. They are stable identifiers a client can branch on.
const (
	ProblemNotFound         = "urn:mockd:problem:not-found"
	ProblemMethodNotAllowed = "urn:mockd:problem:method-not-allowed"
	ProblemInvalidRequest   = "urn:mockd:problem:invalid-request"
	ProblemUnauthorized     = "urn:mockd:problem:unauthorized"
	ProblemNotAcceptable    = "urn:mockd:problem:not-acceptable"
	ProblemUnsupportedMedia = "urn:mockd:problem:unsupported-media-type"
	ProblemNoResponse       = "urn:mockd:problem:no-response-defined"
	ProblemNoExample        = "urn:mockd:problem:no-such-example"
	ProblemInvalidPrefer    = "urn:mockd:problem:invalid-prefer"
	ProblemViolations       = "urn:mockd:problem:response-violations"
	ProblemGenerationFailed = "urn:mockd:problem:generation-failed"
	ProblemInternal         = "urn:mockd:problem:internal"
	ProblemAdmin            = "urn:mockd:problem:admin"
	ProblemNoInteraction    = "urn:mockd:problem:no-recorded-interaction"
	ProblemUpstream         = "urn:mockd:problem:upstream"
	ProblemTooLarge         = "urn:mockd:problem:request-too-large"
)

// Problem is an RFC 9457 problem details object. Validation lists the
// individual findings, each with where it is (Prism-compatible shape).
type Problem struct {
	Type       string       `json:"type"`
	Title      string       `json:"title"`
	Status     int          `json:"status"`
	Detail     string       `json:"detail,omitempty"`
	Validation []Violation  `json:"validation,omitempty"`
	Extra      []ExampleRef `json:"candidates,omitempty"`
	// Closest lists recorded requests near an unmatched one.
	Closest []recorder.NearMiss `json:"closest,omitempty"`
}

// Violation is one validation finding in a problem.
type Violation struct {
	Location []string `json:"location"`           // e.g. ["query","limit"] or ["body","items","0","id"]
	Severity string   `json:"severity"`           // "Error"
	Code     string   `json:"code"`               // stable check id
	Message  string   `json:"message"`            // human text
	Hint     string   `json:"hint,omitempty"`     // how to fix it
	Keyword  string   `json:"keyword,omitempty"`  // failing schema keyword location
	Expected string   `json:"expected,omitempty"` // what the spec declares, when useful
}

// ExampleRef names something the caller could have asked for instead.
type ExampleRef struct {
	Status    string `json:"status,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	Example   string `json:"example,omitempty"`
}

// writeProblem answers with p (internal/problem writes it).
func writeProblem(w http.ResponseWriter, p *Problem) {
	p.Status = problem.Write(w, p.Status, p)
}

// violations turns validator findings into problem entries.
func violations(findings []validator.Finding, side string) []Violation {
	out := make([]Violation, 0, len(findings))
	for _, f := range findings {
		loc := []string{side}
		switch f.In {
		case "body":
			loc = append(loc, "body")
			if f.Pointer != "" {
				for _, seg := range strings.Split(strings.TrimPrefix(f.Pointer, "/"), "/") {
					seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
					loc = append(loc, seg)
				}
			}
		case "":
		default:
			loc = append(loc, f.In)
			if f.Name != "" {
				loc = append(loc, f.Name)
			}
		}
		msg := f.Message
		if f.Detail != "" && f.Detail != f.Message {
			msg += ": " + f.Detail
		}
		out = append(out, Violation{
			Location: loc,
			Severity: "Error",
			Code:     f.Check,
			Message:  msg,
			Hint:     f.Hint,
			Keyword:  f.Keyword,
		})
	}
	return out
}
