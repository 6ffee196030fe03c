package mockserver

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/mockd/mockd/schemagen"
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

// renderKey identifies a static rendering of one example or generated body.
type renderKey struct {
	op        *validator.Operation
	status    string
	mediaType string
	example   string // "" = the default choice
}

// rendered is a response body and headers ready to write.
type rendered struct {
	body    []byte
	headers [][2]string
	source  string // "example:NAME", "example", "schema-example", "generated"
}

func (s *Server) serveOperation(w http.ResponseWriter, r *http.Request, op *validator.Operation) string {
	prefs, err := parsePreferences(r)
	if err != nil {
		writeProblem(w, &Problem{Type: ProblemInvalidPrefer, Title: "Invalid preference", Status: http.StatusBadRequest, Detail: err.Error()})
		return "problem"
	}
	if ok, challenges, missing := checkSecurity(r, op); !ok {
		for _, c := range challenges {
			w.Header().Add("WWW-Authenticate", c)
		}
		return s.reject(w, r, op, &Problem{
			Type: ProblemUnauthorized, Title: "Invalid security scheme used", Status: http.StatusUnauthorized,
			Detail: "The operation requires credentials the request does not carry: " + strings.Join(missing, " or ") + ".",
		}, securityCandidates, preferences{})
	}
	if detail := s.unsupportedMedia(r, op); detail != "" {
		return s.reject(w, r, op, &Problem{
			Type: ProblemUnsupportedMedia, Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
			Detail: detail,
		}, mediaCandidates(http.StatusUnsupportedMediaType), preferences{})
	}
	if findings := s.notChecked(w, op, s.spec.ValidateRequest(r, op)); len(findings) > 0 {
		return s.reject(w, r, op, &Problem{
			Type:       ProblemInvalidRequest,
			Title:      "Invalid request",
			Status:     http.StatusUnprocessableEntity,
			Detail:     "Your request is not valid against the spec (" + op.Method + " " + op.Path + "); see validation for each problem.",
			Validation: violations(findings, "request"),
		}, invalidCandidates(op, findings), prefs)
	}
	if s.cfg.errors {
		prefs.warnings = deprecatedWarnings(r, op)
	}
	code := prefs.code
	switch {
	case prefs.key == "default":
		code = defaultPreferStatus(op)
	case code == 0:
		code = s.defaultStatus(op)
	}
	return s.respondWith(w, r, op, code, prefs)
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

// hasExample reports whether any media type of resp carries an example.
func hasExample(resp *v3.Response) bool {
	if resp.Content == nil {
		return false
	}
	for p := resp.Content.First(); p != nil; p = p.Next() {
		if p.Value() != nil {
			if node, _ := defaultExample(p.Value()); node != nil {
				return true
			}
		}
	}
	return false
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

// respondWith serves the response the operation declares for code.
func (s *Server) respondWith(w http.ResponseWriter, r *http.Request, op *validator.Operation, code int, prefs preferences) string {
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
		return "problem"
	}
	sel := selection{code: code, key: key, resp: resp}
	if resp.Content != nil && resp.Content.Len() > 0 {
		offered := contentTypes(resp.Content)
		mt, ok := negotiate(parseAccept(r.Header.Get("Accept")), offered)
		if !ok && prefs.anyMedia && len(offered) > 0 {
			// An error response is sent in a type the client did not ask
			// for rather than replaced by another error (RFC 9110 15.5.7).
			mt, ok = offered[0], true
		}
		if !ok {
			return s.reject(w, r, op, &Problem{
				Type: ProblemNotAcceptable, Title: "Not acceptable", Status: http.StatusNotAcceptable,
				Detail: fmt.Sprintf("None of the media types in Accept %q is produced by %s %s for status %s; produced: %s.", r.Header.Get("Accept"), op.Method, op.Path, key, strings.Join(offered, ", ")),
			}, []candidate{{"406", http.StatusNotAcceptable}}, preferences{})
		}
		sel.mediaType = mt
		sel.media, _ = resp.Content.Get(mt)
	}
	dynamic := s.cfg.dynamic
	if prefs.dynamic != nil {
		dynamic = *prefs.dynamic
	}
	out, perr := s.render(op, sel, prefs.example, dynamic && prefs.example == "")
	if perr != nil {
		writeProblem(w, perr)
		return "problem"
	}
	if s.cfg.errors || s.cfg.checkResponses {
		if findings := s.checkServed(r, op, sel, out); len(findings) > 0 {
			s.cfg.logger.Warn("served response violates the spec", "operation", op.ID, "status", sel.code, "violations", len(findings), "first", findings[0].Message)
			if s.cfg.errors {
				vs := violations(findings, "response")
				setViolations(w.Header(), append(fromViolations(vs), prefs.warnings...))
				writeProblem(w, &Problem{
					Type: ProblemViolations, Title: "Request/Response not valid", Status: http.StatusInternalServerError,
					Detail:     "The mock response is not valid against the spec and --errors is set.",
					Validation: vs,
				})
				return "problem"
			}
			w.Header().Set("X-Mockd-Violations", strconv.Itoa(len(findings)))
		}
	}
	h := w.Header()
	setViolations(h, prefs.warnings)
	for _, kv := range out.headers {
		h.Add(kv[0], kv[1])
	}
	if sel.mediaType != "" {
		h.Set("Content-Type", contentTypeHeader(sel.mediaType))
	}
	h.Set("Content-Length", strconv.Itoa(len(out.body)))
	w.WriteHeader(sel.code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out.body)
	}
	return out.source
}

