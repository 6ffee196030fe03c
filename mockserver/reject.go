package mockserver

// The validate-and-reject stage of the spec source (see respond.go): admit
// checks Prefer, security, the request media type and the request against
// the spec; reject answers a request that fails, with the spec's own error
// response chosen among candidates (422, 400, 4XX, default; 401/403 for
// security, 415, 406) or mockd's problem+json, and mockd's explanation in
// X-Mockd-Problem and the journal.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/validator"
)

// Problem-body modes (ProblemBodies).
const (
	// ProblemBodiesSpec answers a rejected request with the response the
	// spec declares for it (example, else generated), mockd's explanation
	// going to the X-Mockd-Problem header and the journal. The default.
	ProblemBodiesSpec = "spec"
	// ProblemBodiesMockd answers with mockd's own problem+json unless the
	// declared response for that exact status has an example.
	ProblemBodiesMockd = "mockd"
)

// ProblemHeader carries mockd's explanation of a rejected request when the
// spec's own error response is served: "<problem type>; <short detail>".
const ProblemHeader = "X-Mockd-Problem"

// maxProblemHeader bounds the X-Mockd-Problem value (bytes).
const maxProblemHeader = 240

// ProblemBodies chooses what a rejected request (invalid, missing
// credentials, unsupported or unacceptable media type) gets:
// ProblemBodiesSpec (default) or ProblemBodiesMockd.
func ProblemBodies(mode string) Option {
	return func(c *Config) error { c.ProblemBodies = mode; return nil }
}

// candidate is a declared status key a rejection may be answered with and
// the status sent when it is chosen.
type candidate struct {
	key  string // "422", "4XX" or "default"
	code int
}

// securityCandidates: 401 or 403 if declared, else 4XX, else default.
var securityCandidates = []candidate{{"401", 401}, {"403", 403}, {"4XX", 401}, {"default", 401}}

// invalidCandidates lists the responses an invalid request may get: 422 if
// declared, else 400, else (path parameters only) 404, else 4XX, else
// default; sent as 422 unless the exact code was chosen.
func invalidCandidates(op *validator.Operation, findings []validator.Finding) []candidate {
	c := []candidate{{"422", 422}, {"400", 400}}
	pathOnly := len(findings) > 0
	for _, f := range findings {
		if f.In != "path" {
			pathOnly = false
		}
	}
	if pathOnly {
		c = append(c, candidate{"404", 404})
	}
	return append(c, candidate{"4XX", 422}, candidate{"default", 422})
}

// mediaCandidates: the exact status (415 or 406), else its range, else
// default.
func mediaCandidates(code int) []candidate {
	return []candidate{{strconv.Itoa(code), code}, {"4XX", code}, {"default", code}}
}

// declared returns the operation's response for a status key, ranges
// matched case-insensitively.
func declared(op *validator.Operation, key string) *v3.Response {
	if len(key) == 3 && strings.EqualFold(key[1:], "XX") {
		for _, k := range op.Statuses() {
			if strings.EqualFold(k, key) {
				return op.Response(k)
			}
		}
		return nil
	}
	return op.Response(key)
}

// reject answers a rejected request. In spec mode the first declared
// candidate decides the status and that response is served as declared
// (with X-Mockd-Problem): its body in a declared media type, or none when
// it declares no content, never a media type the spec does not list; p is
// written as problem+json only when no candidate is declared (mockd's own
// body under a status the spec does not declare). In mockd mode the
// declared response for p's own status is served only when it has an
// example.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, op *validator.Operation, p *Problem, cands []candidate, prefs preferences) Source {
	noteProblem(r, p)
	if s.cfg.Errors {
		setViolations(w.Header(), append(problemViolations(p), deprecatedWarnings(r, op)...))
	}
	if s.cfg.ProblemBodies == ProblemBodiesMockd {
		code := p.Status
		if p.Type == ProblemInvalidRequest && op.Response("422") == nil && op.Response("400") != nil {
			code = http.StatusBadRequest
		}
		if prefs.code >= 400 && prefs.code < 500 {
			code = prefs.code
		}
		resp := op.Response(strconv.Itoa(code))
		if p.Type != ProblemNotAcceptable && resp != nil && (s.hasExample(resp) || prefs.example != "") {
			return s.respondWith(w, r, op, code, preferences{example: prefs.example})
		}
		p.Status = code
		writeProblem(w, p)
		return SourceProblem
	}
	example := prefs.example
	if prefs.code >= 400 && prefs.code < 500 {
		// The caller chose the client-error response to get.
		key := prefs.key
		if key == "" {
			key = strconv.Itoa(prefs.code)
		}
		cands = []candidate{{key, prefs.code}, {"4XX", prefs.code}, {"default", prefs.code}}
		p.Status = prefs.code
	}
	for _, c := range cands {
		resp := declared(op, c.key)
		if resp == nil {
			continue
		}
		if prefs.code < 400 || prefs.code >= 500 {
			// An example named for another status is ignored, as Prism does.
			if _, ok := s.namedExampleIn(resp, example); !ok {
				example = ""
			}
		}
		w.Header().Set(ProblemHeader, problemSummary(p))
		return s.respondWith(w, r, op, c.code, preferences{key: c.key, example: example, dynamic: prefs.dynamic, anyMedia: true})
	}
	writeProblem(w, p)
	return SourceProblem
}

