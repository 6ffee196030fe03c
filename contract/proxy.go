package contract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/internal/forward"
	"github.com/mockd/mockd/internal/problem"
	"github.com/mockd/mockd/internal/reqlog"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// ViolationsHeader carries the number of findings (errors and warnings) of
// a proxied exchange.
const ViolationsHeader = "X-Contract-Violations"

// maxProxyBody bounds the bodies the proxy buffers to validate.
const maxProxyBody = 32 << 20

// ProxyConfig configures NewProxy.
type ProxyConfig struct {
	// Checker validates both directions of every exchange (required). Its
	// redactor hides secrets in the URLs the proxy logs.
	Checker *Checker
	// Upstream is the absolute base URL requests are forwarded to
	// (required); the request path is appended to its path.
	Upstream *url.URL
	// Enforce answers 422 problem+json to a request with error findings
	// (it is not forwarded) and 502 problem+json instead of an upstream
	// response with error findings.
	Enforce bool
	// Sink, when set, records every forwarded exchange (a *recorder.Sink
	// redacts before it writes). The proxy does not close it.
	Sink recorder.InteractionSink
	// Transport forwards requests (nil: a clone of http.DefaultTransport
	// that leaves Content-Encoding alone, so bodies are relayed as sent).
	Transport http.RoundTripper
	// Logger gets each finding (warn; info findings at info) and upstream
	// failures (nil: discard).
	Logger *slog.Logger
	// LogRequests writes one info line per request on Logger: method,
	// path (query secrets redacted), status, source (proxy, or problem
	// when the proxy answered itself), violations (error and warning
	// findings) and duration.
	LogRequests bool
}

// Proxy is a validating reverse proxy: an http.Handler that checks each
// request against the spec, forwards it to the upstream, checks the
// response, and relays it with ViolationsHeader (or, with Enforce, a
// problem instead). It aggregates every outcome; Result returns the report
// so far. Safe for concurrent use.
type Proxy struct {
	checker   *Checker
	collector *Collector
	upstream  *url.URL
	transport http.RoundTripper
	enforce   bool
	sink      recorder.InteractionSink
	logger    *slog.Logger
	redactor  *redact.Redactor
	seq       atomic.Int64
	handler   http.Handler // serve, wrapped in the request log if asked
}

// NewProxy builds a Proxy. Errors name the ProxyConfig field.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Checker == nil {
		return nil, errors.New("contract: NewProxy: ProxyConfig.Checker is nil (build one with NewChecker)")
	}
	if cfg.Upstream == nil || cfg.Upstream.Scheme == "" || cfg.Upstream.Host == "" {
		return nil, fmt.Errorf("contract: NewProxy: ProxyConfig.Upstream %v must be an absolute URL such as http://127.0.0.1:8080", cfg.Upstream)
	}
	up := *cfg.Upstream
	p := &Proxy{
		checker:   cfg.Checker,
		collector: NewCollector(cfg.Checker.Spec()),
		upstream:  &up,
		transport: cfg.Transport,
		enforce:   cfg.Enforce,
		sink:      cfg.Sink,
		logger:    cfg.Logger,
		redactor:  cfg.Checker.Redactor(),
	}
	if p.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		p.transport = t
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	p.handler = http.HandlerFunc(p.serve)
	if cfg.LogRequests {
		p.handler = reqlog.Handler(p.handler, p.logger, p.redactor, "proxy")
	}
	return p, nil
}

// Result returns the aggregated findings and coverage of the exchanges
// proxied so far.
func (p *Proxy) Result() *Result { return p.collector.Result() }

// ServeHTTP validates the request, forwards it, validates the response and
// relays it (or, with Enforce, a problem instead).
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// serve is ServeHTTP without the request log.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	seq := p.seq.Add(1) - 1
	body, err := io.ReadAll(io.LimitReader(r.Body, maxProxyBody+1))
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, "Unreadable request", "the request body could not be read: "+err.Error(), nil)
		return
	}
	if len(body) > maxProxyBody {
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "Request too large", fmt.Sprintf("the contract proxy buffers at most %d bytes of a request body", maxProxyBody), nil)
		return
	}
	src := recorder.Source{File: "proxy", Index: int(seq)}
	ix := &recorder.Interaction{
		Method: r.Method, URL: &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		RequestHeader: r.Header.Clone(), RequestBody: body, Source: src,
	}
	if p.enforce {
		pre := p.checker.Check(ix)
		if errs := errorFindings(pre.Findings); len(errs) > 0 {
			noteViolations(r, len(errs))
			p.log(r, pre.Findings)
			p.collector.Add(seq, &pre)
			writeProblem(w, r, http.StatusUnprocessableEntity, "Request violates the contract",
				fmt.Sprintf("%s %s does not conform to the spec; it was not forwarded.", r.Method, r.URL.EscapedPath()), errs)
			return
		}
	}
	out := forward.Outbound(r, p.upstream, body)
	start := time.Now()
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		p.logger.Warn("contract proxy: upstream failed", "method", r.Method, "url", p.redactor.URL(out.URL.String()), "err", err)
		writeProblem(w, r, http.StatusBadGateway, "Bad Gateway", "upstream did not answer: "+err.Error(), nil)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxProxyBody+1))
	if err != nil {
		writeProblem(w, r, http.StatusBadGateway, "Bad Gateway", "upstream response body could not be read: "+err.Error(), nil)
		return
	}
	truncated := len(respBody) > maxProxyBody
	elapsed := time.Since(start)
	withResponse(ix, resp, respBody, truncated)
	outcome := p.checker.Check(ix)
	p.collector.Add(seq, &outcome)
	p.log(r, outcome.Findings)
	if p.sink != nil {
		p.recordExchange(r, out, resp, body, respBody, truncated, elapsed)
	}
	counted := countViolations(outcome.Findings)
	noteViolations(r, counted)
	if p.enforce {
		if errs := errorFindings(outcome.Findings); len(errs) > 0 {
			writeProblem(w, r, http.StatusBadGateway, "Response violates the contract",
				fmt.Sprintf("the upstream answered %s %s with %d, which does not conform to the spec.", r.Method, r.URL.EscapedPath(), resp.StatusCode), errs)
			return
		}
	}
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = append([]string(nil), vs...)
	}
	forward.StripHop(h)
	h.Set(ViolationsHeader, strconv.Itoa(counted))
	w.WriteHeader(resp.StatusCode)
	if _, err := w.Write(respBody[:min(len(respBody), maxProxyBody)]); err != nil {
		return
	}
	if truncated {
		_, _ = w.Write(respBody[maxProxyBody:])
		_, _ = io.Copy(w, resp.Body)
	}
}

