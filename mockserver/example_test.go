package mockserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
)

// greeterSpec is a spec given as a value: nothing needs a file on disk.
const greeterSpec = `openapi: 3.0.3
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
              schema: {type: object, properties: {greeting: {type: string}}}
              example: {greeting: hello}
`

// exampleT stands in for the *testing.T of a real test, so that the
// examples can run: NewTest needs Helper, Fatalf, Logf and Cleanup.
type exampleT struct{ cleanups []func() }

func (t *exampleT) Helper()                        {}
func (t *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *exampleT) Logf(format string, a ...any)   { fmt.Printf(format+"\n", a...) }
func (t *exampleT) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) done() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// In a test, pass t (a *testing.T, or GinkgoT() in a Ginkgo suite): the
// server listens on 127.0.0.1, and closes when the test ends.
func ExampleNewTest() {
	t := &exampleT{} // in a real test: func TestX(t *testing.T)
	defer t.done()

	srv := mockserver.NewTest(t, mockserver.Spec(greeterSpec), mockserver.Seed(7))
	resp, err := srv.Client().Get(srv.URL + "/hello")
	if err != nil {
		t.Fatalf("GET /hello: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	// The journal entry lands when the handler returns: wait for it (in
	// Gomega: Eventually(srv.Journal()).Should(...)).
	for srv.Journal().Len() < 1 {
		time.Sleep(time.Millisecond)
	}
	e := srv.Journal().Entries(mockserver.Filter{})[0]
	fmt.Println(e.Method, e.Path, e.Operation, e.Status)
	// Output:
	// 200 {"greeting":"hello"}
	// GET /hello hello 200
}

// Fault rules built in Go: the first request with an Idempotency-Key gets
// 503 with Retry-After: 1, the next one passes.
func ExampleRules() {
	t := &exampleT{}
	defer t.done()

	srv := mockserver.NewTest(t, mockserver.Spec(greeterSpec), mockserver.Rules(fault.Rule{
		Name:     "retry-once",
		Match:    fault.Match{Methods: []string{"GET"}, Path: "/hello"},
		Key:      "header:Idempotency-Key",
		Sequence: []*fault.Fault{{Status: &fault.Status{Code: 503}, RetryAfter: &fault.RetryAfter{Kind: fault.RetryAfterSeconds, Seconds: 1}}, nil},
	}))
	for range 2 {
		req, _ := http.NewRequest("GET", srv.URL+"/hello", nil)
		req.Header.Set("Idempotency-Key", "k1")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET /hello: %v", err)
		}
		_ = resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("X-Mockd-Fault"))
	}
	// Output:
	// 503 1 retry-once/status+retry_after
	// 200
}

// The same kind of rules as a fault file given as text (the format of
// mockd serve --faults): here an outage of the second and third requests.
func ExampleFaultsYAML() {
	t := &exampleT{}
	defer t.done()

	srv := mockserver.NewTest(t, mockserver.Spec(greeterSpec), mockserver.FaultsYAML(`
rules:
  - name: outage
    match: {path: /hello}
    phase: {after_requests: 1, for_requests: 2}
    fault: {status: 503}
`))
	for range 4 {
		resp, err := srv.Client().Get(srv.URL + "/hello")
		if err != nil {
			t.Fatalf("GET /hello: %v", err)
		}
		_ = resp.Body.Close()
		fmt.Print(resp.StatusCode, " ")
	}
	fmt.Println()
	// Output:
	// 200 503 503 200
}

// Outside tests, embed mockd with New and Start; Close the Instance when
// done.
func ExampleServer_Start() {
	srv, err := mockserver.New(mockserver.SpecBytes([]byte(greeterSpec)), mockserver.Seed(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	in, err := srv.Start("127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = in.Shutdown(ctx)
	}()
	resp, err := http.Get(in.URL + "/hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
