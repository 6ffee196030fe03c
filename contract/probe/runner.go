package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// runner is the state of one Run.
type runner struct {
	cfg    Config
	col    *contract.Collector
	logger *slog.Logger
	tick   *time.Ticker
	creds  map[string]bool // canonical header names that carry credentials

	mu        sync.Mutex
	bodies    map[*Case][]byte // response bodies of sequence producers
	producers map[*Case]bool
	left      map[*validator.Operation]int // cases not yet done per operation
	opsDone   int
	failures  int
}

func newRunner(plan *Plan, cfg Config) (*runner, error) {
	if cfg.Checker == nil {
		return nil, errors.New("contract test: Config.Checker is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("contract test: base URL %q must be an absolute http(s) URL such as http://127.0.0.1:8080/v1", cfg.BaseURL)
	}
	if m := Destructive(plan, cfg.BaseURL); len(m) > 0 && !cfg.AllowDestructive {
		return nil, fmt.Errorf("%w: the plan sends %s to %s; allow it explicitly (--allow-destructive) or filter with --method GET",
			ErrDestructive, strings.Join(m, ", "), u.Host)
	}
	if cfg.Rate < 0 || cfg.Concurrency < 0 || cfg.Timeout < 0 {
		return nil, fmt.Errorf("contract test: rate %g, concurrency %d and timeout %s must not be negative", cfg.Rate, cfg.Concurrency, cfg.Timeout)
	}
	cfg.Concurrency = max(cfg.Concurrency, 1)
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.UndeclaredRejection == "" {
		cfg.UndeclaredRejection = validator.SeverityWarning
	}
	r := &runner{cfg: cfg, col: contract.NewCollector(cfg.Checker.Spec()), logger: cfg.Logger,
		creds: map[string]bool{"Authorization": true, "Cookie": true}, bodies: map[*Case][]byte{},
		producers: map[*Case]bool{}, left: map[*validator.Operation]int{}}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rate > 0 {
		r.tick = time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
	}
	for _, sc := range cfg.Checker.Spec().SecuritySchemes() {
		if sc.Type == "apiKey" && sc.In == "header" {
			r.creds[http.CanonicalHeaderKey(sc.Param)] = true
		}
	}
	for _, c := range plan.Cases {
		r.left[c.Op]++
		if c.Chain != nil {
			r.producers[c.Chain.From] = true
		}
	}
	return r, nil
}

func (r *runner) stop() {
	if r.tick != nil {
		r.tick.Stop()
	}
}

// request is the case's request with the configured headers and a
// chained value filled in; false when the producer gave no value.
func (r *runner) request(c *Case) (*Request, bool) {
	req := c.Request.Clone()
	for k, vs := range r.cfg.Header {
		if c.Kind == KindNoCredentials && r.creds[http.CanonicalHeaderKey(k)] {
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if c.Chain == nil {
		return req, true
	}
	r.mu.Lock()
	body, ok := r.bodies[c.Chain.From]
	r.mu.Unlock()
	if !ok {
		return nil, false
	}
	_, ok = c.Chain.Resolve(req, body)
	return req, ok
}

// runCase sends one case, judges it and adds the outcome.
func (r *runner) runCase(ctx context.Context, c *Case) {
	req, ok := r.request(c)
	if !ok {
		r.logger.Info("contract test: sequence step skipped (the earlier call created nothing usable)", "case", c.Name())
		r.done(c, 0)
		return
	}
	ix, elapsed := r.send(ctx, req)
	ix.Source = recorder.Source{File: SourceFile, Index: c.Seq, Entry: c.Name()}
	ix.Seq = int64(c.Seq)
	if r.producers[c] && ix.Status >= 200 && ix.Status < 300 {
		r.mu.Lock()
		r.bodies[c] = ix.ResponseBody
		r.mu.Unlock()
	}
	var out contract.Outcome
	if ix.Status == 0 {
		out = r.transportFailure(c, ix)
	} else {
		out = r.cfg.Checker.Check(ix)
		r.judge(c, &out)
	}
	curl := Curl(r.cfg.Checker.Redactor(), req, r.cfg.BaseURL)
	for i := range out.Findings {
		out.Findings[i].Reproduce = curl
	}
	r.col.Add(ix.Seq, &out)
	r.recordExchange(ctx, ix, elapsed)
	r.done(c, countFailures(out.Findings))
}

// send performs the request; a transport error leaves Status 0 and says
// why in ResponseBodyError.
func (r *runner) send(ctx context.Context, req *Request) (*recorder.Interaction, time.Duration) {
	u, _ := url.Parse(req.URL(r.cfg.BaseURL))
	ix := &recorder.Interaction{Method: req.Method, URL: u, RequestHeader: req.Header.Clone(), RequestBody: req.Body}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	hr, err := req.HTTP(ctx, r.cfg.BaseURL)
	if err != nil {
		ix.ResponseBodyError = err
		return ix, 0
	}
	resp, err := r.cfg.Client.Do(hr)
	if err != nil {
		ix.ResponseBodyError = err
		return ix, time.Since(start)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		ix.ResponseBodyError = err
		return ix, time.Since(start)
	}
	ix.Status, ix.ResponseHeader, ix.ResponseBody = resp.StatusCode, resp.Header.Clone(), body
	ix.DecodeBodies()
	return ix, time.Since(start)
}

// transportFailure is the outcome of a request that got no response.
func (r *runner) transportFailure(c *Case, ix *recorder.Interaction) contract.Outcome {
	f := contract.Finding{Finding: validator.Finding{Check: contract.CheckServerError, Severity: validator.SeverityError,
		OperationID: c.Op.ID, Method: c.Op.Method, PathTemplate: c.Op.Path,
		Message: "no response: " + r.cfg.Checker.Redactor().Text(fmt.Sprint(ix.ResponseBodyError)),
		Hint:    "is the provider running at the base URL? raise the timeout for slow operations"}, Source: &ix.Source}
	return contract.Outcome{Operation: c.Op, Findings: []contract.Finding{f}}
}

// done counts a finished case and prints progress when its operation is
// complete.
func (r *runner) done(c *Case, failures int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures += failures
	r.left[c.Op]--
	if r.left[c.Op] > 0 || r.cfg.Progress == nil {
		return
	}
	r.opsDone++
	fmt.Fprintf(r.cfg.Progress, "contract test: %d/%d operations done (%s), %d failure(s) so far\n", r.opsDone, len(r.left), c.Op.ID, r.failures)
}

func countFailures(fs []contract.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity == validator.SeverityError {
			n++
		}
	}
	return n
}
