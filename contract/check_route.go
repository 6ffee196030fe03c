package contract

// This file places an interaction in the spec: its path without the
// configured server's base path, the ignore globs, the server check, and the
// request rebuilt for the validator.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// locate returns the path of ix as sent (escaped, so that a %2F inside a
// path parameter stays one segment, as mockd serve routes it) and that path
// without the configured server's base path, and whether IgnorePaths skips
// it (globs are matched against the escaped and the decoded spellings). An
// interaction without a URL gets "/".
func (c *Checker) locate(ix *recorder.Interaction) (rawPath, path string, ignored bool) {
	if ix.URL == nil {
		ix.URL = &url.URL{Path: "/"}
	}
	rawPath = ix.URL.EscapedPath()
	if rawPath == "" {
		rawPath = "/"
	}
	path = rawPath
	if c.serverBase != "" {
		if p, ok := validator.StripBase(path, c.serverBase); ok {
			path = p
		}
	}
	bare := c.withoutBase(path)
	return rawPath, path, c.ignored(rawPath, path, bare, unescaped(rawPath), unescaped(path), unescaped(bare))
}

// unescaped decodes an escaped path; p itself when it is not valid escaping.
func unescaped(p string) string {
	if d, err := url.PathUnescape(p); err == nil {
		return d
	}
	return p
}

// withPath returns a copy of u whose path is the escaped path p: RawPath
// keeps the escaping (a %2F in a value) and Path is its decoding.
func withPath(u url.URL, p string) *url.URL {
	u.Path, u.RawPath = unescaped(p), p
	if u.EscapedPath() != p { // p was not valid escaping: the bytes as they are
		u.Path, u.RawPath = p, ""
	}
	return &u
}

// operationOf is the operation Check validates ix against; nil when ix is
// ignored or its path and method are not in the spec.
func (c *Checker) operationOf(ix *recorder.Interaction) *validator.Operation {
	_, path, ignored := c.locate(ix)
	if ignored {
		return nil
	}
	op, _ := c.spec.Router().Find(c.request(ix, path))
	return op
}

// request builds the http.Request handed to the validator; path is escaped
// (see locate).
func (c *Checker) request(ix *recorder.Interaction, path string) *http.Request {
	u := withPath(*ix.URL, path)
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	if u.Host == "" {
		u.Host = "localhost"
	}
	var body io.ReadCloser = http.NoBody
	if len(ix.RequestBody) > 0 {
		body = io.NopCloser(bytes.NewReader(ix.RequestBody))
	}
	method := ix.Method
	if method == "" {
		method = http.MethodGet
	}
	return &http.Request{
		Method:        method,
		URL:           u,
		Host:          u.Host,
		Header:        c.header(ix.RequestHeader),
		Body:          body,
		ContentLength: int64(len(ix.RequestBody)),
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// bareRequest returns req with op's server base path stripped from its
// path (escaping kept), and the stripped path as the validator's messages
// quote it (decoded).
func bareRequest(op *validator.Operation, req *http.Request) (*http.Request, string) {
	escaped := req.URL.EscapedPath()
	bare := op.BarePath(escaped)
	if bare == escaped && !strings.Contains(escaped, "%") {
		return req, req.URL.Path
	}
	if bare == escaped {
		// A literal segment the template spells decoded (/café/{id}).
		if d := op.BarePath(req.URL.Path); d != req.URL.Path && !strings.Contains(strings.ToUpper(escaped), "%2F") {
			bare = (&url.URL{Path: d}).EscapedPath()
		}
	}
	if bare != escaped {
		clone := *req
		clone.URL = withPath(*req.URL, bare)
		req = &clone
	}
	return req, req.URL.Path
}

func (c *Checker) header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		if c.ignoreHeaders[ck] {
			continue
		}
		out[ck] = append(out[ck], vs...)
	}
	return out
}

func (c *Checker) ignored(paths ...string) bool {
	for _, re := range c.ignore {
		for _, p := range paths {
			if re.MatchString(p) {
				return true
			}
		}
	}
	return false
}

// withoutBase strips the longest server base path any operation has.
func (c *Checker) withoutBase(p string) string {
	best := p
	for _, op := range c.spec.Operations {
		for _, b := range op.BasePaths {
			if rest, ok := validator.StripBase(p, b); ok && b != "" && len(rest) < len(best) {
				best = rest
			}
		}
	}
	return best
}

func (c *Checker) opForPattern(pattern string) *validator.Operation {
	for _, op := range c.spec.Operations {
		if op.RoutePath == pattern {
			return op
		}
		for _, b := range op.BasePaths {
			if b+op.RoutePath == pattern {
				return op
			}
		}
	}
	return nil
}

