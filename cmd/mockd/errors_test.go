package main

import (
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/internal/cli"
)

// badRules are fault rule files (YAML, and JSON, which the same parser reads)
// with the message each must give.
var badRules = []TableEntry{
	Entry("rules not a list", "rules: 5\n", "rules must be a list"),
	Entry("a rule as a list", "rules:\n  - [1, 2]\n", "a rule must be a mapping, not a list"),
	Entry("an unknown rule key", "rules:\n  - name: a\n    when: {path: /a}\n    fault: {status: 503}\n", `unknown key "when" in a rule`),
	Entry("a status that is not a number", "rules:\n  - name: a\n    fault: {status: abc}\n", `status "abc" is not an integer`),
	Entry("a latency that is not a duration", "rules:\n  - name: a\n    fault: {latency: fast}\n", `latency "fast" is not a duration (fix: write a duration such as 250ms`),
	Entry("an unknown fault key", "rules:\n  - name: a\n    fault: {body: {a: 1}}\n", `unknown key "body" in fault`),
	Entry("a rate above 1", "rules:\n  - name: a\n    fault: {status: 503}\n    rate: 2\n", "rate 2 is outside [0,1]"),
	Entry("match headers as a number", "rules:\n  - name: a\n    match: {headers: 5}\n    fault: {status: 503}\n", "headers must be a mapping"),
	Entry("a negative seed", "seed: -1\nrules: []\n", `seed "-1" is not an unsigned 64-bit integer`),
	Entry("JSON: then as an object", `{"rules": [{"name": "a", "then": {"status": "x"}}]}`, "then must be a single value, not a mapping"),
	Entry("JSON: rules as an object", `{"rules": {"name": "a"}}`, "rules must be a list"),
}

var _ = Describe("errors about files and bodies the user wrote", func() {
	DescribeTable("a bad --faults file exits 1 naming the file and the place, in no Go terms",
		func(content, want string) {
			path := writeSpec("rules.yaml", content)
			code, stdout, stderr := runOnce("serve", "--spec", bookstore, "--port", "0", "--faults", path)
			Expect(code).To(Equal(1))
			Expect(stdout).To(BeEmpty())
			Expect(stderr).To(HavePrefix("mockd: " + path + ":"))
			Expect(stderr).To(ContainSubstring(want))
			Expect(cli.GoNames.FindAllString(stderr, -1)).To(BeEmpty(), stderr)
		},
		badRules,
	)

	Describe("the admin API", func() {
		var inst *instance
		BeforeEach(func() { inst = startRun("--spec", bookstore, "--port", "0") })

		send := func(method, path, body string) (int, string) {
			GinkgoHelper()
			req, err := http.NewRequest(method, inst.base+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/yaml")
			if strings.HasPrefix(body, "{") {
				req.Header.Set("Content-Type", "application/json")
			}
			status, _, answer := do(req)
			var problem struct{ Detail string }
			Expect(json.Unmarshal([]byte(answer), &problem)).To(Succeed(), answer)
			return status, problem.Detail
		}

		DescribeTable("answers a bad POST /__mockd/faults body with 422 naming the place, in no Go terms",
			func(content, want string) {
				status, answer := send(http.MethodPost, "/__mockd/faults", content)
				Expect(status).To(Equal(http.StatusUnprocessableEntity), answer)
				Expect(answer).To(HavePrefix("POST /__mockd/faults:"))
				Expect(answer).To(ContainSubstring(want))
				Expect(cli.GoNames.FindAllString(answer, -1)).To(BeEmpty(), answer)
			},
			badRules,
		)

		It("answers an unknown rule name in the URL with 404 in the admin API's terms", func() {
			for _, c := range []struct{ method, path string }{
				{http.MethodDelete, "/__mockd/faults/nope"},
				{http.MethodPost, "/__mockd/faults/nope/arm"},
			} {
				status, answer := send(c.method, c.path, "")
				Expect(status).To(Equal(http.StatusNotFound), answer)
				Expect(answer).To(ContainSubstring(`no fault rule named "nope" (GET /__mockd/faults lists the rules in effect)`))
				Expect(cli.GoNames.FindAllString(answer, -1)).To(BeEmpty(), answer)
			}
		})
	})

	It("names the field of a bad --cassette in no Go terms", func() {
		path := writeSpec("bad.yaml", "version: 2\ninteractions:\n- request: {method: GET, url: \"http://x/\", headers: [1]}\n  response: {code: 200}\n")
		code, _, stderr := runOnce("serve", "--cassette", path, "--port", "0")
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring(path + ":3: interaction 0: request.headers: invalid field value"))
		Expect(cli.GoNames.FindAllString(stderr, -1)).To(BeEmpty(), stderr)
	})
})
