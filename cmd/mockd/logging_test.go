package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
)

// Secrets sent with the logged requests: none may reach a log line.
const (
	logQuerySecret = "qs3cret-value"
	logAuthSecret  = "auth-s3cret-token"
)

// sendLogged sends GET /v1/books?limit=1&api_key=SECRET with a bearer
// token, then a request the fault header answers with 503.
func sendLogged(base string) {
	GinkgoHelper()
	status, _, _ := get(base+"/v1/books?limit=1&api_key="+logQuerySecret, "Authorization", "Bearer "+logAuthSecret)
	Expect(status).To(Equal(http.StatusOK))
	status, _, _ = get(base+"/books/featured", "X-Mockd-Fault", "status=503")
	Expect(status).To(Equal(http.StatusServiceUnavailable))
}

// requestLines returns the log lines with msg=request (text) or
// "msg":"request" (JSON).
func requestLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "msg=request ") || strings.Contains(l, `"msg":"request"`) {
			out = append(out, l)
		}
	}
	return out
}

var _ = Describe("one log line per request", func() {
	It("logs method, path, status, source, rule and duration in text, secrets redacted", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--fault-header")
		sendLogged(inst.base)
		Eventually(func() []string { return requestLines(string(inst.errOut.Contents())) }).Should(HaveLen(2))
		lines := requestLines(string(inst.errOut.Contents()))
		Expect(lines[0]).To(MatchRegexp(`level=INFO msg=request method=GET path="/v1/books\?limit=1&api_key=[^"&]*REDACTED[^"&]*" status=200 source=example:two-books duration=\d`))
		Expect(lines[1]).To(MatchRegexp(`level=INFO msg=request method=GET path=/books/featured status=503 source=fault rule=header fault=header/status duration=\d`))
		stderr := string(inst.errOut.Contents())
		Expect(stderr).NotTo(ContainSubstring(logQuerySecret))
		Expect(stderr).NotTo(ContainSubstring(logAuthSecret))
	})

	It("logs the same fields as JSON with --log-format json", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--fault-header", "--log-format", "json")
		sendLogged(inst.base)
		Eventually(func() []string { return requestLines(string(inst.errOut.Contents())) }).Should(HaveLen(2))
		var recs []map[string]any
		for _, l := range requestLines(string(inst.errOut.Contents())) {
			var rec map[string]any
			Expect(json.Unmarshal([]byte(l), &rec)).To(Succeed(), l)
			recs = append(recs, rec)
		}
		Expect(recs[0]).To(HaveKeyWithValue("level", "INFO"))
		Expect(recs[0]).To(HaveKeyWithValue("method", "GET"))
		Expect(recs[0]).To(HaveKeyWithValue("path", MatchRegexp(`^/v1/books\?limit=1&api_key=[^&]*REDACTED`)))
		Expect(recs[0]).To(HaveKeyWithValue("status", 200.0))
		Expect(recs[0]).To(HaveKeyWithValue("source", "example:two-books"))
		Expect(recs[0]).To(HaveKeyWithValue("duration", BeNumerically(">", 0)))
		Expect(recs[1]).To(HaveKeyWithValue("status", 503.0))
		Expect(recs[1]).To(HaveKeyWithValue("source", "fault"))
		Expect(recs[1]).To(HaveKeyWithValue("rule", "header"))
		stderr := string(inst.errOut.Contents())
		Expect(stderr).NotTo(ContainSubstring(logQuerySecret))
		Expect(stderr).NotTo(ContainSubstring(logAuthSecret))
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			Expect(json.Valid([]byte(l))).To(BeTrue(), "every log line is JSON: %s", l)
		}
	})

	DescribeTable("logs no request line",
		func(flags ...string) {
			inst := startRun(append([]string{"--spec", bookstore, "--port", "0", "--fault-header"}, flags...)...)
			sendLogged(inst.base)
			// The journal holds both requests once they are done; the log
			// line is written before that.
			Eventually(func() string { _, _, body := get(inst.base + "/__mockd/requests"); return body }).
				Should(ContainSubstring(`"status":503`))
			Expect(requestLines(string(inst.errOut.Contents()))).To(BeEmpty())
		},
		Entry("--quiet", "--quiet"),
		Entry("--log-level warn", "--log-level", "warn"),
		Entry("--quiet wins over --log-level debug", "--quiet", "--log-level", "debug"),
	)

	It("logs each request mockd record forwards", func() {
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
		}))
		defer upstream.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out, errOut := gbytes.NewBuffer(), gbytes.NewBuffer()
		done := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			done <- run(ctx, []string{"record", "--upstream", upstream.URL, "--cassette", filepath.Join(GinkgoT().TempDir(), "c.yaml"),
				"--port", "0", "--log-format", "json"}, out, errOut)
		}()
		Eventually(out).Should(gbytes.Say(`listening on (http://127\.0\.0\.1:\d+)`))
		base := string(listenLine.FindSubmatch(out.Contents())[1])
		status, _, _ := get(base+"/things?token="+logQuerySecret, "Authorization", "Bearer "+logAuthSecret)
		Expect(status).To(Equal(http.StatusAccepted))
		Eventually(func() []string { return requestLines(string(errOut.Contents())) }).Should(HaveLen(1))
		var rec map[string]any
		Expect(json.Unmarshal([]byte(requestLines(string(errOut.Contents()))[0]), &rec)).To(Succeed())
		Expect(rec).To(HaveKeyWithValue("method", "GET"))
		Expect(rec).To(HaveKeyWithValue("path", MatchRegexp(`^/things\?token=[^&]*REDACTED`)))
		Expect(rec).To(HaveKeyWithValue("status", 202.0))
		Expect(rec).To(HaveKeyWithValue("source", "proxy"))
		cancel()
		var code int
		Eventually(done, 10*time.Second).Should(Receive(&code))
		Expect(code).To(Equal(0))
		Expect(string(errOut.Contents())).NotTo(ContainSubstring(logQuerySecret))
		Expect(string(errOut.Contents())).NotTo(ContainSubstring(logAuthSecret))
	})
})