// checkServer applies CheckConfig.StrictServers.
func (c *Checker) checkServer(ix *interaction, op *validator.Operation, rawPath string) (validator.Finding, bool) {
	host := strings.ToLower(ix.URL.Host)
	f := validator.Finding{Check: CheckServer, In: "url", SpecPointer: "/servers",
		Hint: "record against a server the spec declares, or pass " + c.cfg.OptionNames.name(OptionServer) + " URL (or drop " + c.cfg.OptionNames.name(OptionStrictServers) + ")"}
	if len(op.Op.Servers) > 0 {
		f.SpecPointer = opPointer(op) + "/servers"
	} else if len(op.PathItem.Servers) > 0 {
		f.SpecPointer = "/paths/" + validator.EscapePointer(op.Path) + "/servers"
	}
	if c.cfg.Server != "" {
		if c.serverHost != "" && host != c.serverHost {
			f.Message = fmt.Sprintf("host %q is not the %s host %q", ix.URL.Host, c.cfg.OptionNames.name(OptionServer), c.serverHost)
			return f, true
		}
		if _, ok := validator.StripBase(rawPath, c.serverBase); !ok {
			f.Message = fmt.Sprintf("path %s does not start with the %s base path %s", rawPath, c.cfg.OptionNames.name(OptionServer), c.serverBase)
			return f, true
		}
		return f, false
	}
	if hosts := c.hosts[op]; len(hosts) > 0 {
		match := false
		for _, re := range hosts {
			if re.MatchString(host) {
				match = true
				break
			}
		}
		if !match {
			f.Message = fmt.Sprintf("host %q is not one of the spec's servers", ix.URL.Host)
			return f, true
		}
	}
	for _, base := range op.BasePaths {
		if _, ok := validator.StripBase(rawPath, base); ok {
			return f, false
		}
	}
	f.Message = fmt.Sprintf("path %s does not start with a server base path (%s)", rawPath, strings.Join(op.BasePaths, ", "))
	return f, true
}

// serverHosts returns host matchers for the servers that apply to op;
// variables match their enum values (or default), or any label when they
// have neither. Relative servers give no matcher (any host).
func serverHosts(doc []*v3.Server, op *validator.Operation) []*regexp.Regexp {
	servers := doc
	if len(op.PathItem.Servers) > 0 {
		servers = op.PathItem.Servers
	}
	if len(op.Op.Servers) > 0 {
		servers = op.Op.Servers
	}
	var out []*regexp.Regexp
	for _, sv := range servers {
		if sv == nil {
			continue
		}
		raw := sv.URL
		i := strings.Index(raw, "://")
		if i < 0 {
			return nil // a relative server: any host
		}
		hostPart := raw[i+3:]
		if j := strings.IndexByte(hostPart, '/'); j >= 0 {
			hostPart = hostPart[:j]
		}
		var b strings.Builder
		b.WriteString("^")
		for len(hostPart) > 0 {
			open := strings.IndexByte(hostPart, '{')
			if open < 0 {
				b.WriteString(regexp.QuoteMeta(strings.ToLower(hostPart)))
				break
			}
			b.WriteString(regexp.QuoteMeta(strings.ToLower(hostPart[:open])))
			end := strings.IndexByte(hostPart[open:], '}')
			if end < 0 {
				b.WriteString(regexp.QuoteMeta(strings.ToLower(hostPart[open:])))
				break
			}
			name := hostPart[open+1 : open+end]
			alts := []string{}
			if sv.Variables != nil {
				if v, ok := sv.Variables.Get(name); ok && v != nil {
					for _, e := range v.Enum {
						alts = append(alts, regexp.QuoteMeta(strings.ToLower(e)))
					}
					if len(alts) == 0 && v.Default != "" {
						alts = append(alts, regexp.QuoteMeta(strings.ToLower(v.Default)))
					}
				}
			}
			if len(alts) == 0 {
				b.WriteString(`[^/]*`)
			} else {
				b.WriteString("(?:" + strings.Join(alts, "|") + ")")
			}
			hostPart = hostPart[open+end+1:]
		}
		b.WriteString("$")
		if re, err := regexp.Compile(b.String()); err == nil {
			out = append(out, re)
		}
	}
	return out
}

// globRegexp compiles a path glob: '*' within a segment, '**' across.
func globRegexp(g string) (*regexp.Regexp, error) {
	if strings.TrimSpace(g) == "" {
		return nil, errors.New("empty glob")
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch {
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case g[i] == '*':
			b.WriteString("[^/]*")
		case g[i] == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(g[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

var idSegment = regexp.MustCompile(`^(?:[0-9]+|[0-9a-fA-F-]{32,36}|[0-9a-fA-F]{24,})$`)

// normalisePath replaces id-like segments with {id} so undocumented
// endpoints group together.
func normalisePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if idSegment.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}
