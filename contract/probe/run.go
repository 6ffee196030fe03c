package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// ErrDestructive is returned by Run when the plan would send DELETE, PUT or
// PATCH to a host that is not loopback and Config.AllowDestructive is off.
var ErrDestructive = errors.New("destructive requests to a non-loopback host")

// maxResponseBody bounds the response body read per request.
const maxResponseBody = 16 << 20

// SourceFile names the traffic of contract test in findings' sources.
const SourceFile = "contract test"

// Config configures Run.
type Config struct {
	// Checker judges each exchange (required); its Redactor hides secrets
	// in curl lines, progress and records.
	Checker *contract.Checker
	// BaseURL is the provider's URL including any base path (required).
	BaseURL string
	// Header is sent with every request, replacing generated values
	// (credentials: Authorization, API keys); left out of no-credentials
	// cases where it is a credential.
	Header http.Header
	// Client sends the requests (nil: a client with Timeout).
	Client *http.Client
	// Timeout bounds each request (0: 30s).
	Timeout time.Duration
	// Rate bounds requests per second (0: unbounded).
	Rate float64
	// Concurrency is how many requests are in flight (0: 1).
	Concurrency int
	// AllowDestructive permits DELETE, PUT and PATCH to a non-loopback host.
	AllowDestructive bool
	// UndeclaredRejection is the severity of an undeclared 4xx answering an
	// invalid request (default warning; off drops it).
	UndeclaredRejection validator.Severity
	// Sink, when set, records every exchange (a cassette for contract
	// check or mockd serve --cassette); it redacts what it stores.
	Sink recorder.InteractionSink
	// Progress gets a line per finished operation (nil: none).
	Progress io.Writer
	// Logger gets transport problems (nil: discard).
	Logger *slog.Logger
}

// Destructive reports the methods of plan that change data, when the
// base URL's host is not loopback; empty when the plan is safe to send.
func Destructive(plan *Plan, baseURL string) []string {
	u, err := url.Parse(baseURL)
	if err != nil || isLoopback(u.Hostname()) {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range plan.Cases {
		if m := c.Op.Method; (m == "DELETE" || m == "PUT" || m == "PATCH") && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run sends the plan's cases to cfg.BaseURL and returns the checked result.
// Cases without a chain run first, then chained cases, then cleanups, each
// phase with cfg.Concurrency requests in flight at most cfg.Rate per
// second. Transport errors (refused, timed out) are findings, not errors:
// Run fails only on bad configuration, ErrDestructive or ctx's end.
func Run(ctx context.Context, plan *Plan, cfg Config) (*contract.Result, error) {
	r, err := newRunner(plan, cfg)
	if err != nil {
		return nil, err
	}
	defer r.stop()
	for _, phase := range phases(plan) {
		if err := r.runPhase(ctx, phase); err != nil {
			return nil, err
		}
	}
	return r.col.Result(), nil
}

// phases splits the cases: unchained, chained, cleanups.
func phases(plan *Plan) [][]*Case {
	out := make([][]*Case, 3)
	for _, c := range plan.Cases {
		switch {
		case c.Chain == nil:
			out[0] = append(out[0], c)
		case c.Kind == KindCleanup:
			out[2] = append(out[2], c)
		default:
			out[1] = append(out[1], c)
		}
	}
	return out
}

// runPhase sends cases with the configured concurrency.
func (r *runner) runPhase(ctx context.Context, cases []*Case) error {
	jobs := make(chan *Case)
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for c := range jobs {
				r.runCase(ctx, c)
			}
		})
	}
	var err error
	for _, c := range cases {
		if err = r.wait(ctx); err != nil {
			break
		}
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	return err
}

// wait blocks until the rate allows the next request.
func (r *runner) wait(ctx context.Context) error {
	if r.tick == nil {
		return ctx.Err()
	}
	select {
	case <-r.tick.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordExchange appends the exchange to the sink (it redacts).
func (r *runner) recordExchange(ctx context.Context, ix *recorder.Interaction, elapsed time.Duration) {
	if r.cfg.Sink == nil {
		return
	}
	it := &cassette.Interaction{
		Request: cassette.Request{Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(ix.RequestBody)),
			Host: ix.URL.Host, RequestURI: ix.URL.RequestURI(), Body: string(ix.RequestBody), Form: url.Values{},
			Headers: ix.RequestHeader.Clone(), URL: ix.URL.String(), Method: ix.Method},
		Response: cassette.Response{Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(ix.ResponseBody)),
			Body: string(ix.ResponseBody), Headers: ix.ResponseHeader.Clone(), Code: ix.Status,
			Status: fmt.Sprintf("%d %s", ix.Status, http.StatusText(ix.Status)), Duration: elapsed},
	}
	if err := r.cfg.Sink.Append(context.WithoutCancel(ctx), it); err != nil {
		r.logger.Error("contract test: could not record the exchange", "err", err)
	}
}
