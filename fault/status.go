package fault

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strings"

	rfc9457 "github.com/mockd/mockd/internal/problem"
	"gopkg.in/yaml.v3"
)

// Status replaces the response with this status code, headers and body. A nil
// Body means the default application/problem+json body.
//
// YAML: `status: 503`, `fault: 503`, or `{code: 503, headers: {X-Reason: x},
// body: "..."}`; header: `status=503`, a bare `503`, or `status.code=418;
// status.body=short and stout`.
type Status struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    *string           `json:"body,omitempty"`
}

func statusKind() kind {
	return kind{
		KindInfo: KindInfo{Name: "status", Class: ClassResponse,
			Summary: "a normal response with this status (200-599), headers and body, instead of the real one"},
		replaces: true,
		has:      func(f *Fault) bool { return f.Status != nil },
		take:     func(dst, src *Fault) { dst.Status = src.Status },
		parse:    func(p *parser, v *yaml.Node, f *Fault) { f.Status = p.status(v) },
		check:    func(f *Fault) error { return f.Status.check() },
		// no alter: statusResponse builds the response status and retry_after send
	}
}

// check checks a Status built in Go.
func (st *Status) check() error {
	if st.Code < 200 || st.Code > 599 {
		return fmt.Errorf("status code %d is not a valid final HTTP status (fix: use 200 to 599)", st.Code)
	}
	for name, value := range st.Headers {
		if !isToken(name) {
			return fmt.Errorf("invalid status header name %q (fix: use a header token such as X-Reason)", name)
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("status header %s value contains a line break (fix: keep it on one line)", name)
		}
	}
	return nil
}

// statusResponse is the response that status and retry_after send instead of
// next's: st's code (503 when st is nil: retry_after alone), st's body or an
// RFC 9457 problem naming label, then st's headers.
func statusResponse(st *Status, label string) *response {
	code := http.StatusServiceUnavailable
	if st != nil {
		code = st.Code
	}
	resp := &response{status: code, header: http.Header{}}
	if st != nil && st.Body != nil {
		resp.body = []byte(*st.Body)
		ct := "text/plain; charset=utf-8"
		if t := bytes.TrimSpace(resp.body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			ct = "application/json"
		}
		resp.header.Set("Content-Type", ct)
	} else if bodyAllowed(code) {
		resp.body = []byte(problemJSON(code, "fault injected by mockd ("+label+")"))
		resp.header.Set("Content-Type", rfc9457.ContentType)
	}
	if st != nil {
		for k, v := range st.Headers {
			resp.header.Set(k, v)
		}
	}
	return resp
}

// status parses `status: 503` or `{code, headers, body}`.
func (p *parser) status(v *yaml.Node) *Status {
	if v.Kind == yaml.ScalarNode {
		code, ok := p.integer(v, "status", math.MinInt32, math.MaxInt32)
		if !ok {
			return nil
		}
		return p.statusCode(v, int(code))
	}
	st := &Status{}
	before := len(p.Errs)
	var codeSet bool
	p.Mapping(v, "status", []string{"code", "headers", "body"}, func(key string, k, fv *yaml.Node) {
		switch key {
		case "code":
			if c, ok := p.integer(fv, "status.code", math.MinInt32, math.MaxInt32); ok {
				if s := p.statusCode(fv, int(c)); s != nil {
					st.Code, codeSet = s.Code, true
				}
			}
		case "headers":
			st.Headers = p.statusHeaders(fv)
		case "body":
			if s, ok := p.Scalar(fv, "status.body"); ok {
				st.Body = &s
			}
		}
	})
	if v.Kind == yaml.MappingNode && !codeSet && len(p.Errs) == before {
		p.Fail(v, "add `code: 503`", "status needs a code")
	}
	if !codeSet {
		return nil
	}
	return st
}

// statusHeaders parses the free-form status.headers mapping.
func (p *parser) statusHeaders(v *yaml.Node) map[string]string {
	out := map[string]string{}
	p.Mapping(v, "status.headers", nil2allow(v), func(name string, hk, hv *yaml.Node) {
		if !isToken(name) {
			p.Fail(hk, "use a header token such as X-Reason", "invalid header name %q", name)
			return
		}
		if s, ok := p.Scalar(hv, "header "+name); ok {
			if strings.ContainsAny(s, "\r\n") {
				p.Fail(hv, "keep header values on one line", "header %s value contains a line break", name)
				return
			}
			out[name] = s
		}
	})
	return out
}

// statusCode checks a status code given as a number (`fault: 418` too).
func (p *parser) statusCode(n *yaml.Node, code int) *Status {
	if code < 200 || code > 599 {
		p.Fail(n, "use a final status between 200 and 599", "status code %d is not a valid final HTTP status", code)
		return nil
	}
	return &Status{Code: code}
}

// isToken reports whether s is an HTTP header field name (RFC 9110 token).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
