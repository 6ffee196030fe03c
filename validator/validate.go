package validator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pb33f/libopenapi-validator/cache"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Check ids name what a finding is about. They are stable: reports, severities
// and CI configuration refer to them.
const (
	CheckPathParam        = "request.parameter.path"
	CheckQueryParam       = "request.parameter.query"
	CheckHeaderParam      = "request.parameter.header"
	CheckCookieParam      = "request.parameter.cookie"
	CheckRequestBody      = "request.body.schema"
	CheckRequestMediaType = "request.body.content_type"
	CheckRequestSecurity  = "request.security"
	CheckRequest          = "request"
	CheckResponseStatus   = "response.status"
	CheckResponseMedia    = "response.content_type"
	CheckResponseBody     = "response.body.schema"
	CheckResponseHeader   = "response.header"
	CheckResponse         = "response"
	CheckUnknownPath      = "path.undocumented"
	CheckUnknownMethod    = "method.undocumented"
	// CheckWriteOnly: a response carries a property the schema marks writeOnly.
	CheckWriteOnly = "response.body.write_only"
)

// Finding is one validation problem, located in the request or response and
// in the spec.
type Finding struct {
	Check    string `json:"check"`              // one of the Check* ids
	In       string `json:"in,omitempty"`       // path, query, header, cookie, body
	Name     string `json:"name,omitempty"`     // parameter or header name
	Message  string `json:"message"`            // what is wrong
	Detail   string `json:"detail,omitempty"`   // why (the validator's reason)
	Pointer  string `json:"pointer,omitempty"`  // JSON pointer of the offending value in the body
	Keyword  string `json:"keyword,omitempty"`  // JSON pointer of the failing schema keyword
	SpecLine int    `json:"specLine,omitempty"` // line in the spec, when known
	SpecCol  int    `json:"specCol,omitempty"`  // column in the spec, when known
	Hint     string `json:"hint,omitempty"`     // how to fix it

	// The fields below grade the finding and place it in the spec.
	// ValidateExchange fills the operation fields; ValidateRequest and
	// ValidateResponse leave them empty, and the Severity too but for a
	// pattern that was not checked (a warning). The contract checker
	// (package contract) fills them all.

	Severity     Severity `json:"severity,omitempty"`     // error, warning or info
	OperationID  string   `json:"operationId,omitempty"`  // operationId (or "METHOD /path")
	Method       string   `json:"method,omitempty"`       // HTTP method of the operation (or the request)
	PathTemplate string   `json:"pathTemplate,omitempty"` // path template as written in the spec
	SpecFile     string   `json:"specFile,omitempty"`     // the spec file SpecLine and SpecCol refer to
	SpecPointer  string   `json:"specPointer,omitempty"`  // JSON pointer into the spec (RFC 6901)
}

// ValidateRequest validates r against op: parameters, body and content type.
// Security is not checked here (see Operation.Security). The request body is
// read and restored, so r can be read again afterwards.
func (s *Spec) ValidateRequest(r *http.Request, op *Operation) []Finding {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return []Finding{{Check: CheckRequestBody, In: "body", Message: "request body could not be read: " + err.Error()}}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		defer func() { r.Body = io.NopCloser(bytes.NewReader(body)) }()
	}
	var findings []Finding
	for _, p := range op.schemaless {
		if !present(r, p.In, p.Name) {
			findings = append(findings, Finding{
				Check: checkForIn(p.In), In: p.In, Name: p.Name,
				Message: "Required " + p.In + " parameter '" + p.Name + "' is missing",
				Hint:    "send the " + p.In + " parameter " + p.Name,
			})
		}
	}
	s.prepare(op) // compile first: the regex budget is for matching only
	rx := s.regex.begin()
	errs, err := s.guard(func() []*verrors.ValidationError {
		rx.arm(s.cache.exclusive.Load())
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		return s.requestChecks(libraryRequest(r, op), requestForLibrary(r, op), op.RoutePath)
	})
	notChecked := rx.end()
	if err != nil {
		return append(findings, Finding{Check: CheckRequest, Message: "the request could not be validated: " + err.Error(),
			Hint: "report this spec and request to mockd; the validator library failed on them"})
	}
	if notChecked != nil {
		findings = append(findings, *notChecked)
	}
	findings = append(findings, s.acceptBigIntegers(r, op, toFindings(errs, true, s.pos))...)
	return s.discriminated(findings, body, func() *base.Schema {
		return requestSchema(op, r.Header.Get("Content-Type"))
	})
}