// render produces the body and headers for sel, from the cache when the
// result is static.
func (s *Server) render(op *validator.Operation, sel selection, example string, dynamic bool) (*rendered, *Problem) {
	k := renderKey{op: op, status: sel.key, mediaType: sel.mediaType, example: example}
	if !dynamic {
		if v, ok := s.rendered.Load(k); ok {
			return v.(*rendered), nil
		}
	}
	var rng *rand.Rand
	mode := schemagen.Static
	if dynamic {
		mode = schemagen.Dynamic
		n := s.ops[op].dynamic.Add(1)
		h := fnv.New64a()
		_, _ = io.WriteString(h, op.ID)
		_, _ = io.WriteString(h, "\x00"+sel.key+"\x00"+sel.mediaType)
		rng = rand.New(rand.NewPCG(s.cfg.seed, h.Sum64()^n))
	}
	gen := schemagen.Options{Mode: mode, Direction: schemagen.Response, Rand: rng}

	out := &rendered{}
	if sel.media != nil {
		body, source, perr := s.body(op, sel, example, dynamic, gen)
		if perr != nil {
			return nil, perr
		}
		out.body, out.source = body, source
	}
	s.spec.Read(func() { out.headers = s.headers(sel.resp, dynamic, gen) })
	if !dynamic {
		actual, _ := s.rendered.LoadOrStore(k, out)
		out = actual.(*rendered)
	}
	return out, nil
}

