package contract_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

var (
	fuzzCheckerOnce sync.Once
	fuzzChecker     *contract.Checker
)

// FuzzCheckInteraction checks arbitrary interactions against the contract
// fixture spec: the checker must never panic (nor let the validator library
// panic), whatever the method, URL, headers, bodies and status.
func FuzzCheckInteraction(f *testing.F) {
	f.Add("GET", "http://localhost:8080/books?limit=2", "Accept: application/json", []byte(""), 200, "application/json", []byte(`[{"title":"x","price":1}]`))
	f.Add("POST", "/v1/books", "Content-Type: application/json\nAuthorization: Bearer x", []byte(`{"title":"\xff","price":"1"}`), 201, "application/json", []byte("\x00\x01"))
	f.Add("GET", "/v1/books/%zz", "", []byte(nil), 999, "", []byte(nil))
	f.Add("DELETE", "//v1//books/1?x=%", "Cookie: sid=;;", []byte("a"), 204, "text/plain; charset=\xff", []byte("b"))
	f.Add("PATCH", "http://[::1]:0/v1/session", "Content-Encoding: gzip", []byte("\x1f\x8b"), 0, "application/problem+json", []byte(`{"format":{"kind":1}}`))
	f.Fuzz(func(t *testing.T, method, rawURL, headers string, reqBody []byte, status int, respCT string, respBody []byte) {
		fuzzCheckerOnce.Do(func() {
			spec, err := validator.Load(contractSpec)
			if err != nil {
				t.Fatal(err)
			}
			fuzzChecker, err = contract.NewChecker(spec, contract.CheckConfig{})
			if err != nil {
				t.Fatal(err)
			}
		})
		u, err := url.Parse(rawURL)
		if err != nil {
			u = &url.URL{Path: rawURL}
		}
		reqH := http.Header{}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				reqH.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		respH := http.Header{}
		if respCT != "" {
			respH.Set("Content-Type", respCT)
		}
		ix := &recorder.Interaction{Method: method, URL: u, RequestHeader: reqH, RequestBody: reqBody,
			Status: status, ResponseHeader: respH, ResponseBody: respBody}
		out := fuzzChecker.Check(ix)
		for _, f := range out.Findings {
			if strings.Contains(f.Message, "could not be checked") || strings.Contains(f.Message, "validator panic") {
				t.Fatalf("checker failed: %s", f.Message)
			}
		}
	})
}
