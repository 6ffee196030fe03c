package contract_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

const encodedPathSpec = "testdata/encoded-path.yaml"

// The checker must route a path as sent (escaped), as mockd serve does: a
// %2F inside a path parameter is part of the value, not a separator.
var _ = Describe("contract check of percent-encoded paths", func() {
	var (
		spec    *validator.Spec
		checker *contract.Checker
	)
	BeforeEach(func() {
		spec = loadSpecFile(encodedPathSpec)
		checker = newChecker(spec, contract.CheckConfig{})
	})
	errorChecks := func(fs []contract.Finding) []string {
		var out []string
		for _, f := range fs {
			if f.Severity == validator.SeverityError {
				out = append(out, f.Check)
			}
		}
		return out
	}

	DescribeTable("routes the escaped path to the operation mockd serve routes it to, with the verdict",
		func(target string, status int, respBody, wantTemplate string, wantErrors []string) {
			respH := map[string]string{}
			if respBody != "" {
				respH["Content-Type"] = "application/json"
			}
			out := checker.Check(ix(http.MethodGet, "http://api.example.com"+target, nil, "", status, respH, respBody))

			// The mock's own routing of the same request is the reference.
			mockOp, mockErr := spec.Router().Find(httptest.NewRequest(http.MethodGet, target, nil))
			if wantTemplate == "" {
				Expect(mockErr).To(HaveOccurred(), "mockd serve routes %s", target)
				Expect(out.Operation).To(BeNil())
				Expect(out.Undocumented).NotTo(BeEmpty())
			} else {
				Expect(mockErr).NotTo(HaveOccurred())
				Expect(mockOp.Path).To(Equal(wantTemplate))
				Expect(out.Operation).NotTo(BeNil(), "findings: %v", checks(out.Findings))
				Expect(out.Operation.Path).To(Equal(wantTemplate))
			}
			if wantErrors == nil {
				Expect(errorChecks(out.Findings)).To(BeEmpty(), "findings: %v", out.Findings)
			} else {
				Expect(errorChecks(out.Findings)).To(Equal(wantErrors))
			}
		},
		Entry("an ARN with %2F in a value (chime-sdk-messaging)",
			"/v1/channels/arn:aws:chime:us-east-1:123:app-instance%2Fabc%2Fchannel%2Fdef", 200, `{"arn":"a"}`, "/channels/{channelArn}", nil),
		Entry("an ARN with %3A and %2F escaped",
			"/v1/channels/arn%3Aaws%3Achime%3Aus-east-1%3A1%3Achannel%2Fx", 200, `{"arn":"a"}`, "/channels/{channelArn}", nil),
		Entry("%2F in the first of two parameters",
			"/v1/channels/arn:aws:x%2Fy/messages/m1", 204, "", "/channels/{channelArn}/messages/{messageId}", nil),
		Entry("encoded and unencoded slashes in one path",
			"/v1/channels/arn:aws:x%2Fy%2Fz/messages/m%2F1", 204, "", "/channels/{channelArn}/messages/{messageId}", nil),
		Entry("an unencoded slash inside the ARN is a separator: undocumented",
			"/v1/channels/arn:aws:x/y", 200, `{"arn":"a"}`, "", []string{validator.CheckUnknownPath}),
		Entry("%25 in a value", "/v1/files/100%25done", 204, "", "/files/{name}", nil),
		Entry("%2525 (an escaped '%25') in a value", "/v1/files/a%2525b", 204, "", "/files/{name}", nil),
		Entry("a literal space sent as %20", "/v1/files/my%20file.txt", 204, "", "/files/{name}", nil),
		Entry("a '+' (not a space in a path)", "/v1/files/a+b", 204, "", "/files/{name}", nil),
		Entry("a trailing slash: undocumented", "/v1/files/x/", 204, "", "", []string{validator.CheckUnknownPath}),
		Entry("a double slash: undocumented", "/v1//files/x", 204, "", "", []string{validator.CheckUnknownPath}),
		Entry("an empty ARN between two slashes reaches the operation, which rejects it",
			"/v1/channels//messages/m1", 204, "", "/channels/{channelArn}/messages/{messageId}", []string{validator.CheckPathParam}),
		Entry("a value that breaks the pattern after decoding (%20 is a space)",
			"/v1/channels/arn:a%20b", 200, `{"arn":"a"}`, "/channels/{channelArn}", []string{validator.CheckPathParam}),
	)

	It("names an undocumented path as sent, %2F kept", func() {
		out := checker.Check(ix(http.MethodGet, "http://api.example.com/v1/nothing/a%2Fb", nil, "", 404, nil, ""))
		Expect(out.Undocumented).To(Equal("GET /nothing/a%2Fb"))
	})

	It("strips a --server base path that needs escaping from the escaped path", func() {
		c := newChecker(spec, contract.CheckConfig{Server: "http://gw.example.com/my%20gw"})
		out := c.Check(ix(http.MethodGet, "http://gw.example.com/my%20gw/v1/channels/arn:a%2Fb", nil, "", 200,
			map[string]string{"Content-Type": "application/json"}, `{"arn":"a"}`))
		Expect(out.Operation).NotTo(BeNil(), "findings: %v", checks(out.Findings))
		Expect(out.Operation.Path).To(Equal("/channels/{channelArn}"))
	})

	It("keeps %2F through record → cassette → check", func() {
		const arnPath = "/v1/channels/arn:aws:chime:us-east-1:1:app-instance%2Fa%2Fchannel%2Fb"
		var seen string
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r.URL.EscapedPath()
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"arn":"a"}`))
		}))
		defer upstream.Close()
		path := filepath.Join(GinkgoT().TempDir(), "chime.yaml")
		rt, stop, err := recorder.NewRoundTripper(path, http.DefaultTransport)
		Expect(err).NotTo(HaveOccurred())
		resp, err := (&http.Client{Transport: rt}).Get(upstream.URL + arnPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(stop()).To(Succeed())
		Expect(seen).To(Equal(arnPath))

		saved, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(saved)).To(ContainSubstring(arnPath))
		r := runPaths(newChecker(spec, contract.CheckConfig{}), 1, path)
		Expect(r.Groups).To(BeEmpty())
		Expect(r.Coverage.Undocumented).To(BeEmpty())
		Expect(r.Coverage.OperationsSeen).To(Equal(1))
	})

	It("lets the contract proxy route and forward a %2F ARN (Enforce)", func() {
		const arnPath = "/v1/channels/arn:aws:chime:us-east-1:1:app-instance%2Fa"
		arn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"arn":"a"}`))
		})
		p, base := startProxy(spec, contract.CheckConfig{}, arn, contract.ProxyConfig{Enforce: true})
		resp, body := get(base + arnPath)
		Expect(resp.StatusCode).To(Equal(http.StatusOK), body)
		Expect(resp.Header.Get(contract.ViolationsHeader)).To(Equal("0"))
		Expect(p.Result().Coverage.Undocumented).To(BeEmpty())
	})
})

func loadSpecFile(path string) *validator.Spec {
	spec, err := validator.Load(path)
	Expect(err).NotTo(HaveOccurred())
	return spec
}
