package mockserver

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AdminToken requires `Authorization: Bearer <token>` on every admin API
// request (401 otherwise). Set it whenever mockd is reachable from other
// machines: the admin API reads the journal and changes faults.
func AdminToken(token string) Option {
	return func(c *Config) error { c.AdminToken = token; return nil }
}

// AdminAddr serves the admin API on its own listener at addr (e.g.
// "127.0.0.1:4011") instead of on the mock's port. That listener is never
// refused by a `refuse` fault, so the admin API stays reachable during one,
// and the mock can be exposed while the admin API stays on loopback.
func AdminAddr(addr string) Option {
	return func(c *Config) error { c.AdminAddr = addr; return nil }
}

// RefuseMax bounds every refuse window (fault.DefaultRefuseMax by default):
// a longer `refuse` is cut to it.
func RefuseMax(d time.Duration) Option {
	return func(c *Config) error { c.RefuseMax = d; return nil }
}

// adminHosts is what the Host header of an admin request may be when the
// admin API listens on a loopback address (DNS rebinding protection); nil
// when it listens elsewhere (there the token protects it).
func adminHosts(addr net.Addr) map[string]bool {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return nil
	}
	port := strconv.Itoa(tcp.Port)
	return map[string]bool{"localhost:" + port: true, "127.0.0.1:" + port: true, "[::1]:" + port: true}
}

// warnExposed logs when the admin API listens on a non-loopback address
// without a token: anyone who reaches it can read the journal and add faults.
func warnExposed(logger *slog.Logger, addr net.Addr, token string) bool {
	tcp, ok := addr.(*net.TCPAddr)
	if token != "" || (ok && tcp.IP.IsLoopback()) {
		return false
	}
	logger.Warn("the admin API is reachable from the network without a token: anyone who can connect can read the journal "+
		"and add faults (fix: set --admin-token, or serve it on loopback with --admin-addr 127.0.0.1:PORT)", "addr", addr.String())
	return true
}

// serveAdmin checks an admin request (Host, token, Origin, content type)
// and answers it. hosts is the allowed Host set (nil: no Host check).
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request, hosts map[string]bool) {
	if status, why := s.checkAdmin(r, hosts); status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mockd admin"`)
		}
		adminError(w, status, why)
		return
	}
	s.admin.ServeHTTP(w, r)
}

// checkAdmin returns 0 for an admin request that may go through, or the
// status and reason to refuse it.
func (s *Server) checkAdmin(r *http.Request, hosts map[string]bool) (int, string) {
	if hosts != nil && !hosts[strings.ToLower(r.Host)] {
		return http.StatusForbidden, fmt.Sprintf("Host %q is not this server's loopback address (DNS rebinding protection): "+
			"call the admin API as http://127.0.0.1:PORT or http://localhost:PORT", r.Host)
	}
	if tok := s.cfg.AdminToken; tok != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(tok)) != 1 {
			return http.StatusUnauthorized, "the admin API needs the token: send Authorization: Bearer <the --admin-token value>"
		}
	}
	if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
		return http.StatusForbidden, fmt.Sprintf("Origin %q is not this server: the admin API is not for other web pages (call it from a script or the same origin)", origin)
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return 0, ""
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return 0, "" // no body: nothing to sniff as a form
	}
	if !adminMediaType(ct) {
		return http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %q is not accepted by the admin API: send application/json or application/yaml", ct)
	}
	return 0, ""
}

// sameOrigin reports whether an Origin header names the host the request
// was sent to (scheme aside).
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// adminMediaType accepts JSON and YAML only: a web form (urlencoded,
// multipart, text/plain) cannot be sent cross-site without a preflight.
func adminMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		return true
	}
	return strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}
