package matchers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver/matchers"
	"github.com/mockd/mockd/validator"
)

// A contract test of a net/http handler: the recorded response (with its
// request) must satisfy the spec. Outside Ginkgo, gomega.NewWithT(t) plays
// the part of the fail handler; here it prints.
func ExampleSatisfyContract() {
	spec, err := validator.Parse([]byte(`openapi: 3.0.3
info: {title: Greeter, version: "1"}
paths:
  /hello:
    get:
      operationId: hello
      responses:
        '200':
          description: a greeting
          content:
            application/json:
              schema:
                type: object
                required: [greeting]
                properties:
                  greeting: {type: string}
`), validator.WithName("greeter.yaml"))
	if err != nil {
		fmt.Println(err)
		return
	}
	handler := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("bug") != "" {
			_, _ = w.Write([]byte(`{"greting":"hi"}`)) // misspelt: the contract test catches it
			return
		}
		_, _ = w.Write([]byte(`{"greeting":"hi"}`))
	}
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(message) })

	for _, target := range []string{"/hello", "/hello?bug=1"} {
		req := httptest.NewRequest("GET", target, nil)
		rec := httptest.NewRecorder()
		handler(rec, req)
		resp := rec.Result()
		resp.Request = req // what http.Client sets for you
		if g.Expect(resp).To(matchers.SatisfyContract(spec)) {
			fmt.Println(target, "satisfies the contract")
		}
	}
	// Output:
	// /hello satisfies the contract
	// Expected GET /hello?bug=1 → 200 to satisfy the contract of greeter.yaml, but it has 1 problem:
	//   1. response.body.schema in body (spec line 13, col 17): 200 response body for '/hello' failed to validate schema — missing property 'greeting' (fix: Ensure that the object being submitted, matches the schema correctly)
}