// namedExampleIn reports whether any media type of resp has the example,
// and which.
func (s *Server) namedExampleIn(resp *v3.Response, name string) (string, bool) {
	if name == "" || resp.Content == nil {
		return "", false
	}
	for p := resp.Content.First(); p != nil; p = p.Next() {
		if _, ok := s.spec.MediaExample(p.Value(), name, noDecode); ok {
			return p.Key(), true
		}
	}
	return "", false
}

// problemSummary is the X-Mockd-Problem value: the problem type and a short
// detail, printable ASCII only, bounded. Validation findings are named by
// location only (never by value), so no request secret is echoed.
func problemSummary(p *Problem) string {
	detail := p.Detail
	if n := len(p.Validation); n > 0 {
		locs := make([]string, 0, n)
		for _, v := range p.Validation {
			l := v.Location
			if len(l) > 0 && (l[0] == "request" || l[0] == "response") {
				l = l[1:]
			}
			locs = append(locs, strings.Join(l, "."))
		}
		detail = fmt.Sprintf("%d problem(s) at %s", n, strings.Join(locs, ", "))
	}
	var b strings.Builder
	for _, c := range p.Type + "; " + detail {
		if b.Len() >= maxProblemHeader-3 {
			b.WriteString("...")
			break
		}
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// problemNote carries the rejection's problem from the handler to the
// journal entry.
type problemNote struct{}

// withProblemNote returns r with a place for the problem of a rejection.
func withProblemNote(r *http.Request, dst **Problem) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), problemNote{}, dst))
}

func noteProblem(r *http.Request, p *Problem) {
	if dst, ok := r.Context().Value(problemNote{}).(**Problem); ok && dst != nil {
		*dst = p
	}
}

// admit runs the validate stage: the Prefer header, security, the request
// media type, then the validator. A request that fails one of them is
// rejected (reject) and admit returns ok false with the answer's source;
// otherwise it returns the client's preferences.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, op *validator.Operation) (prefs preferences, from Source, ok bool) {
	prefs, err := parsePreferences(r)
	if err != nil {
		writeProblem(w, &Problem{Type: ProblemInvalidPrefer, Title: "Invalid preference", Status: http.StatusBadRequest, Detail: err.Error()})
		return prefs, SourceProblem, false
	}
	if ok, challenges, missing := checkSecurity(r, op); !ok {
		for _, c := range challenges {
			w.Header().Add("WWW-Authenticate", c)
		}
		return prefs, s.reject(w, r, op, &Problem{
			Type: ProblemUnauthorized, Title: "Invalid security scheme used", Status: http.StatusUnauthorized,
			Detail: "The operation requires credentials the request does not carry: " + strings.Join(missing, " or ") + ".",
		}, securityCandidates, preferences{}), false
	}
	if be := s.verifyCredentials(r, op); be != nil {
		return prefs, s.rejectCredentials(w, r, op, be), false
	}
	if detail := s.unsupportedMedia(r, op); detail != "" {
		return prefs, s.reject(w, r, op, &Problem{
			Type: ProblemUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: detail,
		}, mediaCandidates(http.StatusUnsupportedMediaType), preferences{}), false
	}
	if findings := s.notChecked(w, op, s.spec.ValidateRequest(r, op)); len(findings) > 0 {
		return prefs, s.reject(w, r, op, &Problem{
			Type:       ProblemInvalidRequest,
			Title:      "Invalid request",
			Status:     http.StatusUnprocessableEntity,
			Detail:     "Your request is not valid against the spec (" + op.Method + " " + op.Path + "); see validation for each problem.",
			Validation: violations(findings, "request"),
		}, invalidCandidates(op, findings), prefs), false
	}
	if s.cfg.Errors {
		prefs.warnings = deprecatedWarnings(r, op)
	}
	return prefs, "", true
}

// unsupportedMedia checks a request body against the declared request media
// types: a body where the operation takes none, or a Content-Type it does
// not declare, is a 415. It returns the problem's detail, "" when fine.
func (s *Server) unsupportedMedia(r *http.Request, op *validator.Operation) string {
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if !hasBody {
		return ""
	}
	rb := op.Op.RequestBody
	if rb == nil || rb.Content == nil || rb.Content.Len() == 0 {
		if r.ContentLength < 0 && r.Header.Get("Content-Type") == "" {
			return "" // an empty chunked body without a type: nothing was sent
		}
		return fmt.Sprintf("%s %s takes no request body, but the request has one (Content-Type %q).", op.Method, op.Path, r.Header.Get("Content-Type"))
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "" // the validator reports a missing content type
	}
	if op.RequestMediaType(ct) != "" {
		return ""
	}
	return fmt.Sprintf("The request body's Content-Type %q is not declared for %s %s; declared: %s.", ct, op.Method, op.Path, strings.Join(contentTypes(rb.Content), ", "))
}

// NotCheckedHeader says that part of a request could not be validated (a
// schema pattern ran out of its time budget); the request was not rejected
// for it.
const NotCheckedHeader = "X-Mockd-Not-Checked"

// notChecked takes the "not checked" warnings out of findings: it logs them
// and sets NotCheckedHeader, and returns the findings that reject.
func (s *Server) notChecked(w http.ResponseWriter, op *validator.Operation, findings []validator.Finding) []validator.Finding {
	out := findings[:0:0]
	for _, f := range findings {
		if f.Check != validator.CheckPatternNotChecked {
			out = append(out, f)
			continue
		}
		w.Header().Set(NotCheckedHeader, f.Message)
		s.cfg.Logger.Warn("request partly not validated", "operation", op.ID, "problem", f.Message)
	}
	return out
}