// subcommands are every mockd command line that has a --help.
var subcommands = [][]string{{}, {"serve"}, {"record"}, {"version"}}

var _ = Describe("help and usage errors", func() {
	It("prints usage on stdout and exits 0 for -h, --help and help COMMAND on every command", func() {
		for _, sub := range subcommands {
			forms := [][]string{append(append([]string{}, sub...), "--help"), append(append([]string{}, sub...), "-h")}
			if len(sub) == 0 {
				forms = append(forms, []string{"help"})
			} else {
				forms = append(forms, append([]string{"help"}, sub...))
			}
			for _, args := range forms {
				code, stdout, stderr := runOnce(args...)
				Expect(code).To(Equal(0), "mockd %q", args)
				Expect(stdout).To(ContainSubstring("Usage:"), "mockd %q", args)
				Expect(stdout).To(ContainSubstring("mockd "+strings.Join(sub, " ")), "mockd %q", args)
				Expect(stderr).To(BeEmpty(), "mockd %q", args)
			}
		}
		_, stdout, _ := runOnce("serve", "--help")
		for _, flag := range []string{"-spec", "-log-format", "-log-level", "-quiet", "-max-conns"} {
			Expect(stdout).To(ContainSubstring(flag))
		}
	})

	It("prints the command list on stderr and exits 2 without a command", func() {
		code, stdout, stderr := runOnce()
		Expect(code).To(Equal(2))
		Expect(stdout).To(BeEmpty())
		Expect(stderr).To(ContainSubstring("Usage:"))
		Expect(stderr).To(ContainSubstring("mockd serve --spec FILE"))
	})

	DescribeTable("says what is wrong in one line, points to --help and exits 2",
		func(args []string, want string) {
			code, stdout, stderr := runOnce(args...)
			Expect(code).To(Equal(2))
			Expect(stdout).To(BeEmpty())
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			Expect(lines).To(HaveLen(2), stderr)
			Expect(lines[0]).To(ContainSubstring(want))
			cmd := "mockd"
			if len(args) > 0 && regexp.MustCompile(`^(serve|record|version)$`).MatchString(args[0]) {
				cmd += " " + args[0]
			}
			Expect(lines[0]).To(HavePrefix(cmd + ": "))
			Expect(lines[1]).To(Equal("Run '" + cmd + " --help' for usage."))
		},
		Entry("missing --spec", []string{"serve", "--port", "0"}, "--spec FILE (or --cassette FILE) is required"),
		Entry("unknown flag", []string{"serve", "--spec", bookstore, "--bogus"}, "unknown flag --bogus"),
		Entry("flag without value", []string{"serve", "--spec"}, "--spec needs a value"),
		Entry("bad --port", []string{"serve", "--spec", bookstore, "--port", "http"}, `invalid value "http" for --port: want an integer`),
		Entry("--port out of range", []string{"serve", "--spec", bookstore, "--port", "99999"}, "--port 99999: invalid port"),
		Entry("bad --log-level", []string{"serve", "--spec", bookstore, "--log-level", "loud"},
			`--log-level "loud" is not a log level: use one of debug, info, warn, error`),
		Entry("bad --log-format", []string{"serve", "--spec", bookstore, "--log-format", "xml"},
			`--log-format "xml" is not a log format: use one of text, json`),
		Entry("bad --seed", []string{"serve", "--spec", bookstore, "--seed", "abc"}, `--seed "abc" is not a non-negative integer`),
		Entry("negative --seed", []string{"serve", "--spec", bookstore, "--seed", "-1"}, `--seed "-1" is not a non-negative integer`),
		Entry("negative --idle-timeout on record", []string{"record", "--upstream", "http://127.0.0.1:9", "--cassette", "x.yaml", "--idle-timeout", "-1s"},
			"--idle-timeout -1s is negative"),
		Entry("bad --on-miss", []string{"serve", "--cassette", "c.yaml", "--on-miss", "later"}, `--on-miss "later": use error, spec, proxy or record`),
		Entry("--on-miss proxy without --upstream", []string{"serve", "--cassette", "c.yaml", "--on-miss", "proxy"}, "--on-miss proxy needs --upstream URL"),
		Entry("relative --upstream", []string{"serve", "--cassette", "c.yaml", "--on-miss", "proxy", "--upstream", "staging"}, `--upstream "staging": want an absolute URL`),
		Entry("bad --problem-bodies", []string{"serve", "--spec", bookstore, "--problem-bodies", "json"}, `--problem-bodies "json": use spec`),
		Entry("bad --cors-origins", []string{"serve", "--spec", bookstore, "--cors-origins", "localhost:3000"}, `--cors-origins: CORS origin "localhost:3000" is not an origin`),
		Entry("bad --redact-json-path", []string{"serve", "--spec", bookstore, "--redact-json-path", "user.ssn"}, `JSON path "user.ssn": must start with $`),
		Entry("record with a bad --redact-json-path", []string{"record", "--upstream", "http://127.0.0.1:1", "--cassette", "c.yaml", "--redact-json-path", "x["},
			`JSON path "x[": must start with $`),
		Entry("--upstream without --cassette", []string{"serve", "--spec", bookstore, "--upstream", "http://127.0.0.1:1"}, "--on-miss and --upstream need --cassette"),
		Entry("negative --max-conns", []string{"serve", "--spec", bookstore, "--max-conns", "-1"}, "--max-conns -1 is negative"),
		Entry("stray argument", []string{"serve", "--spec", bookstore, "extra"}, `unexpected argument "extra"`),
		Entry("record without --upstream", []string{"record", "--cassette", "c.yaml"}, "--upstream URL is required"),
		Entry("record without --cassette", []string{"record", "--upstream", "http://127.0.0.1:1"}, "--cassette PATH is required"),
		Entry("record with a relative --upstream", []string{"record", "--upstream", "staging", "--cassette", "c.yaml"}, `--upstream "staging": want an absolute URL`),
		Entry("record with a bad --log-format", []string{"record", "--upstream", "http://127.0.0.1:1", "--cassette", "c.yaml", "--log-format", "yaml"},
			`--log-format "yaml" is not a log format`),
		Entry("record --port out of range", []string{"record", "--upstream", "http://127.0.0.1:1", "--cassette", "c.yaml", "--port", "70000"}, "--port 70000: invalid port"),
		Entry("version with an argument", []string{"version", "now"}, `unexpected argument "now"`),
		Entry("unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`),
	)
})
