package validator

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Operation is one method on one path of the spec, with everything the mock
// server and the checker need precomputed.
type Operation struct {
	// ID is the operationId, or "METHOD /path" when the spec gives none.
	ID string
	// Method is the upper-case HTTP method.
	Method string
	// Path is the path template as written in the spec ("/books/{id}").
	Path string
	// RoutePath is Path without a "#key=value" suffix: APIs-guru's AWS
	// specs tell operations on one URL apart with /#Action=X (a query
	// parameter) or /#X-Amz-Target=Y (a header); Selector holds that part.
	RoutePath string
	Selector  *Selector
	// BasePaths are the path parts of the servers that apply to this
	// operation (operation-level, else path-level, else document-level),
	// without a trailing slash; "" stands for the root.
	BasePaths []string
	// PathItem and Op are the libopenapi model objects.
	PathItem *v3.PathItem
	Op       *v3.Operation
	// checked is the path item given to libopenapi-validator: PathItem,
	// or a shallow copy without parameters that have neither schema nor
	// content (the library dereferences their missing schema).
	checked *v3.PathItem
	// schemaless are the required parameters left out of checked; their
	// presence is checked here.
	schemaless []*v3.Parameter
	// bare matches request paths that follow RoutePath without any base
	// path (see libraryRequest).
	bare *regexp.Regexp
	// Security lists the alternative requirements: the request must satisfy
	// all schemes of at least one of them. Empty means no security (an empty
	// alternative, `{}`, makes security optional).
	Security [][]*SecurityScheme
	// Optional is true when one alternative is empty (`security: [{}]`).
	SecurityOptional bool
	// prepared guards the one compilation of the operation's schemas
	// (compile.go).
	prepared sync.Once
	// aliases caches the path items of aliasedItem (mediatypes.go).
	aliases sync.Map
}

// Selector is a query parameter or header that, beside the path, selects an
// operation (from a "#name=value" path suffix).
type Selector struct {
	In    string // "query" or "header"
	Name  string
	Value string
}

// splitSelector separates a "#name=value" suffix from a path template.
// Names that look like headers (X-...) select by header, others by query.
// A suffix of several '&'-joined parts ("#scope=x&user-arn&x-amz-bearer":
// APIs-guru's AWS specs also list the operation's required parameters)
// selects by its first name=value part; a bare name selects nothing.
func splitSelector(path string) (string, *Selector) {
	base, frag, ok := strings.Cut(path, "#")
	if !ok {
		return path, nil
	}
	var name, value string
	for part := range strings.SplitSeq(frag, "&") {
		if n, v, ok := strings.Cut(part, "="); ok && n != "" {
			name, value = n, v
			break
		}
	}
	if name == "" {
		return base, nil
	}
	in := "query"
	if strings.HasPrefix(strings.ToLower(name), "x-") {
		in = "header"
	}
	if base == "" {
		base = "/"
	}
	return base, &Selector{In: in, Name: name, Value: value}
}

// SecurityScheme is a resolved entry of components.securitySchemes.
type SecurityScheme struct {
	Name   string // key in components.securitySchemes
	Type   string // http, apiKey, oauth2, openIdConnect, mutualTLS
	Scheme string // for http: basic, bearer, digest... (lower case)
	In     string // for apiKey: header, query, cookie
	Param  string // for apiKey: the header, query or cookie name
}

// Statuses are the declared statuses of the operation in document order ("200", "2XX", "default").
func (o *Operation) Statuses() []string {
	if o.Op.Responses == nil {
		return nil
	}
	var out []string
	if o.Op.Responses.Codes != nil {
		for p := o.Op.Responses.Codes.First(); p != nil; p = p.Next() {
			out = append(out, p.Key())
		}
	}
	if o.Op.Responses.Default != nil {
		out = append(out, "default")
	}
	return out
}

// Response returns the response object declared for the status key
// ("200", "2XX" or "default").
func (o *Operation) Response(key string) *v3.Response {
	if o.Op.Responses == nil {
		return nil
	}
	if key == "default" {
		return o.Op.Responses.Default
	}
	if o.Op.Responses.Codes == nil {
		return nil
	}
	r, _ := o.Op.Responses.Codes.Get(key)
	return r
}

// ResponseFor returns the response that documents the concrete status code:
// the exact code, else its range ("4XX"), else default. The key says which.
func (o *Operation) ResponseFor(code int) (key string, resp *v3.Response) {
	exact := statusKey(code)
	if r := o.Response(exact); r != nil {
		return exact, r
	}
	rng := exact[:1] + "XX"
	if o.Op.Responses != nil && o.Op.Responses.Codes != nil {
		for p := o.Op.Responses.Codes.First(); p != nil; p = p.Next() {
			if strings.EqualFold(p.Key(), rng) {
				return p.Key(), p.Value()
			}
		}
	}
	if r := o.Response("default"); r != nil {
		return "default", r
	}
	return "", nil
}

