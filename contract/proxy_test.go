package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/validator"
)

// memorySink keeps what a Proxy records.
type memorySink struct {
	mu  sync.Mutex
	its []*cassette.Interaction
}

func (s *memorySink) Append(_ context.Context, it *cassette.Interaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.its = append(s.its, it)
	return nil
}

// requestLines is a slog.Handler that keeps the attributes of each
// request line (message "request"), values as slog resolves them.
type requestLines struct {
	mu   sync.Mutex
	recs []map[string]any
}

func (h *requestLines) Enabled(context.Context, slog.Level) bool { return true }
func (h *requestLines) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *requestLines) WithGroup(string) slog.Handler            { return h }

func (h *requestLines) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	rec := map[string]any{}
	r.Attrs(func(a slog.Attr) bool {
		rec[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, rec)
	return nil
}

// all returns the request lines so far, in order.
func (h *requestLines) all() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.recs...)
}

// startProxy serves a contract.Proxy for spec in front of upstream, both on
// 127.0.0.1, and returns the proxy's URL.
func startProxy(spec *validator.Spec, check contract.CheckConfig, upstream http.Handler, cfg contract.ProxyConfig) (*contract.Proxy, string) {
	up := httptest.NewServer(upstream)
	DeferCleanup(up.Close)
	u, err := url.Parse(up.URL)
	Expect(err).NotTo(HaveOccurred())
	cfg.Checker = newChecker(spec, check)
	cfg.Upstream = u
	p, err := contract.NewProxy(cfg)
	Expect(err).NotTo(HaveOccurred())
	front := httptest.NewServer(p)
	DeferCleanup(front.Close)
	return p, front.URL
}

func get(u string) (*http.Response, string) {
	resp, err := http.Get(u)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp, string(body)
}

