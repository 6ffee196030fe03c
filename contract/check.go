package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// Check ids added by the contract checker (see also the Check* ids of
// ValidateRequest and ValidateResponse).
const (
	// CheckServer: with strict server matching, the request's host or base
	// path is not one of the spec's servers.
	CheckServer = "request.server"
	// CheckRequestEncoding: the request body's Content-Encoding could not be
	// undone (unsupported, corrupt, or over the inflation limits), so the
	// body was not checked.
	CheckRequestEncoding = "request.body.encoding"
	// CheckResponseEncoding: the same for the response body.
	CheckResponseEncoding = "response.body.encoding"
	// CheckServerError (contract test): the provider answered a request
	// with a 5xx.
	CheckServerError = "test.server-error"
	// CheckInvalidAccepted (contract test): the provider accepted (2xx or
	// 3xx) a request the spec rejects: a missing, mistyped or
	// out-of-bounds value, an undeclared content type, no credentials.
	CheckInvalidAccepted = "test.invalid-accepted"
	// CheckValidRejected (contract test): the provider rejected (4xx) a
	// request the spec accepts.
	CheckValidRejected = "test.valid-rejected"
)

// CheckIDs lists every check id the checker reports, in report order.
var CheckIDs = []string{
	CheckServer, validator.CheckPathParam, validator.CheckQueryParam, validator.CheckHeaderParam, validator.CheckCookieParam,
	validator.CheckRequestBody, CheckRequestEncoding, validator.CheckRequestMediaType, validator.CheckRequestSecurity, validator.CheckRequest,
	validator.CheckResponseStatus, validator.CheckResponseMedia, validator.CheckResponseBody, CheckResponseEncoding, validator.CheckResponseHeader,
	validator.CheckWriteOnly, validator.CheckResponse, validator.CheckUnknownPath, validator.CheckUnknownMethod,
	CheckServerError, CheckInvalidAccepted, CheckValidRejected,
}

// CheckConfig configures a Checker. The zero value checks with the spec's
// servers, every check at severity error, and request findings of
// interactions the server answered with a 4xx downgraded to info.
type CheckConfig struct {
	// Server, when set, replaces the spec's servers: request paths are
	// matched after this URL's path (and, with StrictServers, its host).
	Server string
	// StrictServers requires the request's host to be one of the servers'
	// hosts (server variables may take their enum values) and its path to
	// start with the server's base path.
	StrictServers bool
	// IgnorePaths are globs over request paths ('*' matches within a
	// segment, '**' across segments); matching interactions are skipped.
	// A glob is tried on the path with and without the server base path.
	IgnorePaths []string
	// IgnoreHeaders are request and response headers left out of checks.
	IgnoreHeaders []string
	// Severities override the severity of check ids (SeverityOff drops it).
	Severities map[string]validator.Severity
	// RejectedRequest is the severity of request findings when the recorded
	// response is a 4xx (the server rightly rejected the request); default
	// SeverityInfo. SeverityOff drops them.
	RejectedRequest validator.Severity
	// FormatAssertions checks string formats in response headers too (the
	// spec's own option covers bodies and parameters).
	FormatAssertions bool
	// Redactor hides secret header, query and cookie values quoted in
	// findings (nil: redact.Default).
	Redactor *redact.Redactor
	// OptionNames names these options in errors and finding hints (a
	// command line passes its flag names).
	OptionNames OptionNames
	// SpecSource is the spec's text, for line:column positions and for
	// reading discriminators; by default the spec's File is read. Swagger
	// 2.0 specs are converted before checking, so their positions are not
	// reported.
	SpecSource []byte
}

// Checker validates recorded interactions against a spec. It is safe for
// concurrent use: Check can be called from many goroutines.
type Checker struct {
	spec          *validator.Spec
	cfg           CheckConfig
	tree          *specTree
	ignore        []*regexp.Regexp
	ignoreHeaders map[string]bool
	serverBase    string
	serverHost    string
	hosts         map[*validator.Operation][]*regexp.Regexp
	hasWriteOnly  bool
	headers       *validator.HeaderValidator
}

