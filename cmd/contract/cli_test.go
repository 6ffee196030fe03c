package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/recorder"
)

const spec = "fixtures/contract/api.yaml"

// runContract runs the CLI in-process and returns its exit code and output.
func runContract(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

var _ = Describe("contract check", func() {
	It("passes the clean fixtures (exit 0) with full coverage", func() {
		code, out, errOut := runContract("check", "--spec", spec, "--min-coverage", "100", "--require-status", "fixtures/contract/clean")
		Expect(errOut).To(BeEmpty())
		Expect(code).To(Equal(exitOK), out)
		Expect(out).To(ContainSubstring("PASS"))
		Expect(out).To(ContainSubstring("operations 6/6 (100.0%)"))
	})

	It("fails on seeded violations (exit 1), flags before or after the traffic", func() {
		code, out, _ := runContract("check", "fixtures/contract/violations", "--spec", spec, "--color", "never")
		Expect(code).To(Equal(exitViolation))
		Expect(out).To(ContainSubstring("FAIL: 14 error finding(s)"))
	})

	It("refuses a --min-coverage outside 0-100", func() {
		for _, v := range []string{"150", "-1"} {
			code, _, errOut := runContract("check", "--spec", spec, "--min-coverage", v, "fixtures/contract/clean")
			Expect(code).To(Equal(exitBadInput), v)
			Expect(errOut).To(ContainSubstring("--min-coverage " + v + ": use a percentage from 0 to 100"))
		}
	})

	It("fails when coverage is below --min-coverage or a status was never seen", func() {
		code, out, _ := runContract("check", "--spec", spec, "--min-coverage", "90", "fixtures/contract/clean/browser.har")
		Expect(code).To(Equal(exitViolation))
		Expect(out).To(ContainSubstring("below --min-coverage 90.0%"))
		code, out, _ = runContract("check", "--spec", spec, "--require-status", "fixtures/contract/clean/books-v2.yaml")
		Expect(code).To(Equal(exitViolation))
		Expect(out).To(ContainSubstring("never seen"))
		Expect(out).To(ContainSubstring("getBook 404"))
	})

	DescribeTable("exits 2 on bad input, naming the file and the reason",
		func(want string, args ...string) {
			code, _, errOut := runContract(append([]string{"check"}, args...)...)
			Expect(code).To(Equal(exitBadInput))
			Expect(errOut).To(ContainSubstring(want))
		},
		Entry("unreadable spec", "nope.yaml", "--spec", "nope.yaml", "fixtures/contract/clean"),
		Entry("not a spec", "fixtures/contract/clean/README.md", "--spec", "fixtures/contract/clean/README.md", "fixtures/contract/clean"),
		Entry("missing traffic", "missing-traffic", "--spec", spec, "missing-traffic"),
		Entry("a file that is not traffic", "not a go-vcr cassette", "--spec", spec, "fixtures/contract/api.yaml"),
		Entry("a bad config file", "fixtures/contract/clean/README.md", "--spec", spec, "--config", "fixtures/contract/clean/README.md", "fixtures/contract/clean"),
		Entry("no traffic", "no traffic given", "--spec", spec),
		Entry("no spec", "--spec FILE is required", "fixtures/contract/clean"),
		Entry("an unknown format", "--format \"pdf\"", "--spec", spec, "--format", "pdf", "fixtures/contract/clean"),
		Entry("two formats on stdout", "share stdout", "--spec", spec, "--format", "text,json", "fixtures/contract/clean"),
		Entry("an unknown flag", "unknown flag --frobnicate", "--spec", spec, "--frobnicate", "fixtures/contract/clean"),
		Entry("a bad --server, named by its flag", `--server "http://[::1"`, "--spec", spec, "--server", "http://[::1", "fixtures/contract/clean"),
		Entry("an empty --ignore glob, named by its flag", `--ignore " "`, "--spec", spec, "--ignore", " ", "fixtures/contract/clean"),
	)

	It("exits 2 on a broken cassette, naming the file, line and field", func() {
		broken := filepath.Join(GinkgoT().TempDir(), "broken.yaml")
		Expect(os.WriteFile(broken, []byte("version: 2\ninteractions:\n- request: {method: GET}\n  response: {code: 200}\n"), 0o644)).To(Succeed())
		code, _, errOut := runContract("check", "--spec", spec, broken)
		Expect(code).To(Equal(exitBadInput))
		Expect(errOut).To(ContainSubstring(broken + ":3: interaction 0: request.url"))
	})

	It("exits 2 on a spec with broken $refs, naming each one's file:line:col", func() {
		code, out, errOut := runContract("check", "--spec", "fixtures/broken-refs/api.yaml", "fixtures/contract/clean")
		Expect(code).To(Equal(exitBadInput))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(HavePrefix("contract: load spec fixtures/broken-refs/api.yaml: 4 broken $ref(s): fix each one\n"))
		Expect(errOut).NotTo(ContainSubstring("lenient"), "contract has no --lenient")
		Expect(errOut).To(ContainSubstring("fixtures/broken-refs/api.yaml:23:30: $ref '#/components/schemas/Missing'"))
		Expect(errOut).To(ContainSubstring("fixtures/broken-refs/schemas/thing.yaml:4:18: $ref '#/Nowhere'"))
		Expect(errOut).NotTo(ContainSubstring("level="))
	})

	It("writes several formats at once", func() {
		dir := GinkgoT().TempDir()
		junit, sarif, md := filepath.Join(dir, "r", "junit.xml"), filepath.Join(dir, "contract.sarif"), filepath.Join(dir, "comment.md")
		code, out, _ := runContract("check", "--spec", spec, "--format", "text", "--format", "junit="+junit+",sarif="+sarif,
			"--format", "markdown="+md, "fixtures/contract/violations")
		Expect(code).To(Equal(exitViolation))
		Expect(out).To(ContainSubstring("ERROR"))
		for _, f := range []string{junit, sarif, md} {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			Expect(data).NotTo(BeEmpty())
		}
		data, _ := os.ReadFile(sarif)
		Expect(json.Valid(data)).To(BeTrue())
		data, _ = os.ReadFile(md)
		Expect(string(data)).To(HavePrefix("## Contract check ❌ failed"))
	})

	It("writes one report to --output", func() {
		out := filepath.Join(GinkgoT().TempDir(), "report.json")
		code, stdout, _ := runContract("check", "--spec", spec, "--format", "json", "--output", out, "fixtures/contract/clean")
		Expect(code).To(Equal(exitOK))
		Expect(stdout).To(BeEmpty())
		data, err := os.ReadFile(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`"version": 1`))
	})

	It("reads severities from a config file", func() {
		cfg := filepath.Join(GinkgoT().TempDir(), "contract.yaml")
		Expect(os.WriteFile(cfg, []byte("severities:\n  request.security: warning\n"), 0o644)).To(Succeed())
		code, out, _ := runContract("check", "--spec", spec, "--config", cfg, "fixtures/contract/violations/request-security.yaml")
		Expect(code).To(Equal(exitOK))
		Expect(out).To(ContainSubstring("WARNING request.security"))
	})

	It("prints its version and usage", func() {
		code, out, _ := runContract("version")
		Expect(code).To(Equal(exitOK))
		Expect(out).To(HavePrefix("contract "))
		code, _, errOut := runContract()
		Expect(code).To(Equal(exitBadInput))
		Expect(errOut).To(ContainSubstring("Usage"))
		code, _, _ = runContract("check", "--help")
		Expect(code).To(Equal(exitOK))
	})
})