func statusKey(code int) string {
	const digits = "0123456789"
	if code < 100 || code > 999 {
		return "000"
	}
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}

// Parameters returns the operation's parameters merged with its path item's
// (an operation parameter overrides a path parameter of the same name and
// location).
func (o *Operation) Parameters() []*v3.Parameter {
	var out []*v3.Parameter
	seen := map[string]bool{}
	for _, p := range o.Op.Parameters {
		if p == nil {
			continue
		}
		seen[p.In+"\x00"+p.Name] = true
		out = append(out, p)
	}
	for _, p := range o.PathItem.Parameters {
		if p == nil || seen[p.In+"\x00"+p.Name] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// withoutIgnoredHeaders drops the header parameters named Accept,
// Content-Type or Authorization, which OpenAPI 3 says "SHALL be ignored"
// (content negotiation, the request body's media type and security schemes
// own them): a spec that declares them required must not make every request
// without them invalid. Swagger 2.0 has no such rule, so its documents keep
// them. The slice is returned unchanged when there is nothing to drop.
func withoutIgnoredHeaders(params []*v3.Parameter) []*v3.Parameter {
	drop := func(p *v3.Parameter) bool {
		if p == nil || !strings.EqualFold(p.In, "header") {
			return false
		}
		switch strings.ToLower(p.Name) {
		case "accept", "content-type", "authorization":
			return true
		}
		return false
	}
	n := 0
	for _, p := range params {
		if drop(p) {
			n++
		}
	}
	if n == 0 {
		return params
	}
	out := make([]*v3.Parameter, 0, len(params)-n)
	for _, p := range params {
		if !drop(p) {
			out = append(out, p)
		}
	}
	return out
}

var methods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace,
}

// index builds the operations, their routes and the security schemes.
func (s *Spec) index() {
	s.byID = map[string]*Operation{}
	s.schemes = map[string]*SecurityScheme{}
	m := s.Model
	s.indexSchemes()
	docBases := basePaths(m.Servers)
	if m.Paths == nil || m.Paths.PathItems == nil {
		return
	}
	for p := m.Paths.PathItems.First(); p != nil; p = p.Next() {
		item := p.Value()
		if item == nil {
			continue
		}
		if !strings.HasPrefix(p.Key(), "/") {
			s.Warnings = append(s.Warnings, fmt.Sprintf("path %q does not start with '/': it is served as /%s (fix the path in the spec)", p.Key(), p.Key()))
		}
		if !strings.HasPrefix(s.Version, "2") {
			item.Parameters = withoutIgnoredHeaders(item.Parameters)
		}
		pathBases := docBases
		if len(item.Servers) > 0 {
			pathBases = basePaths(item.Servers)
		}
		ops := map[string]*v3.Operation{
			http.MethodGet: item.Get, http.MethodPut: item.Put, http.MethodPost: item.Post,
			http.MethodDelete: item.Delete, http.MethodOptions: item.Options, http.MethodHead: item.Head,
			http.MethodPatch: item.Patch, http.MethodTrace: item.Trace,
		}
		for _, method := range methods {
			op := ops[method]
			if op == nil {
				continue
			}
			if !strings.HasPrefix(s.Version, "2") {
				op.Parameters = withoutIgnoredHeaders(op.Parameters)
			}
			bases := pathBases
			if len(op.Servers) > 0 {
				bases = basePaths(op.Servers)
			}
			o := s.newOperation(method, p.Key(), item, op, bases)
			s.Operations = append(s.Operations, o)
			if _, dup := s.byID[o.ID]; !dup {
				s.byID[o.ID] = o
			}
			if _, dup := s.byID[method+" "+p.Key()]; !dup {
				s.byID[method+" "+p.Key()] = o
			}
		}
	}
	s.warnIdenticalTemplates()
}

// indexSchemes indexes the security schemes by name.
func (s *Spec) indexSchemes() {
	m := s.Model
	if m.Components != nil && m.Components.SecuritySchemes != nil {
		for p := m.Components.SecuritySchemes.First(); p != nil; p = p.Next() {
			sc := p.Value()
			if sc == nil {
				continue
			}
			s.schemes[p.Key()] = &SecurityScheme{
				Name:   p.Key(),
				Type:   sc.Type,
				Scheme: strings.ToLower(sc.Scheme),
				In:     sc.In,
				Param:  sc.Name,
			}
		}
	}
}

// newOperation builds the Operation of method on the path item at path.
func (s *Spec) newOperation(method, path string, item *v3.PathItem, op *v3.Operation, bases []string) *Operation {
	o := &Operation{
		ID:        op.OperationId,
		Method:    method,
		Path:      path,
		BasePaths: bases,
		PathItem:  item,
		Op:        op,
	}
	if o.ID == "" {
		o.ID = method + " " + path
	}
	o.RoutePath, o.Selector = splitSelector(path)
	if !strings.HasPrefix(o.RoutePath, "/") {
		o.RoutePath = "/" + o.RoutePath
	}
	o.bare = templateRegexp(o.RoutePath)
	reqs := op.Security
	if reqs == nil {
		reqs = s.Model.Security
	}
	o.Security, o.SecurityOptional = s.resolveSecurity(reqs)
	o.checked, o.schemaless = checkedItem(item, method, op)
	return o
}

// templateName matches a path template's parameter name.
var templateName = regexp.MustCompile(`\{[^}]*\}`)

// warnIdenticalTemplates warns about operations whose paths differ only in
// their template names (/a/{x} and /a/{y}): OpenAPI forbids them, and a
// request can only be routed to the first.
func (s *Spec) warnIdenticalTemplates() {
	first := map[string]*Operation{}
	for _, o := range s.Operations {
		key := o.Method + " " + templateName.ReplaceAllString(o.RoutePath, "{}")
		if o.Selector != nil {
			key += "?" + o.Selector.In + ":" + o.Selector.Name + "=" + o.Selector.Value
		}
		if prev, ok := first[key]; ok {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s %s and %s %s differ only in template names, which OpenAPI forbids: requests go to %s; rename or remove one",
				prev.Method, prev.Path, o.Method, o.Path, prev.Path))
			continue
		}
		first[key] = o
	}
}