// Redactor returns the redactor the checker applies to findings (the
// configured one, or the defaults plus the spec's apiKey names); use it for
// anything else the run writes (logs, recorded traffic).
func (c *Checker) Redactor() *redact.Redactor { return c.cfg.Redactor }

// NewChecker prepares a Checker for spec.
func NewChecker(spec *validator.Spec, cfg CheckConfig) (*Checker, error) {
	if spec == nil {
		return nil, errors.New("contract: NewChecker: nil spec")
	}
	c := &Checker{spec: spec, cfg: cfg, ignoreHeaders: map[string]bool{}, hosts: map[*validator.Operation][]*regexp.Regexp{}}
	if c.cfg.RejectedRequest == "" {
		c.cfg.RejectedRequest = validator.SeverityInfo
	}
	if c.cfg.Redactor == nil {
		red, err := redact.New(redact.Config{SpecNames: spec.CredentialNames()})
		if err != nil {
			return nil, fmt.Errorf("contract: NewChecker: redaction of the spec's credential names: %w", err)
		}
		c.cfg.Redactor = red
	}
	for id, sev := range cfg.Severities {
		if _, err := validator.ParseSeverity(string(sev)); err != nil {
			return nil, fmt.Errorf("severity of check %s: %w", id, err)
		}
	}
	for _, g := range cfg.IgnorePaths {
		re, err := globRegexp(g)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", cfg.OptionNames.name(OptionIgnorePaths), g, err)
		}
		c.ignore = append(c.ignore, re)
	}
	for _, h := range cfg.IgnoreHeaders {
		c.ignoreHeaders[http.CanonicalHeaderKey(strings.TrimSpace(h))] = true
	}
	if cfg.Server != "" {
		u, err := url.Parse(cfg.Server)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w (give a URL such as https://staging.example.com/v1)", cfg.OptionNames.name(OptionServer), cfg.Server, err)
		}
		c.serverBase = strings.TrimRight(u.EscapedPath(), "/") // paths are matched escaped
		c.serverHost = strings.ToLower(u.Host)
	}
	src := cfg.SpecSource
	if src == nil && spec.Version != "2.0" && spec.File != "" {
		if data, err := os.ReadFile(spec.File); err == nil {
			src = data
		}
	}
	if spec.Version != "2.0" {
		// The document as parsed for the model gives the positions of the
		// spec's file: parsing it again took a second and a second copy
		// of the tree on a large spec (GitHub's: 13 MB). Given text, or a
		// model built from a rewritten document (broken $refs disabled),
		// is parsed for its own positions.
		if root := spec.Document(); root != nil && cfg.SpecSource == nil && len(spec.Disabled) == 0 {
			c.tree = &specTree{root: root, read: spec.Read}
		} else {
			c.tree = newSpecTree(src)
		}
		c.hasWriteOnly = bytes.Contains(src, []byte("writeOnly"))
	}
	for _, op := range spec.Operations {
		c.hosts[op] = serverHosts(spec.Model.Servers, op)
	}
	c.headers = spec.HeaderValidator(cfg.FormatAssertions)
	return c, nil
}

// Spec returns the spec the checker validates against.
func (c *Checker) Spec() *validator.Spec { return c.spec }

// Finding is a validator finding the checker has graded and placed: its
// severity, operation and spec location are set, and Source says which
// recorded interaction it came from. Encoded as JSON its fields are those
// of validator.Finding followed by "source".
type Finding struct {
	validator.Finding
	Source *recorder.Source `json:"source,omitempty"` // where in the traffic
	// Reproduce is a command that sends the request again (a curl line,
	// secrets redacted); set by contract test, empty for recorded traffic.
	Reproduce string `json:"reproduce,omitempty"`
}