// body picks and encodes the body: the requested example; else (static) the
// media type's example, the first of its examples, the schema's example, or a
// body generated from the schema; (dynamic) always generated. An example that
// does not validate against its schema is replaced by generated data.
func (s *Server) body(op *validator.Operation, sel selection, example string, dynamic bool, gen schemagen.Options) ([]byte, string, *Problem) {
	media := sel.media
	if example != "" {
		ex, ok := namedExample(media, example)
		if !ok {
			var cands []ExampleRef
			if media.Examples != nil {
				for p := media.Examples.First(); p != nil; p = p.Next() {
					cands = append(cands, ExampleRef{Status: sel.key, MediaType: sel.mediaType, Example: p.Key()})
				}
			}
			return nil, "", &Problem{
				Type: ProblemNoExample, Title: "No such example", Status: http.StatusNotFound,
				Detail: fmt.Sprintf("%s %s has no example named %q for status %s and %s; choose one of the candidates.", op.Method, op.Path, example, sel.key, sel.mediaType),
				Extra:  cands,
			}
		}
		var b []byte
		var err error
		s.spec.Read(func() { b, err = encodeBody(sel.mediaType, nodeValue(ex), media.Schema) })
		if err != nil {
			return nil, "", generationProblem(op, sel, err)
		}
		return b, "example:" + example, nil
	}
	if !dynamic {
		var b []byte
		var source string
		var err error
		s.spec.Read(func() {
			var node *yamlNode
			if node, source = defaultExample(media); node != nil {
				b, err = encodeBody(sel.mediaType, nodeValue(node), media.Schema)
			}
		})
		// Under --errors an invalid example is served so that the response
		// check reports it; otherwise it is replaced.
		if source != "" && err == nil && (s.cfg.errors || s.exampleValid(op, sel, source, b)) {
			return b, source, nil
		}
	}
	if media.Schema == nil {
		return nil, "empty", nil
	}
	var b []byte
	var err error
	s.spec.Read(func() {
		var v any
		if v, err = schemagen.GenerateProxy(media.Schema, gen); err == nil {
			b, err = encodeBody(sel.mediaType, v, media.Schema)
		}
	})
	if err != nil {
		return nil, "", generationProblem(op, sel, err)
	}
	return b, "generated", nil
}

func generationProblem(op *validator.Operation, sel selection, err error) *Problem {
	return &Problem{
		Type: ProblemGenerationFailed, Title: "Response cannot be generated", Status: http.StatusInternalServerError,
		Detail: fmt.Sprintf("%s %s status %s %s: %v", op.Method, op.Path, sel.key, sel.mediaType, err),
	}
}

func namedExample(media *v3.MediaType, name string) (*yamlNode, bool) {
	if media == nil || media.Examples == nil {
		return nil, false
	}
	ex, ok := media.Examples.Get(name)
	if !ok || ex == nil || ex.Value == nil {
		return nil, false
	}
	return ex.Value, true
}

// defaultExample returns the example served without preferences and where it
// came from.
func defaultExample(media *v3.MediaType) (*yamlNode, string) {
	if media.Example != nil {
		return media.Example, "example"
	}
	if media.Examples != nil {
		for p := media.Examples.First(); p != nil; p = p.Next() {
			if p.Value() != nil && p.Value().Value != nil {
				return p.Value().Value, "example:" + p.Key()
			}
		}
	}
	if media.Schema != nil {
		if sc := media.Schema.Schema(); sc != nil {
			if sc.Example != nil {
				return sc.Example, "schema-example"
			}
			if len(sc.Examples) > 0 && sc.Examples[0] != nil {
				return sc.Examples[0], "schema-example"
			}
		}
	}
	return nil, ""
}

