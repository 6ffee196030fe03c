package contract_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// Check a recorded cassette against its spec, list the findings and gate
// the result as a CI job would.
func Example() {
	spec, err := validator.Load("../fixtures/contract/api.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	checker, err := contract.NewChecker(spec, contract.CheckConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	traffic := []string{"../fixtures/contract/violations/response-body-schema.yaml"}
	result, err := checker.Run(context.Background(), func(ctx context.Context, emit func(*recorder.Interaction) error) error {
		return recorder.ReadTraffic(ctx, traffic, emit)
	}, contract.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range result.Groups {
		f := g.Finding
		fmt.Printf("%s %s in %s at %s (spec line %d)\n", f.Severity, f.Check, f.OperationID, f.Pointer, f.SpecLine)
		fmt.Printf("  %s, seen in %s\n", f.Detail, g.Occurrences[0].String())
	}
	gate := result.Evaluate(contract.Thresholds{MinCoverage: 50})
	fmt.Println("passed:", gate.Passed, gate.Failures)
	// Output:
	// error response.body.schema in getBook at /format/sizeBytes (spec line 154)
	//   got string, want integer, seen in ../fixtures/contract/violations/response-body-schema.yaml#0
	// passed: false [1 error finding(s) operation coverage 16.7% is below Thresholds.MinCoverage 50.0%]
}

// Put a validating proxy in front of a service (here a stand-in that
// answers with a negative price): each exchange is checked both ways, the
// answer carries its violation count, and Result reports the traffic so far.
func ExampleNewProxy() {
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"title":"Go","price":-1}`)
	}))
	defer service.Close()
	spec, err := validator.Load("../fixtures/contract/api.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	checker, err := contract.NewChecker(spec, contract.CheckConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	upstream, err := url.Parse(service.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	proxy, err := contract.NewProxy(contract.ProxyConfig{Checker: checker, Upstream: upstream})
	if err != nil {
		fmt.Println(err)
		return
	}
	front := httptest.NewServer(proxy) // or http.Server{Handler: proxy}
	defer front.Close()

	resp, err := http.Get(front.URL + "/v1/books/2")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = resp.Body.Close()
	fmt.Println(resp.StatusCode, contract.ViolationsHeader+":", resp.Header.Get(contract.ViolationsHeader))
	for _, g := range proxy.Result().Groups {
		fmt.Println(g.Finding.Severity, g.Finding.Check, g.Finding.Pointer, g.Finding.Detail)
	}
	// Output:
	// 200 X-Contract-Violations: 1
	// error response.body.schema /price minimum: got -1, want 0
}