// Outcome is what checking one interaction found.
type Outcome struct {
	Findings []Finding
	// Operation is the operation the request was for; nil when the path or
	// method is undocumented or the interaction was ignored.
	Operation *validator.Operation
	// StatusKey is the declared response the status matched ("200", "2XX",
	// "default"); empty when the status is undeclared.
	StatusKey string
	// MediaType is the declared media type the response matched; empty when
	// the response has no body or an undeclared type.
	MediaType string
	// Status is the recorded status code.
	Status int
	// Undocumented is "METHOD /path" for an undocumented path or method.
	Undocumented string
	// Ignored is true when CheckConfig.IgnorePaths matched the path.
	Ignored bool
}

// interaction is the recorded interaction one Check call works on, with the
// secret values of the exchange once they are computed.
type interaction struct {
	*recorder.Interaction
	secrets *[]string
}

// Check validates one interaction: server and route, request (parameters,
// body, content type, security), response (status, content type, body,
// headers, writeOnly properties). An interaction with Status 0 has its
// request checked only. It never panics on odd traffic.
func (c *Checker) Check(recorded *recorder.Interaction) (out Outcome) {
	ix := &interaction{Interaction: recorded}
	defer func() {
		if p := recover(); p != nil {
			out.Findings = append(out.Findings, c.finish(ix, nil, "", validator.Finding{Check: validator.CheckRequest,
				Message: fmt.Sprintf("the interaction could not be checked: %v", p),
				Hint:    "report this spec and interaction to mockd"}))
		}
	}()
	out.Status = ix.Status
	rawPath, path, ignored := c.locate(ix.Interaction)
	if ignored {
		out.Ignored = true
		return out
	}
	req := c.request(ix.Interaction, path)
	var serverFindings []validator.Finding
	op, err := c.spec.Router().Find(req)
	if err != nil {
		out.Undocumented = ix.Method + " " + normalisePath(c.withoutBase(path))
		out.Findings = append(out.Findings, c.finish(ix, nil, "", c.undocumented(ix, path, err)))
		return out
	}
	out.Operation = op
	req, bare := bareRequest(op, req)
	if c.cfg.StrictServers {
		if f, bad := c.checkServer(ix, op, rawPath); bad {
			serverFindings = append(serverFindings, f)
		}
	}
	resp, respBody, encFindings := c.response(ix, req)
	c.checkRequest(ix, op, req, serverFindings, encFindings, &out)
	if ix.Status == 0 {
		return out // request only (a live proxy before forwarding)
	}
	c.checkResponse(ix, op, req, resp, respBody, &out)
	// Library messages quote the concrete path: quote the template instead,
	// so identical findings deduplicate across interactions.
	for i := range out.Findings {
		f := &out.Findings[i]
		f.Message = strings.ReplaceAll(f.Message, "'"+bare+"'", "'"+op.Path+"'")
		f.Detail = sortDeclared(f.Detail)
	}
	return out
}

// undocumented is the finding for a request the router did not find: an
// undocumented path, or a method the path does not document.
func (c *Checker) undocumented(ix *interaction, path string, err error) validator.Finding {
	f := validator.Finding{Check: validator.CheckUnknownPath, SpecPointer: "/paths",
		Message: fmt.Sprintf("%s %s is not a path of the spec", ix.Method, normalisePath(c.withoutBase(path))),
		Hint:    "document the path under paths, or fix the client/server URL (see " + c.cfg.OptionNames.name(OptionServer) + ")"}
	var mna *validator.MethodNotAllowedError
	if errors.As(err, &mna) {
		f = validator.Finding{Check: validator.CheckUnknownMethod, SpecPointer: "/paths",
			Message: fmt.Sprintf("%s is not documented for %s (the spec has %s)", ix.Method, mna.Pattern, strings.Join(mna.Allow, ", ")),
			Hint:    "document the method under the path, or stop calling it"}
		if o := c.opForPattern(mna.Pattern); o != nil {
			f.SpecPointer = "/paths/" + validator.EscapePointer(o.Path)
			f.PathTemplate = o.Path
		}
	}
	f.Method = ix.Method
	f.Method = ix.Method
	return f
}