var _ = Describe("contract.Proxy", func() {
	books := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/books/1":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"title":"Go","price":10}`)
		case "/v1/books/2": // violates the spec: price is negative
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"title":"Go","price":-1}`)
		default:
			http.NotFound(w, r)
		}
	})

	It("relays answers with their violation count, records them and aggregates a result", func() {
		sink := &memorySink{}
		p, base := startProxy(loadContractSpec(), contract.CheckConfig{}, books, contract.ProxyConfig{Sink: sink})
		resp, body := get(base + "/v1/books/1")
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(body).To(Equal(`{"title":"Go","price":10}`))
		Expect(resp.Header.Get(contract.ViolationsHeader)).To(Equal("0"))

		resp, _ = get(base + "/v1/books/2")
		Expect(resp.StatusCode).To(Equal(http.StatusOK), "without Enforce the upstream answer is relayed")
		Expect(resp.Header.Get(contract.ViolationsHeader)).To(Equal("1"))

		r := p.Result()
		Expect(r.Interactions).To(Equal(2))
		Expect(r.Errors).To(Equal(1))
		Expect(r.Groups[0].Finding.Check).To(Equal(validator.CheckResponseBody))
		Expect(r.Groups[0].Occurrences[0].File).To(Equal("proxy"))
		sink.mu.Lock()
		defer sink.mu.Unlock()
		Expect(sink.its).To(HaveLen(2))
	})

	It("builds the upstream request as the recording proxy does: encoded path kept, Connection-listed headers stripped", func() {
		seen := make(chan *http.Request, 1)
		upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen <- r
			http.NotFound(w, r)
		})
		_, base := startProxy(loadContractSpec(), contract.CheckConfig{}, upstream, contract.ProxyConfig{})
		req, err := http.NewRequest(http.MethodGet, base+"/v1/books/a%2Fb", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Connection", "X-Hop")
		req.Header.Set("X-Hop", "1")
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		var got *http.Request
		Eventually(seen).WithTimeout(5 * time.Second).Should(Receive(&got))
		Expect(got.URL.EscapedPath()).To(Equal("/v1/books/a%2Fb"), "the escaped slash is not decoded into a path separator")
		Expect(got.Header.Get("X-Hop")).To(BeEmpty())
	})

	It("with Enforce answers 422 to a bad request without forwarding it, and 502 instead of a bad response", func() {
		var forwarded sync.Map
		upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			forwarded.Store(r.URL.Path, true)
			books.ServeHTTP(w, r)
		})
		_, base := startProxy(loadContractSpec(), contract.CheckConfig{}, upstream, contract.ProxyConfig{Enforce: true})
		resp, body := get(base + "/v1/books?limit=1000")
		Expect(resp.StatusCode).To(Equal(http.StatusUnprocessableEntity))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
		var p map[string]any
		Expect(json.Unmarshal([]byte(body), &p)).To(Succeed())
		Expect(p["type"]).To(Equal("urn:mockd:problem:contract-violation"))
		Expect(p["violations"]).NotTo(BeEmpty())
		_, ok := forwarded.Load("/v1/books")
		Expect(ok).To(BeFalse(), "a non-conforming request is not forwarded")

		resp, body = get(base + "/v1/books/2")
		Expect(resp.StatusCode).To(Equal(http.StatusBadGateway))
		Expect(body).To(ContainSubstring("response.body.schema"))
		Expect(resp.Header.Get(contract.ViolationsHeader)).To(Equal("1"))
	})

	It("with Enforce keeps a secret of the response out of findings, problems and logs", func() {
		// The request is checked alone first (its missing credentials are
		// a warning, so it is forwarded); the secrets of the response must
		// still be found when the whole exchange is checked.
		spec, err := validator.Parse([]byte(`openapi: 3.0.3
info: {title: session, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /session:
    post:
      security: [{bearer: []}]
      responses:
        "200":
          description: a session
          content:
            application/json:
              schema:
                type: object
                properties:
                  access_token: {type: string}
                  echo: {type: string, pattern: "^[0-9]+$"}
`))
		Expect(err).NotTo(HaveOccurred())
		const secret = "s3cr3t-t0ken-value"
		upstream := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"`+secret+`","echo":"`+secret+`"}`)
		})
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		check := contract.CheckConfig{Severities: map[string]validator.Severity{validator.CheckRequestSecurity: validator.SeverityWarning}}
		p, base := startProxy(spec, check, upstream, contract.ProxyConfig{Enforce: true, Logger: logger})
		resp, err := http.Post(base+"/session", "application/json", nil)
		Expect(err).NotTo(HaveOccurred())
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusBadGateway))
		Expect(string(body)).To(ContainSubstring("/echo"), "the finding is reported")
		Expect(string(body)).NotTo(ContainSubstring(secret))
		Expect(logs.String()).To(ContainSubstring("contract violation"))
		Expect(logs.String()).NotTo(ContainSubstring(secret))
		report, err := json.Marshal(p.Result())
		Expect(err).NotTo(HaveOccurred())
		Expect(string(report)).NotTo(ContainSubstring(secret))
	})

	It("with LogRequests logs one line per request: method, redacted path, status, source, violations, duration", func() {
		lines := &requestLines{}
		_, base := startProxy(loadContractSpec(), contract.CheckConfig{}, books, contract.ProxyConfig{Enforce: true, Logger: slog.New(lines), LogRequests: true})
		for _, path := range []string{"/v1/books/1?token=s3cret-q", "/v1/books?limit=1000", "/v1/books/2"} {
			resp, _ := get(base + path)
			Expect(resp.StatusCode).NotTo(BeZero())
		}
		Eventually(lines.all).Should(HaveLen(3), "a line is written when the handler returns")
		recs := lines.all()
		Expect(recs[0]).To(HaveKeyWithValue("method", "GET"))
		Expect(recs[0]).To(HaveKeyWithValue("path", MatchRegexp(`^/v1/books/1\?token=[^&]*REDACTED`)))
		Expect(recs[0]).To(HaveKeyWithValue("status", int64(200)))
		Expect(recs[0]).To(HaveKeyWithValue("source", "proxy"))
		Expect(recs[0]).To(HaveKeyWithValue("violations", int64(0)))
		Expect(recs[0]).To(HaveKey("duration"))
		Expect(recs[1]).To(HaveKeyWithValue("status", int64(422)), "a bad request is answered by the proxy")
		Expect(recs[1]).To(HaveKeyWithValue("source", "problem"))
		Expect(recs[1]).To(HaveKeyWithValue("violations", BeNumerically(">", 0)))
		Expect(recs[2]).To(HaveKeyWithValue("status", int64(502)), "a bad response is replaced by a problem")
		Expect(recs[2]).To(HaveKeyWithValue("source", "problem"))
		Expect(recs[2]).To(HaveKeyWithValue("violations", int64(1)))
		for _, rec := range recs {
			Expect(fmt.Sprint(rec)).NotTo(ContainSubstring("s3cret"))
		}
	})

	It("without LogRequests logs no request line", func() {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		_, base := startProxy(loadContractSpec(), contract.CheckConfig{}, books, contract.ProxyConfig{Logger: logger})
		resp, _ := get(base + "/v1/books/1")
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(logs.String()).NotTo(ContainSubstring("msg=request"))
	})

	It("refuses a config without a checker or an absolute upstream, naming the field", func() {
		_, err := contract.NewProxy(contract.ProxyConfig{Upstream: &url.URL{Scheme: "http", Host: "127.0.0.1:9"}})
		Expect(err).To(MatchError(ContainSubstring("ProxyConfig.Checker")))
		checker := newChecker(loadContractSpec(), contract.CheckConfig{})
		for _, up := range []*url.URL{nil, {Path: "/v1"}} {
			_, err = contract.NewProxy(contract.ProxyConfig{Checker: checker, Upstream: up})
			Expect(err).To(MatchError(ContainSubstring("ProxyConfig.Upstream")))
		}
	})
})
