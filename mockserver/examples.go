package mockserver

// Part of the render stage (render.go): whether an example may be served.
// An example that does not validate against its response schema is
// replaced by generated data (and listed by CheckExamples and the health
// endpoint); the verdict is cached per example.

import (
	"fmt"
	"net/http"

	"github.com/mockd/mockd/validator"
)

// exampleValid reports (and caches) whether an encoded example validates
// against the response schema; an invalid one is logged once.
func (s *Server) exampleValid(op *validator.Operation, sel selection, source Source, body []byte) bool {
	k := renderKey{op: op, status: sel.key, mediaType: sel.mediaType, example: "\x00" + string(source)}
	if v, ok := s.exampleOK.Load(k); ok {
		return v.(bool)
	}
	findings := s.validateBody(op, sel, body)
	ok := len(findings) == 0
	if !ok {
		// Debug: CheckExamples counts these at start-up, and the health
		// endpoint lists them.
		s.cfg.Logger.Debug("invalid example replaced by generated data",
			"operation", op.ID, "status", sel.key, "mediaType", sel.mediaType, "example", source,
			"problem", exampleProblem(findings[0]))
	}
	s.exampleOK.Store(k, ok)
	return ok
}

// exampleProblem says what is wrong with an example, without the
// validator's own wording (which names a status and path of its own).
func exampleProblem(f validator.Finding) string {
	msg := f.Detail
	if msg == "" {
		msg = f.Message
	}
	if f.Pointer != "" {
		msg = "at " + f.Pointer + ": " + msg
	}
	return msg
}

// CheckExamples validates every example of every response in the spec and
// returns one warning per invalid example (the health endpoint lists them
// too). Results are cached, so serving afterwards does not validate again.
func (s *Server) CheckExamples() []string {
	warnings := s.checkExamples()
	s.exampleWarnings.Store(&warnings)
	return warnings
}

func (s *Server) checkExamples() []string {
	var warnings []string
	if s.spec == nil {
		return nil
	}
	for _, op := range s.spec.Operations {
		for _, key := range op.Statuses() {
			resp := op.Response(key)
			if resp == nil || resp.Content == nil {
				continue
			}
			for p := resp.Content.First(); p != nil; p = p.Next() {
				media := p.Value()
				if media == nil {
					continue
				}
				code := statusFromKey(key)
				if code == 0 {
					code = http.StatusOK
				}
				sel := selection{code: code, key: key, resp: resp, mediaType: p.Key(), media: media}
				b, source, err := s.defaultBody(sel)
				if source == "" {
					continue
				}
				if err != nil {
					warnings = append(warnings, fmt.Sprintf("%s %s %s %s: example cannot be encoded: %v", op.Method, op.Path, key, p.Key(), err))
					continue
				}
				if !s.exampleValid(op, sel, source, b) {
					problem := ""
					if f := s.validateBody(op, sel, b); len(f) > 0 {
						problem = ": " + exampleProblem(f[0])
					}
					warnings = append(warnings, fmt.Sprintf("%s %s %s response %s: %s is invalid against its schema (served with generated data instead)%s", op.Method, op.Path, key, p.Key(), source, problem))
				}
			}
		}
	}
	return warnings
}

// validateBody validates an example's body against the selected response
// and returns the body-related findings. Only JSON bodies are checked.
func (s *Server) validateBody(op *validator.Operation, sel selection, body []byte) []validator.Finding {
	if !isJSON(sel.mediaType) {
		return nil
	}
	return s.spec.ValidateResponseBody(op, sel.code, sel.mediaType, body)
}