// response is the recorded response as the validator reads it, its body
// left out when it cannot be decoded or was truncated, and the findings of
// bodies that could not be decoded (request first).
func (c *Checker) response(ix *interaction, req *http.Request) (*http.Response, []byte, []validator.Finding) {
	resp := &http.Response{StatusCode: ix.Status, Header: c.header(ix.ResponseHeader), Request: req}
	skipBody := false
	var encFindings []validator.Finding
	if f, bad := undecoded(ix.RequestHeader, ix.RequestBody, ix.RequestBodyError, CheckRequestEncoding, "request"); bad {
		encFindings = append(encFindings, f)
	}
	if f, bad := undecoded(resp.Header, ix.ResponseBody, ix.ResponseBodyError, CheckResponseEncoding, "response"); bad && ix.Status != 0 {
		encFindings = append(encFindings, f)
		skipBody = true
	}
	if resp.Header.Get(recorder.TruncatedHeader) != "" {
		skipBody = true
	}
	respBody := ix.ResponseBody
	if skipBody {
		respBody = nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	resp.ContentLength = int64(len(respBody))
	return resp, respBody, encFindings
}

// checkRequest checks the request (parameters, body, content type,
// security) and adds the findings, with those of the server and of bodies
// that could not be decoded, to out. Findings on a request the server
// rejected (4xx) get CheckConfig.RejectedRequest's severity.
func (c *Checker) checkRequest(ix *interaction, op *validator.Operation, req *http.Request, serverFindings, encFindings []validator.Finding, out *Outcome) {
	var reqFindings []validator.Finding
	reqFindings = append(reqFindings, c.spec.ValidateRequest(req, op)...)
	if f, bad := c.checkSecurity(req, op); bad {
		reqFindings = append(reqFindings, f)
	}
	rejected := ix.Status >= 400 && ix.Status < 500
	reqMT := mediaKey(requestContent(op), req.Header.Get("Content-Type"))
	if reqMT != "" {
		reqBody := func() (any, bool) { return decodeJSON(ix.RequestBody, req.Header.Get("Content-Type")) }
		reqFindings = c.selectDiscriminated(reqFindings, opPointer(op)+"/requestBody/content/"+validator.EscapePointer(reqMT)+"/schema", reqBody)
	}
	for _, vf := range encFindings {
		if f := c.finish(ix, op, "", vf); f.Severity != validator.SeverityOff {
			out.Findings = append(out.Findings, f)
		}
	}
	for _, vf := range append(serverFindings, reqFindings...) {
		f := c.finish(ix, op, reqMT, vf)
		if rejected && f.Check != CheckServer {
			if c.cfg.RejectedRequest == validator.SeverityOff {
				continue
			}
			f.Severity = c.cfg.RejectedRequest
			f.Message += fmt.Sprintf(" (the server rejected the request with %d)", ix.Status)
		}
		if f.Severity != validator.SeverityOff {
			out.Findings = append(out.Findings, f)
		}
	}

}

// checkResponse checks the response (status, content type, body, headers,
// writeOnly properties) and adds the findings to out.
func (c *Checker) checkResponse(ix *interaction, op *validator.Operation, req *http.Request, resp *http.Response, respBody []byte, out *Outcome) {
	key, declared := op.ResponseFor(ix.Status)
	out.StatusKey = key
	respMT := ""
	if declared != nil {
		respMT = mediaKey(declared.Content, resp.Header.Get("Content-Type"))
		if len(respBody) > 0 || resp.Header.Get("Content-Type") != "" {
			out.MediaType = respMT
		}
	}
	var respFindings []validator.Finding
	for _, f := range c.spec.ValidateResponse(req, resp, op) {
		if f.Check == validator.CheckResponseHeader && f.Name == "" || f.Check == validator.CheckWriteOnly {
			continue // checked below (optional headers and writeOnly in every mode)
		}
		respFindings = append(respFindings, f)
	}
	if declared != nil {
		respFindings = append(respFindings, c.checkHeaders(req, resp, op, key, declared)...)
	}
	var doc any
	var docOK bool
	decoded := false
	body := func() (any, bool) {
		if !decoded {
			decoded = true
			doc, docOK = decodeJSON(respBody, resp.Header.Get("Content-Type"))
		}
		return doc, docOK
	}
	schemaPtr := ""
	if respMT != "" {
		schemaPtr = opPointer(op) + "/responses/" + validator.EscapePointer(key) + "/content/" + validator.EscapePointer(respMT) + "/schema"
	}
	respFindings = c.selectDiscriminated(respFindings, schemaPtr, body)
	if c.hasWriteOnly && schemaPtr != "" && c.tree != nil && ix.Status < 300 {
		if v, ok := body(); ok {
			respFindings = append(respFindings, c.writeOnly(schemaPtr, v)...)
		}
	}
	for _, vf := range respFindings {
		f := c.finishResponse(ix, op, key, respMT, vf)
		if f.Severity != validator.SeverityOff {
			out.Findings = append(out.Findings, f)
		}
	}
}

// mediaKey returns the declared media type that a Content-Type matches:
// exact, then with parameters, then type/*, then */*.
func mediaKey(content *orderedmap.Map[string, *v3.MediaType], contentType string) string {
	if content == nil || content.Len() == 0 || contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	var keys []string
	for k := range content.KeysFromOldest() {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if strings.EqualFold(k, mt) {
			return k
		}
	}
	for _, k := range keys {
		if km, _, err := mime.ParseMediaType(k); err == nil && strings.EqualFold(km, mt) {
			return k
		}
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, k := range keys {
		if strings.EqualFold(k, typ+"/*") {
			return k
		}
	}
	for _, k := range keys {
		if k == "*/*" {
			return k
		}
	}
	return ""
}

func requestContent(op *validator.Operation) *orderedmap.Map[string, *v3.MediaType] {
	if op.Op.RequestBody == nil {
		return nil
	}
	return op.Op.RequestBody.Content
}

func opPointer(op *validator.Operation) string {
	return "/paths/" + validator.EscapePointer(op.Path) + "/" + strings.ToLower(op.Method)
}

// finish fills the operation, severity, spec location and traffic source
// of a request-side (or route) finding.
func (c *Checker) finish(ix *interaction, op *validator.Operation, reqMT string, f validator.Finding) Finding {
	if op != nil {
		f.OperationID, f.Method, f.PathTemplate = op.ID, op.Method, op.Path
		if f.SpecPointer == "" {
			f.SpecPointer = c.requestPointer(op, reqMT, f)
		}
	}
	return c.place(ix, f)
}

func (c *Checker) finishResponse(ix *interaction, op *validator.Operation, key, mt string, f validator.Finding) Finding {
	f.OperationID, f.Method, f.PathTemplate = op.ID, op.Method, op.Path
	if f.SpecPointer == "" {
		p := opPointer(op)
		switch f.Check {
		case validator.CheckResponseStatus:
			f.SpecPointer = p + "/responses"
		case validator.CheckResponseMedia:
			f.SpecPointer = p + "/responses/" + validator.EscapePointer(key) + "/content"
		case validator.CheckResponseBody:
			if mt != "" {
				f.SpecPointer = p + "/responses/" + validator.EscapePointer(key) + "/content/" + validator.EscapePointer(mt) + "/schema" + keywordSuffix(f.Keyword)
			} else if key != "" {
				f.SpecPointer = p + "/responses/" + validator.EscapePointer(key)
			} else {
				f.SpecPointer = p + "/responses"
			}
		default:
			f.SpecPointer = p + "/responses"
			if key != "" {
				f.SpecPointer += "/" + validator.EscapePointer(key)
			}
		}
	}
	return c.place(ix, f)
}

// keywordSuffix turns a schema keyword location into a pointer suffix
// (library keyword locations are relative to the schema).
func keywordSuffix(kw string) string {
	if kw == "" || !strings.HasPrefix(kw, "/") || strings.HasPrefix(kw, "/paths/") {
		return ""
	}
	return kw
}

func (c *Checker) requestPointer(op *validator.Operation, reqMT string, f validator.Finding) string {
	p := opPointer(op)
	switch f.Check {
	case validator.CheckPathParam, validator.CheckQueryParam, validator.CheckHeaderParam, validator.CheckCookieParam:
		in := f.In
		for i, prm := range op.Op.Parameters {
			if prm != nil && prm.In == in && strings.EqualFold(prm.Name, f.Name) {
				return p + fmt.Sprintf("/parameters/%d", i) + paramSuffix(f.Keyword)
			}
		}
		for i, prm := range op.PathItem.Parameters {
			if prm != nil && prm.In == in && strings.EqualFold(prm.Name, f.Name) {
				return "/paths/" + validator.EscapePointer(op.Path) + fmt.Sprintf("/parameters/%d", i) + paramSuffix(f.Keyword)
			}
		}
		return p
	case validator.CheckRequestBody:
		if reqMT != "" {
			return p + "/requestBody/content/" + validator.EscapePointer(reqMT) + "/schema" + keywordSuffix(f.Keyword)
		}
		return p + "/requestBody"
	case validator.CheckRequestMediaType:
		return p + "/requestBody/content"
	case validator.CheckRequestSecurity:
		if op.Op.Security != nil {
			return p + "/security"
		}
		return "/security"
	}
	return p
}

// paramSuffix keeps the part of a library parameter keyword location after
// the parameter ("/schema/maximum").
func paramSuffix(kw string) string {
	if i := strings.Index(kw, "/schema"); i >= 0 && strings.HasPrefix(kw, "/paths/") {
		return kw[i:]
	}
	return ""
}

// place sets severity, spec position and source.
func (c *Checker) place(ix *interaction, f validator.Finding) Finding {
	if f.Severity == "" {
		f.Severity = validator.SeverityError
	}
	if sev, ok := c.cfg.Severities[f.Check]; ok {
		f.Severity = sev
	}
	if c.tree != nil && f.SpecPointer != "" {
		f.SpecLine, f.SpecCol = c.tree.locate(f.SpecPointer)
		f.SpecFile = c.spec.File
	} else if f.SpecLine > 0 {
		f.SpecFile = c.spec.File
	}
	if f.Method == "" {
		f.Method = ix.Method
	}
	c.redact(ix, &f)
	src := ix.Source
	return Finding{Finding: f, Source: &src}
}

// undecoded reports a body whose Content-Encoding is still set (it could not
// be undone): it was not checked, and that must not pass silently.
func undecoded(h http.Header, body []byte, why error, check, side string) (validator.Finding, bool) {
	enc := strings.TrimSpace(h.Get("Content-Encoding"))
	if len(body) == 0 || h.Get(redact.TruncatedHeader) != "" || (why == nil && (enc == "" || strings.EqualFold(enc, "identity"))) {
		return validator.Finding{}, false
	}
	detail := "Content-Encoding " + enc + " was not decoded"
	if why != nil {
		detail = why.Error()
	}
	return validator.Finding{Check: check, In: "body",
		Message: fmt.Sprintf("the %s body could not be decoded, so it was not checked", side),
		Detail:  detail,
		Hint:    "record bodies with a supported Content-Encoding (gzip, deflate, br, zstd) within the inflation limits, or store them decoded"}, true
}
