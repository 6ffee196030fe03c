package main

import (
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
)

// validBook is a Book the bookstore's POST /books accepts.
const validBook = `{"isbn":"978-0-13-468599-1","title":"The Go Programming Language","price":{"amount":34.99,"currency":"USD"}}`

// invalidExampleSpec declares an example that violates its own schema.
const invalidExampleSpec = `
openapi: 3.0.3
info: {title: bad example, version: "1"}
paths:
  /count:
    get:
      operationId: getCount
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [n], properties: {n: {type: integer}}}
              example: {n: "not a number"}
`

var _ = Describe("mockd serve (in-process run)", func() {
	Describe("start-up with the bookstore", func() {
		var inst *instance
		BeforeEach(func() {
			inst = startRun("--spec", bookstore, "--port", "0", "--seed", "42")
			// The try-lines follow the listen line once examples are checked.
			Eventually(inst.out).Should(gbytes.Say(`(?s)try: .*try: .*try: [^\n]*\n`))
		})

		It("names the spec, the operation count, the seed and prints try-lines", func() {
			out := string(inst.out.Contents())
			Expect(out).To(ContainSubstring("serving " + bookstore))
			Expect(out).To(ContainSubstring("OpenAPI 3.0.3"))
			Expect(out).To(ContainSubstring("8 operations"))
			Expect(out).To(ContainSubstring("seed 42"))
			Expect(out).To(ContainSubstring("dynamic false, cors true"))
			Expect(out).To(ContainSubstring("try: curl -i " + inst.base + "/books\n"))
			Expect(out).To(ContainSubstring("try: curl -i -H 'Prefer: dynamic=true' " + inst.base + "/"))
		})

		It("answers every try-line URL with 200", func() {
			tries := regexp.MustCompile(`try: curl -i (?:-H '([^:]+): ([^']+)' )?(\S+)`).FindAllStringSubmatch(string(inst.out.Contents()), -1)
			Expect(tries).To(HaveLen(3))
			for _, t := range tries {
				var hdr []string
				if t[1] != "" {
					hdr = []string{t[1], t[2]}
				}
				status, _, body := get(t[3], hdr...)
				Expect(status).To(Equal(http.StatusOK), "%s\n%s", t[0], body)
				Expect(json.Valid([]byte(body))).To(BeTrue(), body)
			}
		})

		It("serves the examples over HTTP", func() {
			status, h, body := get(inst.base + "/books/featured")
			Expect(status).To(Equal(http.StatusOK))
			Expect(h.Get("Content-Type")).To(HavePrefix("application/json"))
			Expect(body).To(MatchJSON(`{"id":"0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5","isbn":"978-0-262-03384-8",
				"title":"Introduction to Algorithms","genre":"technology","price":{"amount":99.0,"currency":"EUR"},
				"published":"2009-07-31","format":{"kind":"paperback","pages":1312}}`))

			status, h, body = get(inst.base + "/v1/books")
			Expect(status).To(Equal(http.StatusOK))
			Expect(h.Get("X-Total-Count")).To(Equal("2"))
			var books []map[string]any
			Expect(json.Unmarshal([]byte(body), &books)).To(Succeed())
			Expect(books).To(HaveLen(2))
			Expect(books[1]).To(HaveKeyWithValue("title", "The Linux Command Line"))

			status, _, body = get(inst.base+"/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f", "Prefer", "example=tlcl")
			Expect(status).To(Equal(http.StatusOK))
			Expect(body).To(ContainSubstring(`"The Linux Command Line"`))
		})

		It("validates requests and answers problems", func() {
			status, h, body := get(inst.base + "/books?limit=1000")
			Expect(status).To(Equal(http.StatusBadRequest))
			Expect(h.Get("Content-Type")).To(Equal("application/problem+json"))
			Expect(body).To(ContainSubstring(`"title"`), "the declared 400's Problem schema, generated")
			Expect(h.Get("X-Mockd-Problem")).To(ContainSubstring("query.limit"))

			status, _, _ = get(inst.base + "/nope")
			Expect(status).To(Equal(http.StatusNotFound))

			req, err := http.NewRequest(http.MethodPost, inst.base+"/books", strings.NewReader(validBook))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/json")
			status, _, _ = do(req)
			Expect(status).To(Equal(http.StatusUnauthorized), "POST /books needs a bearer token")

			req, err = http.NewRequest(http.MethodPost, inst.base+"/books", strings.NewReader(validBook))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer t")
			status, h, _ = do(req)
			Expect(status).To(Equal(http.StatusCreated))
			Expect(h.Get("Location")).To(Equal("/v1/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f"))
		})

		It("returns 0 when its context is cancelled", func() {
			Expect(inst.stop()).To(Equal(0))
			Expect(string(inst.out.Contents())).To(HaveSuffix("mockd: shutting down\n"))
			_, err := net.Dial("tcp", strings.TrimPrefix(inst.base, "http://"))
			Expect(err).To(HaveOccurred(), "the listener is closed after shutdown")
		})
	})

	Describe("bad input", func() {
		DescribeTable("exits 1 naming the file, the line and the problem",
			func(name, content string, want *regexp.Regexp) {
				path := writeSpec(name, content)
				code, stdout, stderr := runOnce("serve", "--spec", path, "--port", "0")
				Expect(code).To(Equal(1))
				Expect(stdout).To(BeEmpty(), "nothing is served")
				Expect(stderr).To(HavePrefix("mockd: load spec " + path))
				Expect(stderr).To(MatchRegexp(want.String()))
			},
			Entry("YAML with an unclosed flow sequence", "bad.yaml",
				"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: [unclosed\n",
				regexp.MustCompile(`bad\.yaml:4:7: .*did not find expected ',' or ']'`)),
			Entry("JSON with a doubled comma", "bad.json",
				`{"openapi": "3.0.3", "info": {"title": "t",, "version": "1"}, "paths": {}}`,
				regexp.MustCompile(`bad\.json:1:\d+: `)),
			Entry("YAML with a tab indentation error", "tabs.yaml",
				"openapi: 3.0.3\ninfo:\n\ttitle: t\n",
				regexp.MustCompile(`tabs\.yaml:3:\d+: `)),
		)

		It("exits 1 when the document is not OpenAPI", func() {
			path := writeSpec("other.yaml", "asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\n")
			code, _, stderr := runOnce("serve", "--spec", path, "--port", "0")
			Expect(code).To(Equal(1))
			Expect(stderr).To(ContainSubstring("load spec " + path))
			Expect(stderr).To(ContainSubstring("not an OpenAPI 3.x or Swagger 2.0 document"))
		})

		It("exits 1 naming a spec file that does not exist", func() {
			code, _, stderr := runOnce("serve", "--spec", "no/such/spec.yaml", "--port", "0")
			Expect(code).To(Equal(1))
			Expect(stderr).To(ContainSubstring("load spec no/such/spec.yaml: open no/such/spec.yaml: no such file or directory"))
		})

		It("explains a port that is already in use", func() {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			defer ln.Close()
			port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
			code, _, stderr := runOnce("serve", "--spec", bookstore, "--port", port)
			Expect(code).To(Equal(1))
			Expect(stderr).To(ContainSubstring("mockd: listen on 127.0.0.1:" + port + ": "))
			Expect(stderr).To(ContainSubstring("address already in use"))
			Expect(stderr).To(ContainSubstring("is another server using the port?"))
		})
	})

	Describe("--seed and --dynamic", func() {
		// sequence sends the same requests, in order, to a fresh server and
		// returns the bodies.
		sequence := func(args ...string) []string {
			inst := startRun(append([]string{"--spec", bookstore, "--port", "0", "--dynamic"}, args...)...)
			var bodies []string
			for _, r := range []struct{ path, key, value string }{
				{"/categories", "", ""},
				{"/books", "", ""},
				{"/authors/1", "X-Api-Key", "k"},
				{"/categories", "", ""},
				{"/books/featured", "", ""},
				{"/admin/stats", "Authorization", "Basic dTpw"},
			} {
				status, _, body := get(inst.base+r.path, r.key, r.value)
				Expect(status).To(Equal(http.StatusOK), "%s: %s", r.path, body)
				Expect(json.Valid([]byte(body))).To(BeTrue(), body)
				bodies = append(bodies, body)
			}
			Expect(inst.stop()).To(Equal(0))
			return bodies
		}

		It("gives identical bodies for the same seed and request sequence", func() {
			first := sequence("--seed", "42")
			second := sequence("--seed", "42")
			Expect(second).To(Equal(first))
			Expect(first[0]).NotTo(Equal(first[3]), "two calls to /categories in one run differ")
			Expect(first[4]).NotTo(ContainSubstring("Introduction to Algorithms"), "--dynamic ignores the example")
		})

		It("gives different bodies for another seed", func() {
			Expect(sequence("--seed", "42")).NotTo(Equal(sequence("--seed", "43")))
		})

		It("prints a random seed when none is given", func() {
			inst := startRun("--spec", bookstore, "--port", "0")
			Expect(string(inst.out.Contents())).To(MatchRegexp(`\(seed \d+, dynamic false, cors true\)`))
		})
	})

	Describe("--errors", func() {
		var path string
		BeforeEach(func() { path = writeSpec("invalid-example.yaml", invalidExampleSpec) })

		It("serves generated data in place of an invalid example by default and warns at start-up", func() {
			inst := startRun("--spec", path, "--port", "0", "--seed", "1")
			status, _, body := get(inst.base + "/count")
			Expect(status).To(Equal(http.StatusOK))
			var v map[string]any
			Expect(json.Unmarshal([]byte(body), &v)).To(Succeed())
			Expect(v["n"]).To(BeAssignableToTypeOf(float64(0)))
			// The summary is logged just after the banner that says mockd listens.
			Eventually(func() string { return string(inst.errOut.Contents()) }, 5*time.Second).
				Should(ContainSubstring(`level=WARN msg="spec loaded with warnings" spec_warnings=0 invalid_examples=1`))
		})

		It("answers 500 with the violations under --errors", func() {
			inst := startRun("--spec", path, "--port", "0", "--errors")
			status, h, body := get(inst.base + "/count")
			Expect(status).To(Equal(http.StatusInternalServerError))
			Expect(h.Get("Content-Type")).To(Equal("application/problem+json"))
			Expect(body).To(ContainSubstring("urn:mockd:problem:response-violations"))
			Expect(body).To(ContainSubstring(`"validation"`))
		})
	})

	Describe("--cors", func() {
		preflight := func(base string) (int, http.Header) {
			req, err := http.NewRequest(http.MethodOptions, base+"/books", nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Origin", "https://app.example")
			req.Header.Set("Access-Control-Request-Method", "POST")
			status, h, _ := do(req)
			return status, h
		}

		It("answers preflights and adds CORS headers by default", func() {
			inst := startRun("--spec", bookstore, "--port", "0")
			status, h := preflight(inst.base)
			Expect(status).To(Equal(http.StatusNoContent))
			Expect(h.Get("Access-Control-Allow-Origin")).To(Equal("*"))
			Expect(h.Get("Access-Control-Allow-Methods")).To(Equal("POST"))
			_, h, _ = get(inst.base+"/books/featured", "Origin", "https://app.example")
			Expect(h.Get("Access-Control-Allow-Origin")).To(Equal("*"))
			Expect(h.Get("Access-Control-Allow-Credentials")).To(BeEmpty(), "credentials only with --cors-origins")
		})

		It("does neither with --cors=false", func() {
			inst := startRun("--spec", bookstore, "--port", "0", "--cors=false")
			Expect(string(inst.out.Contents())).To(ContainSubstring("cors false"))
			status, h := preflight(inst.base)
			Expect(status).To(Equal(http.StatusMethodNotAllowed), "OPTIONS is not declared for /books")
			Expect(h.Get("Access-Control-Allow-Origin")).To(BeEmpty())
			status, h, _ = get(inst.base+"/books/featured", "Origin", "https://app.example")
			Expect(status).To(Equal(http.StatusOK))
			Expect(h.Get("Access-Control-Allow-Origin")).To(BeEmpty())
		})
	})

	Describe("other commands", func() {
		It("prints the version", func() {
			code, stdout, stderr := runOnce("version")
			Expect(code).To(Equal(0))
			Expect(stdout).To(MatchRegexp(`^mockd \S+\n$`))
			Expect(stderr).To(BeEmpty())
			code, stdout2, _ := runOnce("--version")
			Expect(code).To(Equal(0))
			Expect(stdout2).To(Equal(stdout))
		})

		It("prints help on stdout", func() {
			for _, arg := range []string{"help", "-h", "--help"} {
				code, stdout, stderr := runOnce(arg)
				Expect(code).To(Equal(0), arg)
				Expect(stdout).To(ContainSubstring("mockd serve --spec FILE [flags]"), arg)
				Expect(stdout).To(ContainSubstring("mockd version"), arg)
				Expect(stderr).To(BeEmpty(), arg)
			}
		})
	})
})
