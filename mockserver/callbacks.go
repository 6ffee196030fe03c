package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/libopenapi/arazzo/expression"
	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/validator"
)

// callbackTimeout bounds one callback's delivery, retries included.
const callbackTimeout = 2 * time.Minute

// afterAnswer fires op's callbacks once op has answered 2xx: each URL is
// its runtime expression (e.g. {$request.body#/callbackUrl}) evaluated
// against the request, sent in the background. A URL that cannot be worked
// out is logged with the expression and the fix.
func (s *Server) afterAnswer(r *http.Request, op *validator.Operation, body []byte, status int) {
	h := s.hooks
	defs := h.byOp[op]
	if len(defs) == 0 || status < 200 || status > 299 {
		return
	}
	if h.d == nil {
		s.cfg.Logger.Warn("callback not sent: webhooks are off (fix: set --webhook-secret or MOCKD_WEBHOOK_SECRET)", "operation", op.ID)
		return
	}
	rc := requestContext(r, op, body, status)
	for _, d := range defs {
		target, err := callbackURL(d.expr, rc)
		if err != nil {
			s.cfg.Logger.Warn("callback not sent: its URL expression cannot be evaluated against the request (fix: send what the expression names)",
				"callback", d.name, "operation", op.ID, "expression", d.expr, "err", err)
			continue
		}
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), callbackTimeout)
			defer cancel()
			if _, err := s.FireWebhook(ctx, d.name, FireOptions{URL: target}); err != nil {
				s.cfg.Logger.Warn("callback not delivered", "callback", d.name, "err", err)
			}
		}()
	}
}

// WaitWebhooks waits for the callbacks in flight.
func (s *Server) WaitWebhooks() { s.hooks.wg.Wait() }

// requestContext is what runtime expressions may read: $url, $method,
// $statusCode, $request.header/query/path and $request.body.
func requestContext(r *http.Request, op *validator.Operation, body []byte, status int) *expression.Context {
	rc := &expression.Context{Method: r.Method, StatusCode: status, RequestHeaders: map[string]string{},
		RequestQuery: map[string]string{}, RequestPath: pathParams(op, r.URL.Path)}
	u := *r.URL
	if u.Host == "" {
		u.Host, u.Scheme = r.Host, "http"
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	rc.URL = u.String()
	for k, vs := range r.Header {
		rc.RequestHeaders[k] = strings.Join(vs, ", ")
		rc.RequestHeaders[strings.ToLower(k)] = rc.RequestHeaders[k]
	}
	for k, vs := range r.URL.Query() {
		rc.RequestQuery[k] = vs[0]
	}
	if len(body) > 0 {
		var doc yaml.Node
		if yaml.Unmarshal(body, &doc) == nil && len(doc.Content) > 0 {
			rc.RequestBody = doc.Content[0]
		}
	}
	return rc
}

// pathParams matches the request path against op's template.
func pathParams(op *validator.Operation, p string) map[string]string {
	out := map[string]string{}
	tmpl := strings.Split(op.RoutePath, "/")
	got := strings.Split(op.BarePath(p), "/")
	if len(tmpl) != len(got) {
		return out
	}
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			v, err := url.PathUnescape(got[i])
			if err != nil {
				v = got[i]
			}
			out[t[1:len(t)-1]] = v
		}
	}
	return out
}

// callbackURL evaluates a callback's key, literal text with embedded
// {$...} expressions, into the receiver URL.
func callbackURL(expr string, rc *expression.Context) (string, error) {
	toks, err := expression.ParseEmbedded(expr)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", expr, err)
	}
	var b strings.Builder
	for _, t := range toks {
		if !t.IsExpression {
			b.WriteString(t.Literal)
			continue
		}
		if t.Expression.Type == expression.RequestHeader {
			t.Expression.Property = strings.ToLower(t.Expression.Property)
		}
		v, err := expression.Evaluate(t.Expression, rc)
		if err != nil {
			return "", fmt.Errorf("%s: %w", t.Expression.Raw, err)
		}
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case int:
			b.WriteString(strconv.Itoa(x))
		default:
			return "", fmt.Errorf("%s is not a single value", t.Expression.Raw)
		}
	}
	return b.String(), nil
}