// noteViolations adds the number of findings (errors and warnings) to the
// request's log line, if it is logged.
func noteViolations(r *http.Request, n int) {
	if l := reqlog.Current(r.Context()); l != nil {
		l.Attrs = append(l.Attrs, slog.Int("violations", n))
	}
}

func errorFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == validator.SeverityError {
			out = append(out, f)
		}
	}
	return out
}

func (p *Proxy) log(r *http.Request, fs []Finding) {
	for _, f := range fs {
		lvl := slog.LevelWarn
		if f.Severity == validator.SeverityInfo {
			lvl = slog.LevelInfo
		}
		p.logger.Log(r.Context(), lvl, "contract violation", "check", f.Check, "severity", f.Severity,
			"operation", f.OperationID, "method", r.Method, "url", p.redactor.URL(r.URL.String()),
			"message", f.Message, "detail", f.Detail, "at", f.Pointer, "spec", fmt.Sprintf("%s:%d:%d", f.SpecFile, f.SpecLine, f.SpecCol))
	}
}

func (p *Proxy) recordExchange(r *http.Request, out *http.Request, resp *http.Response, reqBody, respBody []byte, truncated bool, elapsed time.Duration) {
	respHeaders := resp.Header.Clone()
	if truncated {
		respHeaders.Set(recorder.TruncatedHeader, strconv.Itoa(len(respBody)))
		respBody = respBody[:maxProxyBody]
	}
	it := &cassette.Interaction{
		Request: cassette.Request{
			Proto: r.Proto, ProtoMajor: r.ProtoMajor, ProtoMinor: r.ProtoMinor,
			ContentLength: int64(len(reqBody)), Host: out.URL.Host, RequestURI: out.URL.RequestURI(),
			Body: string(reqBody), Form: url.Values{}, Headers: out.Header.Clone(), URL: out.URL.String(), Method: r.Method,
		},
		Response: cassette.Response{
			Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
			ContentLength: int64(len(respBody)), Body: string(respBody), Headers: respHeaders,
			Status: resp.Status, Code: resp.StatusCode, Duration: elapsed,
		},
	}
	if err := p.sink.Append(context.WithoutCancel(r.Context()), it); err != nil {
		p.logger.Error("contract proxy: could not record the exchange", "err", err)
	}
}

// problemDoc is an RFC 9457 problem with the findings that caused it.
type problemDoc struct {
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	Status     int       `json:"status"`
	Detail     string    `json:"detail"`
	Violations []Finding `json:"violations,omitempty"`
}

// writeProblem answers with a problem instead of the upstream's response;
// the request's log line, if any, says source=problem.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail string, findings []Finding) {
	if l := reqlog.Current(r.Context()); l != nil {
		l.Source = "problem"
	}
	typ := "urn:mockd:problem:contract-proxy"
	if len(findings) > 0 {
		typ = "urn:mockd:problem:contract-violation"
	}
	for i := range findings {
		findings[i].Source = nil
	}
	w.Header().Set(ViolationsHeader, strconv.Itoa(len(findings)))
	problem.Write(w, status, problemDoc{Type: typ, Title: title, Status: status, Detail: detail, Violations: findings})
}

// withResponse records the upstream's response in ix: a body over the
// proxy's limit is cut and marked with recorder.TruncatedHeader; the others
// are decoded for the checker.
func withResponse(ix *recorder.Interaction, resp *http.Response, respBody []byte, truncated bool) {
	ix.Status = resp.StatusCode
	ix.ResponseHeader = resp.Header.Clone()
	ix.ResponseHeader.Del(redact.TruncatedHeader) // mockd's own marker, never the upstream's
	ix.ResponseBody = respBody
	if truncated {
		ix.ResponseHeader.Set(recorder.TruncatedHeader, "true")
		ix.ResponseBody = respBody[:maxProxyBody]
		return
	}
	ix.DecodeBodies()
}

// countViolations counts the error and warning findings (ViolationsHeader).
func countViolations(findings []Finding) int {
	counted := 0
	for _, f := range findings {
		if f.Severity == validator.SeverityError || f.Severity == validator.SeverityWarning {
			counted++
		}
	}
	return counted
}