func (s *Spec) resolveSecurity(reqs []*base.SecurityRequirement) ([][]*SecurityScheme, bool) {
	var out [][]*SecurityScheme
	optional := false
	for _, r := range reqs {
		if r == nil {
			continue
		}
		if r.ContainsEmptyRequirement || r.Requirements == nil || r.Requirements.Len() == 0 {
			optional = true
			continue
		}
		var alt []*SecurityScheme
		for p := r.Requirements.First(); p != nil; p = p.Next() {
			if sc, ok := s.schemes[p.Key()]; ok {
				alt = append(alt, sc)
			} else {
				s.Warnings = append(s.Warnings, "security requirement names undefined scheme "+p.Key()+" (define it under components.securitySchemes)")
			}
		}
		if len(alt) > 0 {
			out = append(out, alt)
		}
	}
	return out, optional
}

// basePaths returns the distinct path parts of the servers' URLs, with
// server variables replaced by their defaults, longest first.
func basePaths(servers []*v3.Server) []string {
	seen := map[string]bool{}
	var out []string
	for _, sv := range servers {
		if sv == nil {
			continue
		}
		raw := sv.URL
		if sv.Variables != nil {
			for p := sv.Variables.First(); p != nil; p = p.Next() {
				def := ""
				if p.Value() != nil {
					def = p.Value().Default
				}
				raw = strings.ReplaceAll(raw, "{"+p.Key()+"}", def)
			}
		}
		path := raw
		if u, err := url.Parse(raw); err == nil {
			path = u.Path
		} else if i := strings.Index(raw, "://"); i >= 0 {
			rest := raw[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				path = rest[j:]
			} else {
				path = ""
			}
		}
		path = strings.TrimRight(path, "/")
		if path != "" && !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		if !seen[path] {
			seen[path] = true
			out = append(out, path)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// checkedItem returns the path item to validate against: item itself, or a
// shallow copy of it and of op without schema-less parameters, plus the
// required ones that were removed.
func checkedItem(item *v3.PathItem, method string, op *v3.Operation) (*v3.PathItem, []*v3.Parameter) {
	var removed []*v3.Parameter
	keep := func(params []*v3.Parameter) ([]*v3.Parameter, bool) {
		changed := false
		out := make([]*v3.Parameter, 0, len(params))
		for _, p := range params {
			if p != nil && p.Schema == nil && (p.Content == nil || p.Content.Len() == 0 || !contentHasSchema(p)) {
				changed = true
				if p.Required != nil && *p.Required {
					removed = append(removed, p)
				}
				continue
			}
			out = append(out, p)
		}
		return out, changed
	}
	itemParams, itemChanged := keep(item.Parameters)
	opParams, opChanged := keep(op.Parameters)
	if !itemChanged && !opChanged {
		return item, nil
	}
	pi := *item
	pi.Parameters = itemParams
	o := *op
	o.Parameters = opParams
	setOperation(&pi, method, &o)
	return &pi, removed
}

func contentHasSchema(p *v3.Parameter) bool {
	for c := p.Content.First(); c != nil; c = c.Next() {
		if c.Value() == nil || c.Value().Schema == nil {
			return false
		}
	}
	return true
}

var templateVar = regexp.MustCompile(`\{[^{}/]*\}`)

// templateRegexp matches the paths a template describes (a variable is any
// run of characters but '/').
func templateRegexp(tmpl string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, loc := range templateVar.FindAllStringIndex(tmpl, -1) {
		b.WriteString(regexp.QuoteMeta(tmpl[last:loc[0]]))
		b.WriteString("[^/]*")
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(tmpl[last:]))
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}
