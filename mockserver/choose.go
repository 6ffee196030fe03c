package mockserver

// The choose stage of the spec source (see respond.go): which status
// (Prefer, else the operation's default as Prism picks it), which declared
// response (exact code, range, default) and which media type (Accept, see
// negotiate.go); whether a response has an example (the reject stage asks)
// and the Source an example is journalled as. Prefer itself is parsed in
// prefer.go; which example a media type serves is the spec's rule
// (validator.Spec.MediaExample).

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/mockd/mockd/validator"
)

// selection is the response chosen for a request.
type selection struct {
	code      int
	key       string       // "200", "2XX" or "default"
	resp      *v3.Response // never nil
	mediaType string       // "" when the response has no content
	media     *v3.MediaType
}

// status is the status a request that passed the validate stage is
// answered with: the one Prefer asks for, else the operation's default.
func (s *Server) status(op *validator.Operation, prefs preferences) int {
	switch {
	case prefs.key == "default":
		return defaultPreferStatus(op)
	case prefs.code == 0:
		return s.defaultStatus(op)
	}
	return prefs.code
}

// defaultPreferStatus is the status sent for `Prefer: code=default`: 200
// when default is the operation's only response (it then describes
// success), else 500.
func defaultPreferStatus(op *validator.Operation) int {
	if len(op.Statuses()) == 1 {
		return http.StatusOK
	}
	return http.StatusInternalServerError
}

// defaultStatus is Prism's choice: the lowest declared 2xx code, else a 2XX
// range (200), else default (200), else the first declared code (a range
// counts as its x00 code).
func defaultStatus(op *validator.Operation) int {
	best, bestRange := 0, 0
	first := 0
	hasDefault := false
	for _, k := range op.Statuses() {
		if k == "default" {
			hasDefault = true
			continue
		}
		c := statusFromKey(k)
		if c == 0 {
			continue
		}
		isRange := strings.HasSuffix(strings.ToUpper(k), "XX")
		switch {
		case c >= 200 && c < 300 && !isRange && (best == 0 || c < best):
			best = c
		case c >= 200 && c < 300 && isRange:
			bestRange = c
		}
		if first == 0 {
			first = c
		}
	}
	switch {
	case best != 0:
		return best
	case bestRange != 0:
		return bestRange
	case hasDefault:
		return http.StatusOK
	case first != 0:
		return first
	}
	return http.StatusOK
}

// statusFromKey turns "404" into 404 and "4XX" into 400; 0 if invalid.
func statusFromKey(k string) int {
	if len(k) != 3 {
		return 0
	}
	if strings.EqualFold(k[1:], "XX") {
		if k[0] < '1' || k[0] > '5' {
			return 0
		}
		return int(k[0]-'0') * 100
	}
	c, err := strconv.Atoi(k)
	if err != nil || c < 100 || c > 599 {
		return 0
	}
	return c
}

// choose selects the declared response for code (or the status key Prefer
// names) and the media type to send it in (Accept). When the operation
// declares no such response or none of its media types is acceptable, it
// answers with a problem and returns ok false with the answer's source.
func (s *Server) choose(w http.ResponseWriter, r *http.Request, op *validator.Operation, code int, prefs preferences) (sel selection, from Source, ok bool) {
	key, resp := prefs.key, (*v3.Response)(nil)
	if key != "" {
		if resp = declared(op, key); resp == nil && key != "default" {
			key, resp = "default", op.Response("default") // an undeclared range falls to default
		}
	} else {
		key, resp = op.ResponseFor(code)
	}
	if resp == nil {
		var cands []ExampleRef
		for _, k := range op.Statuses() {
			cands = append(cands, ExampleRef{Status: k})
		}
		asked := strconv.Itoa(code)
		if prefs.key != "" {
			asked = prefs.key
		}
		writeProblem(w, &Problem{
			Type: ProblemNoResponse, Title: "No response defined", Status: http.StatusNotFound,
			Detail: fmt.Sprintf("%s %s declares no response for status %s (nor a range or default); choose one of the candidates.", op.Method, op.Path, asked),
			Extra:  cands,
		})
		return sel, SourceProblem, false
	}
	sel = selection{code: code, key: key, resp: resp}
	if resp.Content != nil && resp.Content.Len() > 0 {
		offered := contentTypes(resp.Content)
		mt, ok := negotiate(parseAccept(r.Header.Get("Accept")), offered)
		if !ok && prefs.anyMedia && len(offered) > 0 {
			// An error response is sent in a type the client did not ask
			// for rather than replaced by another error (RFC 9110 15.5.7).
			mt, ok = offered[0], true
		}
		if !ok {
			return sel, s.reject(w, r, op, &Problem{
				Type: ProblemNotAcceptable, Title: "Not acceptable", Status: http.StatusNotAcceptable,
				Detail: fmt.Sprintf("None of the media types in Accept %q is produced by %s %s for status %s; produced: %s.", r.Header.Get("Accept"), op.Method, op.Path, key, strings.Join(offered, ", ")),
			}, []candidate{{"406", http.StatusNotAcceptable}}, preferences{}), false
		}
		sel.mediaType = mt
		sel.media, _ = resp.Content.Get(mt)
	}
	return sel, "", true
}

func contentTypes(content *orderedmap.Map[string, *v3.MediaType]) []string {
	var out []string
	if content == nil {
		return nil
	}
	for p := content.First(); p != nil; p = p.Next() {
		// Keys that are not media types (a misplaced "description:")
		// cannot be served.
		if strings.Contains(p.Key(), "/") {
			out = append(out, p.Key())
		}
	}
	return out
}

// contentTypeHeader turns a declared media type into a Content-Type value; a
// wildcard declaration is served as the closest concrete type.
func contentTypeHeader(mt string) string {
	switch {
	case mt == "*/*":
		return "application/json"
	case strings.HasSuffix(mt, "/*"):
		return strings.TrimSuffix(mt, "*") + "octet-stream"
	}
	return mt
}

// hasExample reports whether any media type of resp carries an example.
func (s *Server) hasExample(resp *v3.Response) bool {
	if resp.Content == nil {
		return false
	}
	for p := resp.Content.First(); p != nil; p = p.Next() {
		if _, ok := s.spec.MediaExample(p.Value(), "", noDecode); ok {
			return true
		}
	}
	return false
}

// noDecode is a validator.Decoder for when only whether there is an
// example matters.
func noDecode(*yamlNode) any { return nil }

// exampleSource is the journal's Source of an example.
func exampleSource(ex validator.Example) Source {
	switch {
	case ex.FromSchema:
		return SourceSchemaExample
	case ex.Name != "":
		return ExampleSource(ex.Name)
	}
	return SourceExample
}