// requestChecks runs the checks of libopenapi-validator's
// ValidateHttpRequestSyncWithPathItem (parameters, then the body), in its
// order, without its first step: that step runs the library's own router
// over the request (a sixth of the CPU of a small GET) only to hand path
// parameters to the security validator, which mockd turns off, and to the
// content-parameter one, which finds the route itself when it needs it.
func (s *Spec) requestChecks(r *http.Request, item *v3.PathItem, path string) []*verrors.ValidationError {
	if s.vopts.RequestDefaults {
		_, errs := s.validator.ValidateHttpRequestSyncWithPathItem(r, item, path)
		return errs
	}
	var errs []*verrors.ValidationError
	add := func(ok bool, e []*verrors.ValidationError) {
		if !ok {
			errs = append(errs, e...)
		}
	}
	pv := s.validator.GetParameterValidator()
	add(pv.ValidatePathParamsWithPathItem(r, item, path))
	add(pv.ValidateCookieParamsWithPathItem(r, item, path))
	add(pv.ValidateHeaderParamsWithPathItem(r, item, path))
	add(pv.ValidateSecurityWithPathItem(r, item, path))
	if s.vopts.ValidateRequestQuery {
		add(pv.ValidateQueryParamsWithPathItem(r, item, path))
	}
	if s.vopts.ValidateRequestBody {
		add(s.validator.GetRequestBodyValidator().ValidateRequestBodyWithPathItem(r, item, path))
	}
	return errs
}

// discriminated drops the oneOf overlaps a discriminator settles (see
// dropDiscriminatedOverlaps). The model is read under Read.
func (s *Spec) discriminated(fs []Finding, body []byte, schema func() *base.Schema) []Finding {
	for _, f := range fs {
		if strings.HasSuffix(f.Keyword, "/oneOf") {
			s.Read(func() { fs = dropDiscriminatedOverlaps(fs, schema(), body) })
			break
		}
	}
	return fs
}

// guard runs a libopenapi-validator call and turns a panic inside the library
// into an error, so that one odd spec construct cannot take a server down.
//
// It also keeps the lazy schema cache race-free. Compiling a schema renders
// it, and rendering rewrites the tags of the document's YAML nodes in place,
// so compiles must not run concurrently with each other nor with readers of
// the model (see Read). A call first runs under the read lock, where a cache
// miss aborts it (errColdSchema); it then runs again under the write lock,
// where misses compile. Once an operation's schemas are compiled, its
// validations run concurrently.
func (s *Spec) guard(f func() []*verrors.ValidationError) ([]*verrors.ValidationError, error) {
	s.mu.RLock()
	errs, cold, err := s.attempt(f)
	s.mu.RUnlock()
	if !cold {
		return errs, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache.exclusive.Store(true)
	defer s.cache.exclusive.Store(false)
	errs, _, err = s.attempt(f)
	return errs, err
}

func (s *Spec) attempt(f func() []*verrors.ValidationError) (errs []*verrors.ValidationError, cold bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == errColdSchema {
				cold = true
				return
			}
			err = fmt.Errorf("validator panic: %v", p)
			s.logger.Error("libopenapi-validator panicked", "spec", s.File, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	return f(), false, nil
}

// Read runs f while no schema is being compiled. Code that reads the
// model's YAML nodes (examples, enums, defaults: schemagen, mock bodies)
// while requests are validated must go through Read. Do not validate inside
// f.
func (s *Spec) Read(f func()) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f()
}

func present(r *http.Request, in, name string) bool {
	switch in {
	case "query":
		return r.URL.Query().Has(name)
	case "header":
		return r.Header.Get(name) != ""
	case "cookie":
		_, err := r.Cookie(name)
		return err == nil
	}
	return true // path parameters are present when the route matched
}

func checkForIn(in string) string {
	switch in {
	case "query":
		return CheckQueryParam
	case "header":
		return CheckHeaderParam
	case "cookie":
		return CheckCookieParam
	}
	return CheckPathParam
}

// ValidateResponse validates resp (the answer to r) against op: status,
// content type, body schema and declared headers. resp.Body is read and
// restored.
func (s *Spec) ValidateResponse(r *http.Request, resp *http.Response, op *Operation) []Finding {
	var body []byte
	if resp.Body != nil {
		var err error
		body, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return []Finding{{Check: CheckResponseBody, In: "body", Message: "response body could not be read: " + err.Error()}}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		defer func() { resp.Body = io.NopCloser(bytes.NewReader(body)) }()
	}
	item, resp := responseForLibrary(resp, op)
	s.prepare(op) // compile first: the regex budget is for matching only
	rx := s.regex.begin()
	errs, err := s.guard(func() []*verrors.ValidationError {
		rx.arm(s.cache.exclusive.Load())
		if body != nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
		}
		_, errs := s.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(libraryRequest(r, op), resp, item, op.RoutePath)
		return errs
	})
	notChecked := rx.end()
	if err != nil {
		return []Finding{{Check: CheckResponse, Message: "the response could not be validated: " + err.Error(),
			Hint: "report this spec and response to mockd; the validator library failed on them"}}
	}
	findings := s.discriminated(toFindings(errs, false, s.pos), body, func() *base.Schema {
		return responseSchema(op, resp.StatusCode, resp.Header.Get("Content-Type"))
	})
	if notChecked != nil {
		findings = append(findings, *notChecked)
	}
	return findings
}

