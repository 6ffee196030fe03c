package contract_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onsi/gomega"

	"github.com/mockd/mockd/examples/contract"
	. "github.com/mockd/mockd/mockserver/matchers"
	"github.com/mockd/mockd/validator"
)

// checkContract drives the API through a real HTTP client and checks every
// exchange against the spec: the happy paths and the documented errors.
func checkContract(g gomega.Gomega, spec *validator.Spec, baseURL string) {
	post := func(body string) *http.Response {
		resp, err := http.Post(baseURL+"/notes", "application/json", strings.NewReader(body))
		g.Expect(err).NotTo(gomega.HaveOccurred())
		return resp
	}
	get := func(path string) *http.Response {
		resp, err := http.Get(baseURL + path)
		g.Expect(err).NotTo(gomega.HaveOccurred())
		return resp
	}
	for _, tc := range []struct {
		resp      *http.Response
		operation string
		status    int
		invalid   bool // the request breaks the spec on purpose
	}{
		{post(`{"text":"buy milk"}`), "createNote", http.StatusCreated, false},
		{post(`{"text":""}`), "createNote", http.StatusBadRequest, true},
		{get("/notes/1"), "getNote", http.StatusOK, false},
		{get("/notes/99"), "getNote", http.StatusNotFound, false},
	} {
		g.Expect(tc.resp.StatusCode).To(gomega.Equal(tc.status))
		if tc.invalid {
			// The request is invalid on purpose: check that the error
			// response is the documented one.
			g.Expect(tc.resp).To(SatisfyOperation(spec, tc.operation).IgnoringRequest())
		} else {
			g.Expect(tc.resp).To(SatisfyOperation(spec, tc.operation))
		}
		_ = tc.resp.Body.Close()
	}
}

func loadSpec(t *testing.T) *validator.Spec {
	t.Helper()
	spec, err := validator.Load("openapi.yaml", validator.WithFormatAssertions())
	if err != nil {
		t.Fatalf("loading the spec: %v", err)
	}
	return spec
}

func TestNotesSatisfyTheirContract(t *testing.T) {
	srv := httptest.NewServer(contract.NewHandler(nil))
	defer srv.Close()
	checkContract(gomega.NewWithT(t), loadSpec(t), srv.URL)
}

// breakCreated simulates a regression: the handler starts writing Created
// as a Unix time instead of an RFC 3339 date-time.
func breakCreated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if i := bytes.Index(body, []byte(`"created":"`)); i >= 0 {
			end := bytes.IndexByte(body[i+11:], '"')
			body = append(append(append([]byte{}, body[:i]...), `"created":1767225600`...), body[i+11+end+1:]...)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// TestContractTestCatchesARegression proves the contract test fails when the
// handler breaks its contract, and says where.
func TestContractTestCatchesARegression(t *testing.T) {
	srv := httptest.NewServer(breakCreated(contract.NewHandler(func() time.Time { return time.Unix(1767225600, 0) })))
	defer srv.Close()
	var failures []string
	g := gomega.NewGomega(func(message string, _ ...int) { failures = append(failures, message) })
	checkContract(g, loadSpec(t), srv.URL)
	if len(failures) != 2 {
		t.Fatalf("want 2 failures (POST 201 and GET 200), got %d:\n%s", len(failures), strings.Join(failures, "\n\n"))
	}
	for i, want := range []string{
		"Expected POST /notes → 201 to satisfy operation createNote (POST /notes) in openapi.yaml, but it has 1 problem:\n  1. response.body.schema in body at /created",
		"Expected GET /notes/1 → 200 to satisfy operation getNote (GET /notes/{id}) in openapi.yaml, but it has 1 problem:\n  1. response.body.schema in body at /created",
	} {
		if !strings.HasPrefix(failures[i], want) {
			t.Errorf("failure %d:\n%s\nwant the prefix:\n%s", i+1, failures[i], want)
		}
	}
}

// TestHandlerWithoutServer shows the same check on httptest.NewRecorder,
// without a listening server: set resp.Request yourself.
func TestHandlerWithoutServer(t *testing.T) {
	g := gomega.NewWithT(t)
	spec := loadSpec(t)
	h := contract.NewHandler(nil)
	req := httptest.NewRequest("POST", "/notes", strings.NewReader(`{"text":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = httptest.NewRequest("POST", "/notes", strings.NewReader(`{"text":"x"}`))
	resp.Request.Header.Set("Content-Type", "application/json")
	g.Expect(resp).To(SatisfyOperation(spec, "createNote"))
	b, _ := io.ReadAll(resp.Body)
	g.Expect(string(b)).To(gomega.ContainSubstring(`"text":"x"`))
}
