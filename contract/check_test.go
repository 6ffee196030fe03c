package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

const contractSpec = "../fixtures/contract/api.yaml"

func loadContractSpec(opts ...validator.Option) *validator.Spec {
	spec, err := validator.Load(contractSpec, opts...)
	Expect(err).NotTo(HaveOccurred())
	return spec
}

func newChecker(spec *validator.Spec, cfg contract.CheckConfig) *contract.Checker {
	c, err := contract.NewChecker(spec, cfg)
	Expect(err).NotTo(HaveOccurred())
	return c
}

func runPaths(c *contract.Checker, workers int, paths ...string) *contract.Result {
	r, err := c.Run(context.Background(), func(ctx context.Context, emit func(*recorder.Interaction) error) error {
		return recorder.ReadTraffic(ctx, paths, emit)
	}, contract.RunOptions{Workers: workers})
	Expect(err).NotTo(HaveOccurred())
	return r
}

func groupsOf(r *contract.Result, sev validator.Severity) []*contract.Group {
	var out []*contract.Group
	for _, g := range r.Groups {
		if g.Finding.Severity == sev {
			out = append(out, g)
		}
	}
	return out
}

// ix builds an interaction for table tests.
func ix(method, rawURL string, reqH map[string]string, reqBody string, status int, respH map[string]string, respBody string) *recorder.Interaction {
	u, err := url.Parse(rawURL)
	Expect(err).NotTo(HaveOccurred())
	out := &recorder.Interaction{Method: method, URL: u, RequestHeader: http.Header{}, RequestBody: []byte(reqBody),
		Status: status, ResponseHeader: http.Header{}, ResponseBody: []byte(respBody), Source: recorder.Source{File: "table", Index: 0}}
	for k, v := range reqH {
		out.RequestHeader.Set(k, v)
	}
	for k, v := range respH {
		out.ResponseHeader.Set(k, v)
	}
	return out
}

func checks(fs []contract.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.Check)
	}
	return out
}

