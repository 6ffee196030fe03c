package retry_test

import (
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
	. "github.com/mockd/mockd/mockserver/matchers"
	"github.com/mockd/mockd/validator"
)

// The spec of the API the client talks to (your own spec file works the
// same: mockserver.Spec("api.yaml")).
const specPath = "../../fixtures/bookstore.yaml"

// retryTwice answers the first two attempts of each Idempotency-Key with
// 503 and Retry-After: 1, then lets the request through to the mock.
var retryTwice = fault.Rule{
	Name:  "create-retries",
	Match: fault.Match{Methods: []string{"POST"}, Path: "/books"},
	Key:   "header:Idempotency-Key",
	Sequence: []*fault.Fault{
		{Status: &fault.Status{Code: 503}, RetryAfter: &fault.RetryAfter{Kind: fault.RetryAfterSeconds, Seconds: 1}},
		{Status: &fault.Status{Code: 503}, RetryAfter: &fault.RetryAfter{Kind: fault.RetryAfterSeconds, Seconds: 1}},
		nil, // pass
	},
}

// createBook is the code under test: one POST /books with an idempotency
// key, through whatever client the application is configured with.
func createBook(client *http.Client, baseURL, key string) (*http.Response, error) {
	req, err := http.NewRequest("POST", baseURL+"/books",
		strings.NewReader(`{"isbn":"978-0-13-468599-1","title":"Go","price":{"amount":1,"currency":"USD"}}`))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Idempotency-Key", key)
	return client.Do(req)
}

// retryingClient is the application's client: go-retryablehttp honours
// Retry-After on 429 and 503.
func retryingClient() *http.Client {
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rc.RetryMax = 4
	rc.RetryWaitMin = 10 * time.Millisecond
	rc.RetryWaitMax = 3 * time.Second
	c := rc.StandardClient()
	c.Timeout = 10 * time.Second
	return c
}

// expectRetriedPolitely is what the example asserts: three attempts with
// the key, each at least the Retry-After second after the one before.
func expectRetriedPolitely(srv *mockserver.TestServer, key string) {
	GinkgoHelper()
	// Entries land as the handler returns, just after the client has its
	// response: poll for them.
	Eventually(srv.Journal()).WithTimeout(time.Second).Should(HaveAttempts("Idempotency-Key", key, 3))
	Expect(srv.Journal()).To(HaveGapsAtLeast(time.Second).ForKey("Idempotency-Key", key))
}

var _ = Describe("A retrying client against a 503 sequence with Retry-After", func() {
	var (
		spec *validator.Spec
		srv  *mockserver.TestServer
	)
	BeforeEach(func() {
		var err error
		spec, err = validator.Load(specPath, validator.WithFormatAssertions())
		Expect(err).NotTo(HaveOccurred())
		srv = mockserver.NewTest(GinkgoT(), mockserver.WithSpec(spec), mockserver.Rules(retryTwice), mockserver.Seed(7))
	})

	It("retries until the request goes through, honouring Retry-After", func() {
		resp, err := createBook(retryingClient(), srv.URL, "k1")
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusCreated))
		Expect(resp).To(SatisfyOperation(spec, "createBook"))
		expectRetriedPolitely(srv, "k1")
	})

	// The example fails when the behaviour it shows regresses: the same
	// assertions reject a client that does not retry, and one that retries
	// without waiting.
	Context("when the client regresses", func() {
		It("fails the attempts assertion for a client without retries", func() {
			resp, err := createBook(srv.Client(), srv.URL, "k2")
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
			failure := InterceptGomegaFailure(func() { expectRetriedPolitely(srv, "k2") })
			Expect(failure).To(MatchError(ContainSubstring("Expected 3 attempts with Idempotency-Key: k2, but the journal has 1:\n    #1 POST /books → 503")))
		})

		It("fails the gaps assertion for a client that ignores Retry-After", func() {
			rc := retryablehttp.NewClient()
			rc.Logger = nil
			rc.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 10 * time.Millisecond }
			resp, err := createBook(rc.StandardClient(), srv.URL, "k3")
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
			failure := InterceptGomegaFailure(func() { expectRetriedPolitely(srv, "k3") })
			Expect(failure).To(MatchError(MatchRegexp(`^Expected at least 1s between consecutive attempts with Idempotency-Key: k3, but #\d+ came \d+(\.\d+)?ms after #\d+ \(2 gaps are too short\):`)))
		})
	})
})
