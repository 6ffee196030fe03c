package validator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ValidateExchange checks one request and its response against the spec, the
// way a contract test sees an HTTP exchange: it finds the operation with
// Router().Find, then validates the request (parameters, body, content type)
// and the response (status, content type, body, declared headers).
//
// An undocumented path gives one CheckUnknownPath finding and a documented
// path with an undeclared method one CheckUnknownMethod finding; nothing else
// is checked then. req may be nil when resp.Request is set; resp may be nil
// to check the request alone. Security requirements are not checked (the
// contract Checker does that). Findings carry the operation id, method and
// path template when the route is known.
//
// Neither req nor resp is consumed: both bodies are read and restored. When
// req.GetBody is set (a request built by http.NewRequest and already sent by
// a client, whose Body the transport has drained) the request body is taken
// from GetBody instead. An empty slice means the exchange satisfies the spec.
func (s *Spec) ValidateExchange(req *http.Request, resp *http.Response) []Finding {
	if req == nil && resp != nil {
		req = resp.Request
	}
	if req == nil || req.URL == nil {
		return []Finding{{Check: CheckRequest, Message: "there is no request to validate",
			Hint: "pass the request, or a response whose Request field is set (http.Client sets it)"}}
	}
	req, restore, err := replayable(req)
	if err != nil {
		return []Finding{{Check: CheckRequestBody, In: "body", Method: req.Method,
			Message: "the request body could not be read again: " + err.Error(),
			Hint:    "build the request with http.NewRequest and a bytes/strings reader so that GetBody can replay it"}}
	}
	defer restore()
	op, err := s.router.Find(req)
	if err != nil {
		return []Finding{undocumented(req, err)}
	}
	findings := s.ValidateRequest(req, op)
	if resp != nil {
		findings = append(findings, s.ValidateResponse(req, resp, op)...)
	}
	for i := range findings {
		f := &findings[i]
		if f.OperationID == "" {
			f.OperationID = op.ID
		}
		if f.Method == "" {
			f.Method = op.Method
		}
		if f.PathTemplate == "" {
			f.PathTemplate = op.Path
		}
	}
	return findings
}

// replayable returns a request whose body can be read: a shallow copy with
// a fresh body from GetBody when the request has one, else req itself. The
// restore function puts the caller's request back as it was.
func replayable(req *http.Request) (*http.Request, func(), error) {
	if req.GetBody == nil || req.Body == nil || req.Body == http.NoBody {
		return req, func() {}, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return req, func() {}, fmt.Errorf("GetBody of %s %s: %w", req.Method, req.URL.Path, err)
	}
	clone := *req
	clone.Body = body
	return &clone, func() { _ = body.Close() }, nil
}

// undocumented turns a routing error into its finding.
func undocumented(req *http.Request, err error) Finding {
	var mna *MethodNotAllowedError
	if errors.As(err, &mna) {
		return Finding{Check: CheckUnknownMethod, Method: req.Method, PathTemplate: mna.Pattern, SpecPointer: "/paths",
			Message: fmt.Sprintf("%s is not documented for %s (the spec has %s)", req.Method, mna.Pattern, strings.Join(mna.Allow, ", ")),
			Hint:    "document the method under the path, or stop calling it"}
	}
	return Finding{Check: CheckUnknownPath, Method: req.Method, SpecPointer: "/paths",
		Message: fmt.Sprintf("%s %s is not a path of the spec", req.Method, req.URL.Path),
		Hint:    "document the path under paths, or fix the URL (a server's base path is optional)"}
}