// exampleValid reports (and caches) whether an encoded example validates
// against the response schema; an invalid one is logged once.
func (s *Server) exampleValid(op *validator.Operation, sel selection, source string, body []byte) bool {
	k := renderKey{op: op, status: sel.key, mediaType: sel.mediaType, example: "\x00" + source}
	if v, ok := s.exampleOK.Load(k); ok {
		return v.(bool)
	}
	findings := s.validateBody(op, sel, body)
	ok := len(findings) == 0
	if !ok {
		// Debug: CheckExamples counts these at start-up, and the health
		// endpoint lists them.
		s.cfg.logger.Debug("invalid example replaced by generated data",
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
				var b []byte
				var source string
				var err error
				s.spec.Read(func() {
					var node *yamlNode
					if node, source = defaultExample(media); node != nil {
						b, err = encodeBody(sel.mediaType, nodeValue(node), media.Schema)
					}
				})
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

// validateBody validates a body against the selected response and returns
// the body-related findings only.
func (s *Server) validateBody(op *validator.Operation, sel selection, body []byte) []validator.Finding {
	if !isJSON(sel.mediaType) {
		return nil // the validator only checks JSON bodies
	}
	req := httptest.NewRequest(op.Method, "http://mockd.invalid/", nil)
	resp := &http.Response{
		StatusCode: sel.code,
		Header:     http.Header{"Content-Type": {sel.mediaType}},
		Body:       io.NopCloser(bytes.NewReader(body)),
	}
	var out []validator.Finding
	for _, f := range s.spec.ValidateResponse(req, resp, op) {
		if f.Check == validator.CheckResponseBody {
			out = append(out, f)
		}
	}
	return out
}

// checkServed validates a response about to be served.
func (s *Server) checkServed(r *http.Request, op *validator.Operation, sel selection, out *rendered) []validator.Finding {
	h := http.Header{}
	for _, kv := range out.headers {
		h.Add(kv[0], kv[1])
	}
	if sel.mediaType != "" {
		h.Set("Content-Type", contentTypeHeader(sel.mediaType))
	}
	resp := &http.Response{StatusCode: sel.code, Header: h, Body: io.NopCloser(bytes.NewReader(out.body))}
	return s.spec.ValidateResponse(r, resp, op)
}

// headers renders the response headers the spec declares.
func (s *Server) headers(resp *v3.Response, dynamic bool, gen schemagen.Options) [][2]string {
	if resp.Headers == nil {
		return nil
	}
	var out [][2]string
	for p := resp.Headers.First(); p != nil; p = p.Next() {
		name, hdr := p.Key(), p.Value()
		if hdr == nil || strings.EqualFold(name, "Content-Type") || strings.EqualFold(name, "Content-Length") {
			continue
		}
		var v any
		var ok bool
		if !dynamic {
			v, ok = headerExample(hdr)
		}
		if !ok && hdr.Schema != nil {
			g, err := schemagen.GenerateProxy(hdr.Schema, gen)
			if err != nil {
				s.cfg.logger.Warn("response header cannot be generated", "header", name, "error", err)
				continue
			}
			v, ok = g, true
		}
		if !ok {
			continue
		}
		out = append(out, [2]string{http.CanonicalHeaderKey(name), headerString(v)})
	}
	return out
}

func headerExample(h *v3.Header) (any, bool) {
	if h.Example != nil {
		return nodeValue(h.Example), true
	}
	if h.Examples != nil {
		for p := h.Examples.First(); p != nil; p = p.Next() {
			if p.Value() != nil && p.Value().Value != nil {
				return nodeValue(p.Value().Value), true
			}
		}
	}
	if h.Schema != nil {
		if sc := h.Schema.Schema(); sc != nil {
			if sc.Example != nil {
				return nodeValue(sc.Example), true
			}
			if len(sc.Examples) > 0 && sc.Examples[0] != nil {
				return nodeValue(sc.Examples[0]), true
			}
		}
	}
	return nil, false
}

// headerString serialises a value in the header "simple" style.
func headerString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = headerString(e)
		}
		return strings.Join(parts, ",")
	case *object:
		parts := make([]string, 0, 2*len(t.keys))
		for _, k := range t.keys {
			parts = append(parts, k, headerString(t.vals[k]))
		}
		return strings.Join(parts, ",")
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, 2*len(keys))
		for _, k := range keys {
			parts = append(parts, k, headerString(t[k]))
		}
		return strings.Join(parts, ",")
	}
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
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
	for p := rb.Content.First(); p != nil; p = p.Next() {
		if mediaTypeMatches(p.Key(), ct) {
			return ""
		}
	}
	return fmt.Sprintf("The request body's Content-Type %q is not declared for %s %s; declared: %s.", ct, op.Method, op.Path, strings.Join(contentTypes(rb.Content), ", "))
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
		s.cfg.logger.Warn("request partly not validated", "operation", op.ID, "problem", f.Message)
	}
	return out
}