var _ = Describe("real traffic nobody here wrote", func() {
	type realCase struct {
		name, spec, traffic string
		extra               []string
	}
	cases := []realCase{
		{"Datadog IP allowlist (datadog-api-client-go cassettes)", "fixtures/contract/real/datadog/ip-allowlist.openapi.yaml", "fixtures/contract/real/datadog/cassettes", nil},
		{"Linode account settings (linodego cassette)", "fixtures/contract/real/linode/account-settings.openapi.yaml", "fixtures/contract/real/linode/cassettes", nil},
		{"Linode account settings, --strict", "fixtures/contract/real/linode/account-settings.openapi.yaml", "fixtures/contract/real/linode/cassettes", []string{"--strict"}},
	}
	for _, c := range cases {
		It("checks "+c.name+" and logs the findings", func() {
			args := append([]string{"check", "--spec", c.spec, "--color", "never"}, c.extra...)
			code, out, errOut := runContract(append(args, c.traffic)...)
			fmt.Fprintf(GinkgoWriter, "contract check %s (exit %d):\n%s%s\n", c.name, code, out, errOut)
			AddReportEntry(c.name, out)
			Expect(errOut).To(BeEmpty())
			// Both projects strip credentials before saving cassettes: the
			// security check flags every authenticated call.
			Expect(code).To(Equal(exitViolation))
			Expect(out).To(ContainSubstring("ERROR request.security"))
			Expect(out).NotTo(ContainSubstring("could not be checked"))
		})
	}
	It("finds spec drift in Linode's recorded response under --strict", func() {
		_, out, _ := runContract("check", "--strict", "--spec", "fixtures/contract/real/linode/account-settings.openapi.yaml", "fixtures/contract/real/linode/cassettes")
		Expect(out).To(ContainSubstring("interfaces_for_new_linodes"))
		Expect(out).To(ContainSubstring("maintenance_policy"))
	})
	It("passes the Datadog cassettes once credential checks are off (they are stripped on record)", func() {
		cfg := filepath.Join(GinkgoT().TempDir(), "contract.yaml")
		Expect(os.WriteFile(cfg, []byte("severities:\n  request.security: off\n"), 0o644)).To(Succeed())
		code, out, _ := runContract("check", "--spec", "fixtures/contract/real/datadog/ip-allowlist.openapi.yaml", "--config", cfg, "fixtures/contract/real/datadog/cassettes")
		Expect(code).To(Equal(exitOK), out)
	})
})

