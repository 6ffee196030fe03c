package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/internal/forward"
	"github.com/mockd/mockd/redact"
)

// DefaultMaxBodyBytes is the default cap on a recorded body (10 MiB).
const DefaultMaxBodyBytes = 10 << 20

// TruncatedHeader marks a recorded request or response whose body was cut at
// the cap. Its value is the full body size in bytes. The client of the
// recording proxy always gets the full body; only the cassette is cut. On
// replay the header is sent too, so a truncated answer is visible. It is
// mockd's own: a copy sent by the client or the upstream is dropped, and it
// never turns redaction off.
const TruncatedHeader = redact.TruncatedHeader

// ProxyConfig configures a recording Proxy.
type ProxyConfig struct {
	// Upstream is the base URL requests are forwarded to (required).
	Upstream *url.URL
	// Sink receives each completed, redacted interaction (required).
	Sink InteractionSink
	// Redactor (nil: DefaultRedactor) is applied before the sink and logs.
	Redactor *redact.Redactor
	// MaxBodyBytes caps each recorded body (0: DefaultMaxBodyBytes; <0: no cap).
	MaxBodyBytes int64
	// Transport performs upstream requests (nil: a clone of
	// http.DefaultTransport with compression handling off, so bodies pass
	// through exactly as the upstream encoded them).
	Transport http.RoundTripper
	// Logger (nil: discard) gets a debug line per recorded exchange and a
	// warning per failure; URLs and headers in it are redacted.
	Logger *slog.Logger
}

// Proxy is a recording reverse proxy: an http.Handler that forwards each
// request to the upstream, streams the answer back unchanged (hop-by-hop
// headers handled like httputil.ReverseProxy), and appends the redacted
// exchange to the sink once the response body has been relayed in full.
// Upstream failures become 502 application/problem+json and are not
// recorded; nor are exchanges the client abandoned mid-body.
type Proxy struct {
	cfg      ProxyConfig
	redactor *redact.Redactor
	logger   *slog.Logger
	maxBody  int64
	rp       *httputil.ReverseProxy
}

// NewProxy validates cfg and builds a Proxy.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Upstream == nil || cfg.Upstream.Scheme == "" || cfg.Upstream.Host == "" {
		return nil, errors.New("recorder: NewProxy: upstream must be an absolute URL such as http://127.0.0.1:8080 (--upstream)")
	}
	if cfg.Upstream.Scheme != "http" && cfg.Upstream.Scheme != "https" {
		return nil, fmt.Errorf("recorder: NewProxy: upstream scheme %q is not http or https", cfg.Upstream.Scheme)
	}
	if cfg.Sink == nil {
		return nil, errors.New("recorder: NewProxy: a Sink is required (see NewSink)")
	}
	p := &Proxy{cfg: cfg, redactor: cfg.Redactor, logger: cfg.Logger, maxBody: cfg.MaxBodyBytes}
	if p.redactor == nil {
		p.redactor = redact.Default()
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.maxBody == 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	transport := cfg.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		transport = t
	}
	p.rp = forward.ReverseProxy(cfg.Upstream, false)
	p.rp.ErrorLog = slog.NewLogLogger(p.logger.Handler(), slog.LevelWarn)
	p.rp.Transport = &captureTransport{proxy: p, next: transport}
	p.rp.FlushInterval = -1
	p.rp.ErrorHandler = p.upstreamError
	return p, nil
}

// ServeHTTP forwards r upstream and records the exchange. A path with dot
// segments is refused with 400 (see CheckForwardPath); the upstream sees
// its own host in the Host header.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := CheckForwardPath(r.URL); err != nil {
		writeProblem(w, http.StatusBadRequest, "Path not forwarded", err.Error(), nil)
		return
	}
	p.rp.ServeHTTP(w, r)
}

// CheckForwardPath refuses a request path that a proxy must not forward
// below an upstream base path: one with a "." or ".." segment, written
// plainly or percent-encoded (%2e%2e, ..%2f), with / or \ as separator.
// Joined to a base such as https://api/v1, such a path would reach outside
// it once the upstream resolves the dot segments.
func CheckForwardPath(u *url.URL) error {
	for _, p := range []string{u.Path, u.RawPath} {
		dec, err := url.PathUnescape(p)
		if err != nil {
			dec = p
		}
		for _, seg := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
			if seg == "." || seg == ".." {
				return fmt.Errorf("path %q has a dot segment %q; mockd does not forward it, because the upstream would resolve it outside the base path (fix: send the path without . or .. segments)", u.EscapedPath(), seg)
			}
		}
	}
	return nil
}

func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	detail := p.describeError(err)
	if r.Context().Err() != nil {
		p.logger.Debug("recorder: client went away before the upstream answered",
			"method", r.Method, "url", p.redactor.URL(r.URL.String()))
	} else {
		p.logger.Warn("recorder: upstream request failed",
			"method", r.Method, "url", p.redactor.URL(r.URL.String()), "err", detail)
	}
	writeProblem(w, http.StatusBadGateway, "Bad Gateway",
		"upstream "+p.redactor.URL(p.cfg.Upstream.String())+" did not answer: "+detail, nil)
}

// describeError renders an upstream error without leaking secrets from a URL.
func (p *Proxy) describeError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Sprintf("%s %q: %v", ue.Op, p.redactor.URL(ue.URL), ue.Err)
	}
	return err.Error()
}

// captureTransport tees request and response bodies into bounded buffers
// and hands the finished exchange to the proxy.
type captureTransport struct {
	proxy *Proxy
	next  http.RoundTripper
}