// ValidateResponseBody validates body as the response op declares for
// status, sent as mediaType, without a request or response at hand (a mock
// server checking its examples). It returns the findings about the body
// (CheckResponseBody) only: the status, media type and headers are not
// checked here.
func (s *Spec) ValidateResponseBody(op *Operation, status int, mediaType string, body []byte) []Finding {
	// The library wants a request: it names its method and path in
	// messages only.
	req := &http.Request{Method: op.Method, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	resp := &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {mediaType}},
		Body:       io.NopCloser(bytes.NewReader(body)),
	}
	var out []Finding
	for _, f := range s.ValidateResponse(req, resp, op) {
		if f.Check == CheckResponseBody {
			out = append(out, f)
		}
	}
	return out
}

func toFindings(errs []*verrors.ValidationError, request bool, pos *positions) []Finding {
	out := make([]Finding, 0, len(errs))
	for _, e := range errs {
		if e == nil {
			continue
		}
		line, col := pos.file(e.SpecLine, e.SpecCol)
		f := Finding{
			Check:    checkID(e, request),
			Name:     e.ParameterName,
			Message:  e.Message,
			Detail:   e.Reason,
			SpecLine: line,
			SpecCol:  col,
			Hint:     e.HowToFix,
		}
		switch f.Check {
		case CheckPathParam:
			f.In = "path"
		case CheckQueryParam:
			f.In = "query"
		case CheckHeaderParam, CheckResponseHeader:
			f.In = "header"
		case CheckCookieParam:
			f.In = "cookie"
		case CheckRequestBody, CheckResponseBody, CheckRequestMediaType, CheckResponseMedia:
			f.In = "body"
		}
		if len(e.SchemaValidationErrors) == 0 {
			out = append(out, f)
			continue
		}
		for _, se := range e.SchemaValidationErrors {
			g := f
			if se.Reason != "" {
				g.Detail = se.Reason
			}
			g.Pointer = pointer(se.InstancePath)
			g.Keyword = se.KeywordLocation
			out = append(out, g)
		}
	}
	sortFindings(out)
	return out
}

func checkID(e *verrors.ValidationError, request bool) string {
	switch e.ValidationType {
	case "parameter":
		switch e.ValidationSubType {
		case "path":
			return CheckPathParam
		case "query":
			return CheckQueryParam
		case "header":
			if request {
				return CheckHeaderParam
			}
			return CheckResponseHeader
		case "cookie":
			return CheckCookieParam
		}
		return CheckRequest
	case "header":
		if request {
			return CheckHeaderParam
		}
		return CheckResponseHeader
	case "requestBody", "request":
		if e.ValidationSubType == "contentType" || strings.Contains(e.Message, "content type") || strings.Contains(e.Message, "content-type") {
			return CheckRequestMediaType
		}
		return CheckRequestBody
	case "response":
		switch {
		case e.ValidationSubType == "statusCode" || strings.Contains(e.Message, "response code"):
			return CheckResponseStatus
		case e.ValidationSubType == "contentType" || strings.Contains(e.Message, "content type"):
			return CheckResponseMedia
		case strings.Contains(strings.ToLower(e.Message), "header"):
			return CheckResponseHeader
		}
		return CheckResponseBody
	case "security":
		return CheckRequestSecurity
	case "strict": // WithStrict: undeclared properties, parameters and headers
		switch e.ValidationSubType {
		case "undeclared-header":
			if request {
				return CheckHeaderParam
			}
			return CheckResponseHeader
		case "undeclared-query-param":
			return CheckQueryParam
		case "undeclared-cookie":
			return CheckCookieParam
		case "writeonly-property":
			return CheckWriteOnly
		}
		if request {
			return CheckRequestBody
		}
		return CheckResponseBody
	case "path":
		if e.ValidationSubType == "missingOperation" {
			return CheckUnknownMethod
		}
		return CheckUnknownPath
	}
	if request {
		return CheckRequest
	}
	return CheckResponse
}

func pointer(segments []string) string {
	if len(segments) == 0 {
		return ""
	}
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		s = strings.ReplaceAll(s, "~", "~0")
		b.WriteString(strings.ReplaceAll(s, "/", "~1"))
	}
	return b.String()
}

