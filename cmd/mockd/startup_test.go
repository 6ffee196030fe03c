package main

import (
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const brokenRefs = "../../fixtures/broken-refs/api.yaml"

// health fetches GET /__mockd/health.
func health(base string) map[string]any {
	GinkgoHelper()
	status, _, body := get(base + "/__mockd/health")
	Expect(status).To(Equal(http.StatusOK), body)
	var h map[string]any
	Expect(json.Unmarshal([]byte(body), &h)).To(Succeed())
	return h
}

var _ = Describe("start-up with a spec that has problems", func() {
	It("refuses broken $refs: exit 1, file:line:col of each, no library log lines", func() {
		code, stdout, stderr := runOnce("serve", "--spec", brokenRefs, "--port", "0")
		Expect(code).To(Equal(1))
		Expect(stdout).To(BeEmpty())
		Expect(stderr).To(HavePrefix("mockd: load spec " + brokenRefs + ": 4 broken $ref(s): fix each one (or start with --lenient to serve the operations that do not use them)\n"))
		for _, place := range []string{
			brokenRefs + ":23:30: $ref '#/components/schemas/Missing'",
			brokenRefs + ":32:30: $ref './schemas/nofile.yaml#/Thing': file ./schemas/nofile.yaml not found",
			brokenRefs + ":66:23: $ref '#/components/schemas/AlsoMissing'",
			"../../fixtures/broken-refs/schemas/thing.yaml:4:18: $ref '#/Nowhere'",
		} {
			Expect(stderr).To(ContainSubstring(place))
		}
		Expect(stderr).NotTo(ContainSubstring("level="), "no raw library log lines")
	})

	It("serves the rest with --lenient and lists the disabled operations (start-up and health)", func() {
		inst := startRun("--spec", brokenRefs, "--port", "0", "--lenient")
		out := string(inst.out.Contents())
		Expect(out).To(ContainSubstring("2 operations"))
		Expect(out).To(ContainSubstring("disabled by --lenient (broken $refs): 4 operations\n" +
			"    GET /missing-local (uses " + brokenRefs + ":23:30 $ref '#/components/schemas/Missing')\n"))
		Expect(out).To(ContainSubstring("    POST /through-component (uses "))
		Expect(string(inst.errOut.Contents())).NotTo(ContainSubstring("level=ERROR"))

		status, _, body := get(inst.base + "/ok")
		Expect(status).To(Equal(http.StatusOK), body)
		status, _, _ = get(inst.base + "/missing-local")
		Expect(status).To(Equal(http.StatusNotFound))
		disabled := health(inst.base)["disabled"]
		Expect(disabled).To(HaveLen(4))
		Expect(disabled).To(ContainElement("GET /in-external-file (uses ../../fixtures/broken-refs/schemas/thing.yaml:4:18 $ref '#/Nowhere')"))
	})

	It("sums up invalid examples in one warning line; details at debug level and in health", func() {
		path := writeSpec("invalid-examples.yaml", manyInvalidExamples)
		inst := startRun("--spec", path, "--port", "0")
		Eventually(func() string { return string(inst.errOut.Contents()) }).Should(ContainSubstring("spec loaded with warnings"))
		errOut := string(inst.errOut.Contents())
		Expect(strings.Count(errOut, "level=WARN")).To(Equal(1), errOut)
		Expect(errOut).To(ContainSubstring(`level=WARN msg="spec loaded with warnings" spec_warnings=0 invalid_examples=3`))
		Expect(errOut).NotTo(ContainSubstring("200 response body for '/'"))

		warnings := health(inst.base)["warnings"]
		Expect(warnings).To(ConsistOf(
			"GET /a default response application/json: example is invalid against its schema (served with generated data instead): at /ok: value must be true",
			"GET /b 200 response application/json: example is invalid against its schema (served with generated data instead): at /ok: value must be true",
			"GET /c 201 response application/json: example is invalid against its schema (served with generated data instead): at /ok: value must be true",
		))
	})

	It("logs each warning at debug level, worded after the response it belongs to", func() {
		path := writeSpec("invalid-examples.yaml", manyInvalidExamples)
		inst := startRun("--spec", path, "--port", "0", "--log-level", "debug")
		Eventually(func() string { return string(inst.errOut.Contents()) }).Should(ContainSubstring("spec loaded with warnings"))
		errOut := string(inst.errOut.Contents())
		Expect(errOut).To(ContainSubstring(`level=DEBUG msg="invalid example" warning="GET /a default response application/json: example is invalid`))
		Expect(errOut).NotTo(ContainSubstring("200 response body for '/'"))
	})
})

var _ = Describe("start-up timings", func() {
	It("logs how long each phase took at debug level, spec load phases first", func() {
		inst := startRun("--spec", "../../fixtures/bookstore.yaml", "--port", "0", "--log-level", "debug")
		Eventually(func() string { return string(inst.errOut.Contents()) }).Should(ContainSubstring(`phase=listen`))
		errOut := string(inst.errOut.Contents())
		var phases []string
		for _, line := range strings.Split(errOut, "\n") {
			if _, rest, ok := strings.Cut(line, " phase="); ok && strings.Contains(line, "took=") {
				phases = append(phases, strings.Fields(rest)[0])
			}
		}
		Expect(phases).To(Equal([]string{"read", "parse", "model", "refs", "patterns", "operations", "router", "validator", "server", "listen"}), errOut)
	})
})

// manyInvalidExamples has three responses whose example breaks its schema,
// one of them a default response.
const manyInvalidExamples = `
openapi: 3.0.3
info: {title: slack-like, version: "1"}
paths:
  /a:
    get:
      responses:
        default:
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean, enum: [true]}}}
              example: {ok: false}
  /b:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean, enum: [true]}}}
              example: {ok: false}
  /c:
    get:
      responses:
        "201":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean, enum: [true]}}}
              example: {ok: false}
`