var _ = Describe("the CI examples (examples/ci, shown in the README)", func() {
	It("run: their contract commands check the committed cassettes and write JUnit and SARIF", func() {
		var section string
		for _, f := range []string{"examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"} {
			b, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			section += string(b)
		}
		cmds := regexp.MustCompile(`(?m)^\s*- (?:run: )?contract check .*$`).FindAllString(section, -1)
		Expect(len(cmds)).To(BeNumerically(">=", 2), "one command per CI system")
		Expect(section).To(ContainSubstring("go install ./cmd/contract"))
		for _, line := range cmds {
			line = strings.TrimSpace(line)
			line = strings.TrimPrefix(line, "- ")
			line = strings.TrimPrefix(line, "run: ")
			args := strings.Fields(line)[1:] // drop "contract"
			dir := GinkgoT().TempDir()
			for j, a := range args {
				if strings.Contains(a, "contract-report/") {
					args[j] = strings.ReplaceAll(a, "contract-report/", dir+"/")
				}
			}
			code, out, errOut := runContract(args...)
			Expect(errOut).To(BeEmpty(), line)
			Expect(code).To(Equal(exitOK), "%s\n%s", line, out)
			for _, f := range []string{"junit.xml", "contract.sarif"} {
				_, err := os.Stat(filepath.Join(dir, f))
				Expect(err).NotTo(HaveOccurred(), "%s does not write %s", line, f)
			}
			// The same job fails the pipeline on a violation.
			code, _, _ = runContract(append(args, "fixtures/contract/violations/response-status.yaml")...)
			Expect(code).To(Equal(exitViolation))
		}
	})
})