var _ = Describe("contract Checker", func() {
	var spec *validator.Spec
	BeforeEach(func() { spec = loadContractSpec() })

	Describe("over the clean fixtures", func() {
		It("finds no errors, covers every operation and status, and downgrades rejected requests to info", func() {
			r := runPaths(newChecker(spec, contract.CheckConfig{}), 2, filepath.Join(fixtureDir, "clean"))
			Expect(r.Interactions).To(Equal(12), "README.md in the folder is skipped; .log NDJSON is sniffed")
			Expect(groupsOf(r, validator.SeverityError)).To(BeEmpty())
			Expect(r.Errors).To(BeZero())
			Expect(r.Infos).To(Equal(3))
			for _, g := range groupsOf(r, validator.SeverityInfo) {
				Expect(g.Finding.Message).To(ContainSubstring("the server rejected the request"))
			}
			Expect(r.Coverage.Percent).To(Equal(100.0))
			Expect(r.Coverage.MissingStatuses()).To(BeEmpty())
			Expect(r.Coverage.Undocumented).To(BeEmpty())
			Expect(r.Evaluate(contract.Thresholds{MinCoverage: 100, RequireStatus: true}).Passed).To(BeTrue())
		})
	})

	It("compiles each operation of the traffic once, before and beside the checks, none by the library", func() {
		r := runPaths(newChecker(spec, contract.CheckConfig{}), 4, filepath.Join(fixtureDir, "clean"))
		seen := 0
		for _, oc := range r.Coverage.Operations {
			if oc.Count > 0 {
				seen++
			}
		}
		st := spec.CompileStats()
		Expect(st.Operations).To(BeEquivalentTo(seen))
		Expect(st.Schemas).To(BeNumerically(">", 0))
		Expect(st.Schemas).To(Equal(st.Distinct), "a schema was compiled twice")
		Expect(st.Library).To(BeZero())
	})

	Describe("seeded violations, one per check id", func() {
		for _, s := range seededViolations() {
			It("catches "+s.check+" with its location", func() {
				file := filepath.Join(fixtureDir, "violations", strings.ReplaceAll(s.check, ".", "-")+".yaml")
				r := runPaths(newChecker(spec, contract.CheckConfig{StrictServers: s.strict}), 1, file)
				errs := groupsOf(r, validator.SeverityError)
				Expect(errs).To(HaveLen(1), "exactly the seeded violation: %v", r.Groups)
				f := errs[0].Finding
				Expect(f.Check).To(Equal(s.check))
				Expect(f.SpecPointer).To(Equal(s.pointer))
				Expect(f.SpecLine).To(Equal(s.line))
				Expect(f.SpecCol).To(BeNumerically(">", 0))
				Expect(f.SpecFile).To(Equal(contractSpec))
				Expect(f.Pointer).To(Equal(s.instance))
				Expect(f.Message).NotTo(BeEmpty())
				Expect(f.Hint).NotTo(BeEmpty())
				Expect(errs[0].Occurrences).To(Equal([]recorder.Source{{File: file, Index: 0}}))
				Expect(r.Evaluate(contract.Thresholds{}).Passed).To(BeFalse())
			})
		}
		It("has a fixture for every check id that traffic can trigger", func() {
			seeded := map[string]bool{}
			for _, s := range seededViolations() {
				seeded[s.check] = true
			}
			for _, id := range contract.CheckIDs {
				if id == validator.CheckRequest || id == validator.CheckResponse {
					continue // validator failures, not traffic properties
				}
				if id == contract.CheckRequestEncoding || id == contract.CheckResponseEncoding {
					continue // undecodable bodies: see "bodies it cannot decode"
				}
				if strings.HasPrefix(id, "test.") {
					continue // contract test's expectations: contract/probe's faulty provider plants them
				}
				Expect(seeded).To(HaveKey(id))
			}
		})
	})

	Describe("server mapping", func() {
		DescribeTable("matches the operation whatever the host and base path",
			func(target string, cfg contract.CheckConfig, wantOp string, wantErrs []string) {
				c := newChecker(spec, cfg)
				out := c.Check(ix("GET", target, nil, "", 200, map[string]string{"Content-Type": "application/json", "X-Total-Count": "0"}, "[]"))
				Expect(out.Operation).NotTo(BeNil())
				Expect(out.Operation.ID).To(Equal(wantOp))
				Expect(checks(out.Findings)).To(ConsistOf(wantErrs))
			},
			Entry("localhost without base path", "http://localhost:8080/books", contract.CheckConfig{}, "listBooks", nil),
			Entry("a staging host with the base path", "https://staging.api.example.com/v1/books", contract.CheckConfig{}, "listBooks", nil),
			Entry("--server overrides the base path", "https://gw.internal/api/books", contract.CheckConfig{Server: "https://gw.internal/api"}, "listBooks", nil),
			Entry("--strict-servers accepts a declared host (variable enum)", "https://staging.api.example.com/v1/books", contract.CheckConfig{StrictServers: true}, "listBooks", nil),
			Entry("--strict-servers rejects another host", "http://localhost:8080/v1/books", contract.CheckConfig{StrictServers: true}, "listBooks", []string{"error request.server"}),
			Entry("--strict-servers requires the base path", "https://prod.api.example.com/books", contract.CheckConfig{StrictServers: true}, "listBooks", []string{"error request.server"}),
			Entry("--strict-servers with --server", "https://gw.internal/api/books", contract.CheckConfig{Server: "https://gw.internal/api", StrictServers: true}, "listBooks", nil),
		)
		It("honours path-level servers", func() {
			out := newChecker(spec, contract.CheckConfig{StrictServers: true}).Check(ix("GET", "http://localhost:9090/ops/status", nil, "", 200, map[string]string{"Content-Type": "text/plain"}, "ok"))
			Expect(out.Operation.ID).To(Equal("getStatus"))
			Expect(out.Findings).To(BeEmpty())
		})
	})

	Describe("gaps filled beyond libopenapi-validator", func() {
		var c *contract.Checker
		BeforeEach(func() { c = newChecker(spec, contract.CheckConfig{}) })

		It("validates present optional response headers", func() {
			out := c.Check(ix("GET", "/v1/books", nil, "", 200, map[string]string{"Content-Type": "application/json", "X-Total-Count": "1", "X-Rate-Remaining": "-1"}, "[]"))
			Expect(checks(out.Findings)).To(ConsistOf("error response.header"))
			Expect(out.Findings[0].Name).To(Equal("X-Rate-Remaining"))
			Expect(out.Findings[0].SpecPointer).To(Equal("/paths/~1books/get/responses/200/headers/X-Rate-Remaining/schema/minimum"))
		})
		It("reports a missing discriminator once instead of every branch", func() {
			out := c.Check(ix("GET", "/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "application/json"}, `{"title":"x","price":1,"format":{"pages":"many"}}`))
			Expect(out.Findings).To(HaveLen(1))
			Expect(out.Findings[0].Pointer).To(Equal("/format"))
			Expect(out.Findings[0].Detail).To(ContainSubstring("kind"))
		})
		It("reports only the selected branch of a request body oneOf", func() {
			out := c.Check(ix("POST", "/v1/books", map[string]string{"Authorization": "Bearer t", "Content-Type": "application/json"},
				`{"title":"x","price":1,"format":{"kind":"paperback"}}`, 201, map[string]string{"Content-Type": "application/json"}, `{"title":"x","price":1}`))
			Expect(checks(out.Findings)).To(ConsistOf("error request.body.schema"))
			Expect(out.Findings[0].Keyword).To(ContainSubstring("/oneOf/0/"))
		})
		It("finds writeOnly properties inside arrays", func() {
			out := c.Check(ix("GET", "/v1/books", nil, "", 200, map[string]string{"Content-Type": "application/json", "X-Total-Count": "2"},
				`[{"title":"a","price":1},{"title":"b","price":2,"internalNotes":"x"}]`))
			Expect(checks(out.Findings)).To(ConsistOf("error response.body.write_only"))
			Expect(out.Findings[0].Pointer).To(Equal("/1/internalNotes"))
		})
		It("checks security presence, not values", func() {
			out := c.Check(ix("DELETE", "/v1/books/1", map[string]string{"Authorization": "Bearer REDACTED"}, "", 204, nil, ""))
			Expect(out.Findings).To(BeEmpty())
		})
		It("lists undocumented endpoints with id-like segments folded", func() {
			out := c.Check(ix("GET", "https://prod.api.example.com/v1/authors/42/books", nil, "", 200, nil, ""))
			Expect(out.Undocumented).To(Equal("GET /authors/{id}/books"))
		})
		It("checks the request only when the status is 0 (a live proxy before forwarding)", func() {
			out := c.Check(ix("GET", "/v1/books?limit=0", nil, "", 0, nil, ""))
			Expect(checks(out.Findings)).To(ConsistOf("error request.parameter.query"))
			Expect(out.StatusKey).To(BeEmpty())
		})
	})

	Describe("strictness knobs", func() {
		It("--strict checks formats and rejects undeclared properties", func() {
			strict := loadContractSpec(validator.WithStrict(), validator.WithFormatAssertions())
			c := newChecker(strict, contract.CheckConfig{FormatAssertions: true})
			lax := newChecker(spec, contract.CheckConfig{})
			for _, body := range []string{`{"title":"x","price":1,"published":"yesterday"}`, `{"title":"x","price":1,"colour":"red"}`} {
				out := c.Check(ix("GET", "/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "application/json"}, body))
				Expect(checks(out.Findings)).To(ConsistOf("error response.body.schema"), body)
				Expect(lax.Check(ix("GET", "/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "application/json"}, body)).Findings).To(BeEmpty())
			}
		})
		It("--ignore skips matching paths", func() {
			c := newChecker(spec, contract.CheckConfig{IgnorePaths: []string{"/authors/**"}})
			Expect(c.Check(ix("GET", "/v1/authors/1/books", nil, "", 200, nil, "")).Ignored).To(BeTrue())
			Expect(c.Check(ix("GET", "/v1/other", nil, "", 200, nil, "")).Ignored).To(BeFalse())
		})
		It("--ignore-header leaves a header out", func() {
			c := newChecker(spec, contract.CheckConfig{IgnoreHeaders: []string{"x-total-count"}})
			Expect(c.Check(ix("GET", "/v1/books", nil, "", 200, map[string]string{"Content-Type": "application/json"}, "[]")).Findings).To(BeEmpty())
		})
		It("applies severities from a config file", func() {
			var cfg contract.CheckConfig
			Expect(contract.ParseCheckConfig([]byte("severities:\n  response.header: warning\n  request.security: off\nrejectedRequests: off\n"), "cfg.yaml", &cfg)).To(Succeed())
			c := newChecker(spec, cfg)
			out := c.Check(ix("DELETE", "/v1/books/1", nil, "", 204, nil, ""))
			Expect(out.Findings).To(BeEmpty())
			out = c.Check(ix("GET", "/v1/books", nil, "", 200, map[string]string{"Content-Type": "application/json"}, "[]"))
			Expect(checks(out.Findings)).To(ConsistOf("warning response.header"))
			out = c.Check(ix("GET", "/v1/books?limit=0", nil, "", 400, map[string]string{"Content-Type": "application/problem+json"}, `{"title":"bad","status":400}`))
			Expect(out.Findings).To(BeEmpty())
		})
		It("rejects a config with an unknown check id, naming the file", func() {
			var cfg contract.CheckConfig
			err := contract.ParseCheckConfig([]byte("severities:\n  response.nope: warning\n"), "cfg.yaml", &cfg)
			Expect(err).To(MatchError(ContainSubstring("cfg.yaml")))
			Expect(err).To(MatchError(ContainSubstring("response.nope")))
			Expect(contract.ParseCheckConfig([]byte("severity: {}\n"), "cfg.yaml", &cfg)).NotTo(Succeed())
		})
	})

	Describe("deduplication", func() {
		It("groups identical findings with a count and the first three occurrences in traffic order", func() {
			c := newChecker(spec, contract.CheckConfig{})
			var its []*recorder.Interaction
			for i := range 7 {
				it := ix("GET", fmt.Sprintf("/v1/books/%d", i+1), nil, "", 200, map[string]string{"Content-Type": "application/json"}, `{"title":"x","price":-1}`)
				it.Source = recorder.Source{File: "many.yaml", Index: i}
				its = append(its, it)
			}
			r, err := c.Run(context.Background(), func(_ context.Context, emit func(*recorder.Interaction) error) error {
				for _, it := range its {
					if err := emit(it); err != nil {
						return err
					}
				}
				return nil
			}, contract.RunOptions{Workers: 4})
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Groups).To(HaveLen(1))
			Expect(r.Groups[0].Count).To(Equal(7))
			Expect(r.Groups[0].Occurrences).To(Equal([]recorder.Source{{File: "many.yaml", Index: 0}, {File: "many.yaml", Index: 1}, {File: "many.yaml", Index: 2}}))
			Expect(r.Groups[0].Finding.Message).To(ContainSubstring("'/books/{bookId}'"))
		})
		It("folds array indexes into the instance path pattern", func() {
			Expect(contract.InstancePattern("/3/price/12/x")).To(Equal("/*/price/*/x"))
		})
	})

	Describe("odd traffic", func() {
		big := strings.Repeat("x", 10<<20)
		DescribeTable("never panics and reports sensibly",
			func(it *recorder.Interaction) {
				c := newChecker(spec, contract.CheckConfig{})
				var out contract.Outcome
				Expect(func() { out = c.Check(it) }).NotTo(Panic())
				for _, f := range out.Findings {
					Expect(f.Check).NotTo(Equal(validator.CheckRequest), "the validator itself failed: %s", f.Message)
				}
			},
			Entry("nil bodies and headers", &recorder.Interaction{Method: "GET", URL: &url.URL{Path: "/v1/books/1"}, Status: 200}),
			Entry("no URL at all", &recorder.Interaction{}),
			Entry("a binary body", ix("GET", "/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "application/json"}, "\x00\xff\xfe\x01")),
			Entry("invalid UTF-8 in a request body", ix("POST", "/v1/books", map[string]string{"Authorization": "Bearer t", "Content-Type": "application/json"}, "{\"title\":\"\xff\"}", 201, map[string]string{"Content-Type": "application/json"}, `{"title":"x","price":1}`)),
			Entry("a 10 MB body", ix("GET", "/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "application/json"}, `{"title":"`+big+`","price":1}`)),
			Entry("a missing content type", ix("GET", "/v1/books/1", nil, "", 200, nil, `{"title":"x","price":1}`)),
			Entry("a body on a 204", ix("DELETE", "/v1/books/1", map[string]string{"Authorization": "Bearer t"}, "", 204, map[string]string{"Content-Type": "text/plain"}, "gone")),
			Entry("an undecodable content encoding", ix("GET", "/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "application/json", "Content-Encoding": "br"}, "\x8b\x01\x80")),
			Entry("a status out of range", ix("GET", "/v1/books/1", nil, "", 999, nil, "")),
			Entry("an odd method", ix("BREW", "/v1/books/1", nil, "", 200, nil, "")),
		)
	})
})
