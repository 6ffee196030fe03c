package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// CORSOrigins restricts CORS to these origins (e.g. "http://localhost:3000")
// and lets them send credentials: a listed Origin is echoed with
// Access-Control-Allow-Credentials: true and Vary: Origin; any other origin
// gets no Access-Control-Allow-Origin. Without it (the default) every
// response carries Access-Control-Allow-Origin: * and never allows
// credentials, so no web page can read mocked or replayed data with a
// developer's cookies.
func CORSOrigins(origins ...string) Option {
	return func(c *Config) error { c.CORSOrigins = append(c.CORSOrigins, origins...); return nil }
}

// CheckCORSOrigin reports whether o is an origin CORSOrigins accepts:
// scheme://host[:port] with http or https, nothing else.
func CheckCORSOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("CORS origin %q is not an origin (fix: scheme://host[:port], e.g. http://localhost:3000; leave the list empty for *)", o)
	}
	return nil
}

// corsPolicy decides the CORS headers of every response.
type corsPolicy struct {
	origins map[string]bool // nil: "*" without credentials
}

func newCORSPolicy(origins []string) *corsPolicy {
	if len(origins) == 0 {
		return &corsPolicy{}
	}
	p := &corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		p.origins[strings.TrimSuffix(o, "/")] = true
	}
	return p
}

// allow returns the Access-Control-Allow-Origin value for origin ("" for
// none) and whether credentials are allowed.
func (p *corsPolicy) allow(origin string) (string, bool) {
	if p.origins == nil {
		return "*", false
	}
	if origin != "" && p.origins[origin] {
		return origin, true
	}
	return "", false
}

// apply replaces any Access-Control-* headers (a recording's or the
// upstream's) with mockd's.
func (p *corsPolicy) apply(h http.Header, origin string) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	allow, creds := p.allow(origin)
	if p.origins != nil {
		addVary(h, "Origin")
	}
	if allow == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allow)
	if !creds {
		h.Set("Access-Control-Expose-Headers", "*")
		return
	}
	h.Set("Access-Control-Allow-Credentials", "true")
	// With credentials "*" is a literal name, not a wildcard: list them.
	names := make([]string, 0, len(h))
	for k := range h {
		if !strings.HasPrefix(k, "Access-Control-") && k != "Vary" {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		h.Set("Access-Control-Expose-Headers", strings.Join(names, ", "))
	}
}

func addVary(h http.Header, name string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}

// preflight answers a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) with 204, before any fault, playback or
// proxy: a browser then sends the real request and sees its answer (a
// fault's 503, say) instead of a CORS error. Other OPTIONS requests are
// routed like any request, so a spec's own OPTIONS operations are served.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Origin") == "" {
		return false
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		return false
	}
	h := w.Header()
	origin := r.Header.Get("Origin")
	s.cors.apply(h, origin)
	h.Del("Access-Control-Expose-Headers")
	if allow, _ := s.cors.allow(origin); allow != "" {
		h.Set("Access-Control-Allow-Methods", method)
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "86400")
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// withCORS wraps w so that the response, whoever writes it (spec responder,
// cassette, upstream, fault, problem), carries mockd's CORS headers. It
// returns w itself when CORS is off.
func (s *Server) withCORS(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	if s.cors == nil {
		return w
	}
	return &corsWriter{ResponseWriter: w, policy: s.cors, origin: r.Header.Get("Origin")}
}

// corsWriter sets the CORS headers just before the status line goes out.
type corsWriter struct {
	http.ResponseWriter
	policy  *corsPolicy
	origin  string
	applied bool
}

func (c *corsWriter) apply() {
	if !c.applied {
		c.applied = true
		c.policy.apply(c.ResponseWriter.Header(), c.origin)
	}
}

func (c *corsWriter) WriteHeader(code int) {
	if code >= 200 {
		c.apply()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *corsWriter) Write(p []byte) (int, error) {
	c.apply()
	return c.ResponseWriter.Write(p)
}

// Flush forwards to the wrapped writer when it can flush.
func (c *corsWriter) Flush() {
	c.apply()
	_ = http.NewResponseController(c.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController (and wire faults) the wrapped writer.
func (c *corsWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