// lazyCache is the schema cache given to libopenapi-validator. The library
// compiles every schema of the document when a validator is built, which
// takes minutes on large specs (GitHub's: 2 min 41 s, 1.8 GB). While the
// validator is being built the cache claims to hold every schema, so nothing
// is compiled; afterwards it reports misses for what was never compiled (a
// nil entry), and the library compiles each schema on first use and stores
// it here. Start-up then costs only the parse.
type lazyCache struct {
	warming   atomic.Bool
	warmLoads atomic.Int64 // look-ups while warming (the library walking schemas at set-up)
	exclusive atomic.Bool  // the caller holds Spec.mu for writing: misses may compile
	m         sync.Map
	regexes   segmentRegexes
	// compiling holds a sync.Once per schema key mockd compiles
	// (compile.go), stats the counters of CompileStats.
	compiling sync.Map
	stats     compileCounters
}

// segmentRegexes is the compiled-regex cache given to libopenapi-validator
// (config.WithRegexCache). Without one, its path-parameter check compiles
// a regular expression for each segment of the path template on every
// request. The library's router stores whole path templates in the same
// cache while the validator is built, compiled differently (and never
// reads them back afterwards); those are not kept, so the keys are only
// template segments. The keys come from the spec, so it is bounded.
type segmentRegexes struct {
	lazy *lazyCache
	m    sync.Map
}

// Load returns the compiled expression of a path template segment.
func (c *segmentRegexes) Load(key any) (any, bool) { return c.m.Load(key) }

// Store keeps a compiled expression, once the validator is built.
func (c *segmentRegexes) Store(key, value any) {
	if !c.lazy.warming.Load() {
		c.m.Store(key, value)
	}
}

// segmentRegexCache returns the cache to pass as config.WithRegexCache.
func (c *lazyCache) segmentRegexCache() *segmentRegexes {
	c.regexes.lazy = c
	return &c.regexes
}

// errColdSchema aborts a validation that would compile a schema while
// other validations may run (see Spec.guard).
var errColdSchema = errors.New("schema not compiled yet")

var _ cache.SchemaCache = (*lazyCache)(nil)

func newLazyCache() *lazyCache {
	c := &lazyCache{}
	c.warming.Store(true)
	return c
}

func (c *lazyCache) warmed() { c.warming.Store(false) }

// Load returns the compiled schema for key. During construction it answers
// "present" with a nil entry so that the validator skips eager compilation;
// the library treats a nil entry at validation time as a miss.
func (c *lazyCache) Load(key uint64) (*cache.SchemaCacheEntry, bool) {
	if v, ok := c.m.Load(key); ok {
		return v.(*cache.SchemaCacheEntry), true
	}
	if c.warming.Load() {
		c.warmLoads.Add(1)
		return nil, true
	}
	if !c.exclusive.Load() {
		panic(errColdSchema)
	}
	return nil, false
}

// Store keeps a compiled schema.
func (c *lazyCache) Store(key uint64, value *cache.SchemaCacheEntry) {
	if value == nil || c.warming.Load() {
		return
	}
	c.stats.library.Add(1)
	c.m.Store(key, value)
}

// Range visits every compiled schema.
func (c *lazyCache) Range(f func(uint64, *cache.SchemaCacheEntry) bool) {
	c.m.Range(func(k, v any) bool { return f(k.(uint64), v.(*cache.SchemaCacheEntry)) })
}

// libraryRequest fills two gaps of libopenapi-validator. It reads a path in
// canonicalPath's spelling only (an escaped quote or bracket in an OData key,
// /docs%28%271%27%29, made it fail). And it strips a server
// base path from the request path whenever the path starts with it. When a
// spec's paths themselves begin with the base path (server /publish/v2 and
// path /publish/v2/events/{id}), a request for the bare path would lose its
// first segments and fail (or panic) in the library. Such a request is given
// to the library with the base path prefixed, which it then strips again.
func libraryRequest(r *http.Request, op *Operation) *http.Request {
	r = canonicalRequest(r)
	if op.bare == nil || !op.bare.MatchString(r.URL.Path) {
		return r
	}
	for _, base := range op.BasePaths {
		if base != "" && strings.HasPrefix(r.URL.Path, base+"/") {
			clone := *r
			u := *r.URL
			u.Path = base + r.URL.Path
			u.RawPath = ""
			clone.URL = &u
			return &clone
		}
	}
	return r
}

// sortFindings orders findings by check id, then pointer, then detail.
func sortFindings(fs []Finding) {
	if len(fs) < 2 {
		return
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Check != fs[j].Check {
			return fs[i].Check < fs[j].Check
		}
		if fs[i].Pointer != fs[j].Pointer {
			return fs[i].Pointer < fs[j].Pointer
		}
		return fs[i].Detail < fs[j].Detail
	})
}