// syncBuffer is a goroutine-safe buffer for the proxy's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ = Describe("contract proxy", func() {
	var upstream *httptest.Server
	var hits sync.Map
	BeforeEach(func() {
		upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Store(r.URL.Path, true)
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
		}))
		DeferCleanup(upstream.Close)
	})

	start := func(extra ...string) (string, func() (int, string), *syncBuffer) {
		ctx, cancel := context.WithCancel(context.Background())
		var stdout bytes.Buffer
		stderr := &syncBuffer{}
		done := make(chan int, 1)
		args := append([]string{"proxy", "--spec", spec, "--upstream", upstream.URL, "--port", "0", "--log-level", "error"}, extra...)
		go func() { done <- run(ctx, args, &stdout, stderr) }()
		addr := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)
		var base string
		Eventually(func() string {
			if m := addr.FindStringSubmatch(stderr.String()); m != nil {
				base = "http://" + m[1]
			}
			return base
		}, 5*time.Second, 10*time.Millisecond).ShouldNot(BeEmpty())
		stop := func() (int, string) {
			cancel()
			var code int
			Eventually(done, 10*time.Second).Should(Receive(&code))
			return code, stdout.String()
		}
		DeferCleanup(func() { cancel() })
		return base, stop, stderr
	}

	It("relays, counts violations, records a cassette and prints the report on shutdown", func() {
		cassettePath := filepath.Join(GinkgoT().TempDir(), "proxy.yaml")
		base, stop, _ := start("--record", cassettePath, "--color", "never")
		resp, err := http.Get(base + "/v1/books/1")
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200))
		Expect(string(body)).To(Equal(`{"title":"Go","price":10}`))
		Expect(resp.Header.Get("X-Contract-Violations")).To(Equal("0"))

		resp, err = http.Get(base + "/v1/books/2")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200), "without --enforce the upstream answer is relayed")
		Expect(resp.Header.Get("X-Contract-Violations")).To(Equal("1"))

		code, report := stop()
		Expect(code).To(Equal(exitViolation))
		Expect(report).To(ContainSubstring("ERROR response.body.schema"))
		Expect(report).To(ContainSubstring("2 interaction(s) checked"))
		c, err := recorder.LoadFile(cassettePath)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Interactions).To(HaveLen(2))
	})

	It("with --enforce answers 422 to a bad request and 502 instead of a bad response", func() {
		base, stop, _ := start("--enforce")
		resp, err := http.Get(base + "/v1/books?limit=1000")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusUnprocessableEntity))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
		var p map[string]any
		Expect(json.NewDecoder(resp.Body).Decode(&p)).To(Succeed())
		resp.Body.Close()
		Expect(p["violations"]).NotTo(BeEmpty())
		_, forwarded := hits.Load("/v1/books")
		Expect(forwarded).To(BeFalse(), "a non-conforming request is not forwarded")

		resp, err = http.Get(base + "/v1/books/2")
		Expect(err).NotTo(HaveOccurred())
		sc := bufio.NewScanner(resp.Body)
		sc.Scan()
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusBadGateway))
		Expect(sc.Text()).To(ContainSubstring("contract-violation"))
		Expect(resp.Header.Get("X-Contract-Violations")).To(Equal("1"))

		code, _ := stop()
		Expect(code).To(Equal(exitViolation))
	})

	It("logs one line per request: method, redacted path, status, source, violations, duration", func() {
		base, stop, stderr := start("--enforce", "--log-level", "info", "--log-format", "json")
		for _, path := range []string{"/v1/books/1?token=s3cret-q", "/v1/books?limit=1000"} {
			req, err := http.NewRequest(http.MethodGet, base+path, nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer s3cret-auth")
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
		}
		requests := func() []map[string]any {
			var out []map[string]any
			for _, l := range strings.Split(stderr.String(), "\n") {
				var rec map[string]any
				if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == "request" {
					out = append(out, rec)
				}
			}
			return out
		}
		Eventually(requests).Should(HaveLen(2))
		recs := requests()
		Expect(recs[0]).To(HaveKeyWithValue("method", "GET"))
		Expect(recs[0]).To(HaveKeyWithValue("path", MatchRegexp(`^/v1/books/1\?token=[^&]*REDACTED`)))
		Expect(recs[0]).To(HaveKeyWithValue("status", 200.0))
		Expect(recs[0]).To(HaveKeyWithValue("source", "proxy"))
		Expect(recs[0]).To(HaveKeyWithValue("violations", 0.0))
		Expect(recs[0]).To(HaveKey("duration"))
		Expect(recs[1]).To(HaveKeyWithValue("status", 422.0))
		Expect(recs[1]).To(HaveKeyWithValue("source", "problem"))
		Expect(recs[1]).To(HaveKeyWithValue("violations", BeNumerically(">", 0)))
		stop()
		Expect(stderr.String()).NotTo(ContainSubstring("s3cret"))
	})

	It("logs no request line with --quiet", func() {
		base, stop, stderr := start("--log-level", "info", "--quiet")
		resp, err := http.Get(base + "/v1/books/1")
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		stop()
		Expect(stderr.String()).NotTo(ContainSubstring("msg=request"))
	})

	It("refuses a bad upstream", func() {
		code, _, errOut := runContract("proxy", "--spec", spec, "--upstream", "not-a-url")
		Expect(code).To(Equal(exitBadInput))
		Expect(errOut).To(ContainSubstring("--upstream"))
	})

	It("refuses a negative server limit", func() {
		code, _, errOut := runContract("proxy", "--spec", spec, "--upstream", "http://127.0.0.1:9", "--max-conns", "-2")
		Expect(code).To(Equal(exitBadInput))
		Expect(errOut).To(ContainSubstring("--max-conns -2 is negative"))
	})
})
