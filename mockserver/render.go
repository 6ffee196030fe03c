package mockserver

// The render stage of the spec source (see respond.go): the body of the
// selected response (the named or default example, else a body generated
// from the schema; encode.go serialises it), its declared headers, the
// cache of static renderings, the check of examples against their schemas,
// the optional check of the served response (--errors, --check-responses)
// and the write itself.

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"
)

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
	source  Source // an example, generated or empty
}

// send renders the selected response (render) and writes it: under
// --errors or --check-responses it is first validated against the spec.
func (s *Server) send(w http.ResponseWriter, r *http.Request, op *validator.Operation, sel selection, prefs preferences) Source {
	dynamic := s.cfg.Dynamic
	if prefs.dynamic != nil {
		dynamic = *prefs.dynamic
	}
	out, perr := s.render(op, sel, prefs.example, dynamic && prefs.example == "")
	if perr != nil {
		writeProblem(w, perr)
		return SourceProblem
	}
	return s.write(w, r, op, sel, out, prefs)
}

// write sends a rendered response (the spec's, or the stateful store's):
// under --errors or --check-responses it is first validated against the
// spec.
func (s *Server) write(w http.ResponseWriter, r *http.Request, op *validator.Operation, sel selection, out *rendered, prefs preferences) Source {
	if s.cfg.Errors || s.cfg.CheckResponses {
		if findings := s.checkServed(r, op, sel, out); len(findings) > 0 {
			s.cfg.Logger.Warn("served response violates the spec", "operation", op.ID, "status", sel.code, "violations", len(findings), "first", findings[0].Message)
			if s.cfg.Errors {
				vs := violations(findings, "response")
				setViolations(w.Header(), append(fromViolations(vs), prefs.warnings...))
				writeProblem(w, &Problem{
					Type: ProblemViolations, Title: "Request/Response not valid", Status: http.StatusInternalServerError,
					Detail:     "The mock response is not valid against the spec and --errors is set.",
					Validation: vs,
				})
				return SourceProblem
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
		rng = rand.New(rand.NewPCG(s.seed, h.Sum64()^n))
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
	out.headers = s.headers(sel.resp, dynamic, gen)
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
func (s *Server) body(op *validator.Operation, sel selection, example string, dynamic bool, gen schemagen.Options) ([]byte, Source, *Problem) {
	media := sel.media
	if example != "" {
		ex, ok := s.spec.MediaExample(media, example, nodeValue)
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
		b, err := s.encode(sel, ex.Value)
		if err != nil {
			return nil, "", generationProblem(op, sel, err)
		}
		return b, ExampleSource(example), nil
	}
	if !dynamic {
		b, source, err := s.defaultBody(sel)
		// Under --errors an invalid example is served so that the response
		// check reports it; otherwise it is replaced.
		if source != "" && err == nil && (s.cfg.Errors || s.exampleValid(op, sel, source, b)) {
			return b, source, nil
		}
	}
	if media.Schema == nil {
		return nil, SourceEmpty, nil
	}
	v, err := s.generate(media.Schema, gen)
	var b []byte
	if err == nil {
		b, err = s.encode(sel, v)
	}
	if err != nil {
		return nil, "", generationProblem(op, sel, err)
	}
	return b, SourceGenerated, nil
}

// encode serialises a body value for sel's media type (encodeBody), with
// the XML root element its schema names.
func (s *Server) encode(sel selection, v any) ([]byte, error) {
	root := ""
	if isXML(sel.mediaType) {
		root = s.spec.XMLName(sel.media.Schema)
	}
	return encodeBody(sel.mediaType, v, root)
}

// generate makes a value from schema (schemagen) under the spec's lock.
func (s *Server) generate(schema *base.SchemaProxy, gen schemagen.Options) (any, error) {
	return s.spec.Generate(schema, func(p *base.SchemaProxy) (any, error) { return schemagen.GenerateProxy(p, gen) })
}

// defaultBody encodes the example sel's media type serves by default (see
// validator.Spec.MediaExample) and says where it came from; source is ""
// when the media type has no example.
func (s *Server) defaultBody(sel selection) (b []byte, source Source, err error) {
	ex, ok := s.spec.MediaExample(sel.media, "", nodeValue)
	if !ok {
		return nil, "", nil
	}
	b, err = s.encode(sel, ex.Value)
	return b, exampleSource(ex), err
}

func generationProblem(op *validator.Operation, sel selection, err error) *Problem {
	return &Problem{
		Type: ProblemGenerationFailed, Title: "Response cannot be generated", Status: http.StatusInternalServerError,
		Detail: fmt.Sprintf("%s %s status %s %s: %v", op.Method, op.Path, sel.key, sel.mediaType, err),
	}
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
			v, ok = s.spec.HeaderExample(hdr, nodeValue)
		}
		if !ok && hdr.Schema != nil {
			g, err := s.generate(hdr.Schema, gen)
			if err != nil {
				s.cfg.Logger.Warn("response header cannot be generated", "header", name, "error", err)
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