// RoundTrip forwards req and wraps both bodies for capture.
func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	reqCap := &capture{limit: t.proxy.maxBody}
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &teeBody{rc: req.Body, cap: reqCap}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	if resp.StatusCode == http.StatusSwitchingProtocols {
		t.proxy.logger.Warn("recorder: protocol upgrade is relayed but not recorded",
			"url", t.proxy.redactor.URL(req.URL.String()))
		return resp, nil
	}
	respCap := &capture{limit: t.proxy.maxBody}
	body := resp.Body
	if body == nil {
		body = http.NoBody
	}
	resp.Body = &teeBody{rc: body, cap: respCap, onClose: func(complete bool) {
		t.proxy.finish(req, resp, reqCap, respCap, elapsed, complete)
	}}
	return resp, nil
}

// capture is a bounded, concurrency-safe copy of a body.
type capture struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	total int64
	limit int64
}

func (c *capture) write(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += int64(len(p))
	if c.limit < 0 {
		c.buf.Write(p)
		return
	}
	if room := c.limit - int64(c.buf.Len()); room > 0 {
		if int64(len(p)) > room {
			p = p[:room]
		}
		c.buf.Write(p)
	}
}

func (c *capture) result() (body string, total int64, truncated bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String(), c.total, c.total > int64(c.buf.Len())
}

// teeBody copies what is read into a capture; onClose learns whether the
// body was read to EOF.
type teeBody struct {
	rc      io.ReadCloser
	cap     *capture
	eof     bool
	once    sync.Once
	onClose func(complete bool)
}

// Read reads from the body and copies what it got into the capture.
func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.cap.write(p[:n])
	}
	if errors.Is(err, io.EOF) {
		b.eof = true
	}
	return n, err
}

// Close closes the body and reports, once, whether it was read to EOF.
func (b *teeBody) Close() error {
	err := b.rc.Close()
	if b.onClose != nil {
		b.once.Do(func() { b.onClose(b.eof) })
	}
	return err
}

// finish builds, redacts and stores the interaction once the response body
// has been relayed.
func (p *Proxy) finish(req *http.Request, resp *http.Response, reqCap, respCap *capture, elapsed time.Duration, complete bool) {
	redURL := p.redactor.URL(req.URL.String())
	if !complete {
		p.logger.Warn("recorder: response not relayed in full; exchange not recorded",
			"method", req.Method, "url", redURL, "status", resp.StatusCode)
		return
	}
	reqBody, reqTotal, reqTrunc := reqCap.result()
	respBody, respTotal, respTrunc := respCap.result()
	reqHeaders := req.Header.Clone()
	if ua, ok := reqHeaders["User-Agent"]; ok && len(ua) == 1 && ua[0] == "" {
		delete(reqHeaders, "User-Agent")
	}
	reqHeaders.Del(TruncatedHeader)
	if reqTrunc {
		reqHeaders.Set(TruncatedHeader, strconv.FormatInt(reqTotal, 10))
	}
	respHeaders := resp.Header.Clone()
	respHeaders.Del(TruncatedHeader)
	if respTrunc {
		respHeaders.Set(TruncatedHeader, strconv.FormatInt(respTotal, 10))
	}
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" && !reqTrunc {
		if v, err := url.ParseQuery(reqBody); err == nil {
			form = v
		}
	}
	it := &cassette.Interaction{
		Request: cassette.Request{
			Proto:            req.Proto,
			ProtoMajor:       req.ProtoMajor,
			ProtoMinor:       req.ProtoMinor,
			ContentLength:    req.ContentLength,
			TransferEncoding: append([]string(nil), req.TransferEncoding...),
			Trailer:          req.Trailer.Clone(),
			Host:             req.URL.Host,
			RequestURI:       req.URL.RequestURI(),
			Body:             reqBody,
			Form:             form,
			Headers:          reqHeaders,
			URL:              req.URL.String(),
			Method:           req.Method,
		},
		Response: cassette.Response{
			Proto:            resp.Proto,
			ProtoMajor:       resp.ProtoMajor,
			ProtoMinor:       resp.ProtoMinor,
			TransferEncoding: append([]string(nil), resp.TransferEncoding...),
			Trailer:          resp.Trailer.Clone(),
			ContentLength:    resp.ContentLength,
			Uncompressed:     resp.Uncompressed,
			Body:             respBody,
			Headers:          respHeaders,
			Status:           resp.Status,
			Code:             resp.StatusCode,
			Duration:         elapsed,
		},
	}
	p.redactor.Interaction(it)
	if respTrunc || reqTrunc {
		p.logger.Warn("recorder: body larger than the cap was recorded truncated",
			"url", redURL, "cap", p.maxBody, "request_bytes", reqTotal, "response_bytes", respTotal)
	}
	ctx := context.WithoutCancel(req.Context())
	if err := p.cfg.Sink.Append(ctx, it); err != nil {
		p.logger.Error("recorder: could not store interaction", "method", req.Method, "url", redURL, "err", err)
		return
	}
	p.logger.Debug("recorder: recorded", "method", req.Method, "url", redURL,
		"status", resp.StatusCode, "duration", elapsed, "response_bytes", respTotal)
	// The stored (redacted as a whole exchange) headers, so a secret echoed
	// from one place to another is not logged either.
	p.logger.Debug("recorder: recorded headers", "request_headers", it.Request.Headers,
		"response_headers", it.Response.Headers)
}
