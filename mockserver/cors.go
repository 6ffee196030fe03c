package mockserver

import (
	"net/http"
)

// preflight answers a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) with 204 and permissive headers. Other
// OPTIONS requests are routed like any request, so a spec's own OPTIONS
// operations are still served.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Origin") == "" {
		return false
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		return false
	}
	h := w.Header()
	addCORSHeaders(h, r)
	h.Set("Access-Control-Allow-Methods", method)
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// addCORSHeaders allows any origin. The caller's Origin is echoed (with
// Vary: Origin) rather than "*", so that credentialed browser requests work.
func addCORSHeaders(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = "*"
	} else {
		h.Add("Vary", "Origin")
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Headers", "*")
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", "*")
}
