package forward

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strings"
)

// IsHopByHop reports whether the header name belongs to one connection
// (RFC 9110 §7.6.1, and the list net/http/httputil strips) and so is never
// forwarded nor replayed. The name is matched case-insensitively.
func IsHopByHop(name string) bool {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// StripHop deletes from h the headers its Connection header names, then
// every hop-by-hop header.
func StripHop(h http.Header) {
	for _, f := range h.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for k := range h {
		if IsHopByHop(k) {
			delete(h, k)
		}
	}
}

// ReverseProxy returns a streaming reverse proxy to upstream: the path is
// joined below upstream's path, the upstream sees its own host in the Host
// header, and hop-by-hop headers are stripped both ways (httputil does that
// itself, with the list IsHopByHop holds). With xForwarded the X-Forwarded-*
// headers are set. The caller adds Transport, ErrorHandler and the rest.
func ReverseProxy(upstream *url.URL, xForwarded bool) *httputil.ReverseProxy {
	target := *upstream
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(&target)
		if xForwarded {
			pr.SetXForwarded()
		}
	}}
}

// Outbound builds the request a buffering proxy sends upstream for in, with
// body as its body: the same URL join and Host as ReverseProxy, and the
// hop-by-hop headers stripped. in is not changed.
func Outbound(in *http.Request, upstream *url.URL, body []byte) *http.Request {
	out := in.Clone(in.Context())
	out.RequestURI = ""
	out.Close = false
	out.TransferEncoding = nil
	out.Trailer = nil
	out.ContentLength = int64(len(body))
	out.Body = http.NoBody
	if len(body) > 0 {
		out.Body = io.NopCloser(bytes.NewReader(body))
	}
	StripHop(out.Header)
	(&httputil.ProxyRequest{In: in, Out: out}).SetURL(upstream)
	return out
}
