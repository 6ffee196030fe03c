package probe_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// faultySpec is the spec the faulty provider claims to implement.
const faultySpec = "testdata/faulty.yaml"

// plantedFault is one violation the faulty provider commits, on one
// operation: the request side (before mockd answers) and/or the response
// side (after).
type plantedFault struct {
	before func(r *http.Request)
	after  func(rec *httptest.ResponseRecorder)
}

// jsonEdit rewrites a 2xx JSON response body.
func jsonEdit(edit func(v any) any) func(*httptest.ResponseRecorder) {
	return func(rec *httptest.ResponseRecorder) {
		if rec.Code >= 300 {
			return
		}
		var v any
		if json.Unmarshal(rec.Body.Bytes(), &v) != nil {
			return
		}
		b, _ := json.Marshal(edit(v))
		rec.Body = bytes.NewBuffer(b)
	}
}

// faults are the planted violations by path: mockd answers correctly,
// then each fault breaks one thing.
var faults = map[string]plantedFault{
	// 1. a required response field is missing
	"/items GET": {after: jsonEdit(func(v any) any {
		for _, it := range v.([]any) {
			delete(it.(map[string]any), "name")
		}
		return v
	})},
	// 2. a 5xx on invalid input
	"/items POST": {after: func(rec *httptest.ResponseRecorder) {
		if rec.Code >= 400 {
			rec.Code, rec.Body = http.StatusInternalServerError, bytes.NewBufferString(`{"error":"nil pointer"}`)
		}
	}},
	// 3. an undeclared status
	"/items/ GET": {after: func(rec *httptest.ResponseRecorder) {
		if rec.Code == http.StatusOK {
			rec.Code = http.StatusAccepted
		}
	}},
	// 4. a wrong response content type
	"/report GET": {after: func(rec *httptest.ResponseRecorder) { rec.Header().Set("Content-Type", "text/html") }},
	// 5. an ignored auth check
	"/secret GET": {before: func(r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer anything")
		}
	}},
	// 6. an out-of-bounds value accepted (clamped)
	"/search GET": {before: func(r *http.Request) {
		if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && (n < 1 || n > 100) {
			r.URL.RawQuery = "limit=50"
		}
	}},
	// 7. a missing required parameter accepted (defaulted)
	"/lookup GET": {before: func(r *http.Request) {
		if !r.URL.Query().Has("q") {
			r.URL.RawQuery = url.Values{"q": {"default"}}.Encode()
		}
	}},
	// 8. a response property of the wrong type
	"/counter GET": {after: jsonEdit(func(v any) any { v.(map[string]any)["count"] = "seven"; return v })},
	// 9. a response value outside its enum
	"/status GET": {after: jsonEdit(func(v any) any { v.(map[string]any)["state"] = "exploded"; return v })},
	// 10. a required response header missing
	"/paged GET": {after: func(rec *httptest.ResponseRecorder) { rec.Header().Del("X-Total-Count") }},
	// 11. a server error on valid input
	"/crash GET": {after: func(rec *httptest.ResponseRecorder) {
		rec.Code, rec.Body = http.StatusServiceUnavailable, bytes.NewBufferString("down")
		rec.Header().Set("Content-Type", "text/plain")
	}},
	// 12. a valid request rejected
	"/notes POST": {after: func(rec *httptest.ResponseRecorder) {
		if rec.Code < 300 {
			rec.Code, rec.Body = http.StatusBadRequest, bytes.NewBufferString(`{"title":"no"}`)
			rec.Header().Set("Content-Type", "application/problem+json")
		}
	}},
	// 13. an undeclared request content type accepted
	"/settings PUT": {before: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }},
	// 14. a writeOnly property in a response
	"/profile GET": {after: jsonEdit(func(v any) any { v.(map[string]any)["password"] = "hunter22"; return v })},
}

// faultyProvider is mockd serving faultySpec with the faults applied.
func faultyProvider() *httptest.Server {
	GinkgoHelper()
	mock, err := mockserver.New(mockserver.SpecFile(faultySpec), mockserver.Seed(5))
	Expect(err).NotTo(HaveOccurred())
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path + " " + r.Method
		if strings.HasPrefix(r.URL.Path, "/items/") {
			key = "/items/ " + r.Method
		}
		f := faults[key]
		if f.before != nil {
			f.before(r)
		}
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, r)
		if f.after != nil {
			f.after(rec)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
}

var _ = Describe("contract test against a faulty provider", func() {
	It("finds each of the 14 planted violations exactly once, with a curl line that reproduces it", func() {
		srv := faultyProvider()
		defer srv.Close()
		_, res := testProvider(faultySpec, srv.URL)
		want := map[string]string{
			"listItems":   validator.CheckResponseBody,
			"createItem":  contract.CheckServerError,
			"getItem":     validator.CheckResponseStatus,
			"getReport":   validator.CheckResponseMedia,
			"getSecret":   contract.CheckInvalidAccepted,
			"search":      contract.CheckInvalidAccepted,
			"lookup":      contract.CheckInvalidAccepted,
			"getCounter":  validator.CheckResponseBody,
			"getStatus":   validator.CheckResponseBody,
			"listPaged":   validator.CheckResponseHeader,
			"crash":       contract.CheckServerError,
			"createNote":  contract.CheckValidRejected,
			"putSettings": contract.CheckInvalidAccepted,
			"getProfile":  validator.CheckWriteOnly,
		}
		got := map[string]string{}
		for _, g := range res.Groups {
			f := g.Finding
			if f.Severity == validator.SeverityInfo {
				continue
			}
			Expect(got).NotTo(HaveKey(f.OperationID), "a second finding for %s:\n%s", f.OperationID, describe(res))
			got[f.OperationID] = f.Check
			Expect(f.Reproduce).To(HavePrefix("curl -sS -i -X "+f.Method+" '"+srv.URL), f.OperationID)
			reproduce(f.Reproduce, srv.URL, f)
		}
		Expect(got).To(Equal(want), describe(res))
	})
})

// reproduce runs the curl line's request again (parsed, not through a
// shell) and expects the status that made the finding.
func reproduce(curl, base string, f contract.Finding) {
	GinkgoHelper()
	fields := shellFields(curl)
	Expect(len(fields)).To(BeNumerically(">=", 6), curl)
	req, err := http.NewRequest(fields[4], fields[5], nil)
	Expect(err).NotTo(HaveOccurred())
	for i := 6; i+1 < len(fields); i += 2 {
		switch fields[i] {
		case "-H":
			k, v, _ := strings.Cut(fields[i+1], ": ")
			req.Header.Set(k, v)
		case "--data-binary":
			req.Body = io.NopCloser(strings.NewReader(fields[i+1]))
			req.ContentLength = int64(len(fields[i+1]))
		}
	}
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	if f.Check == contract.CheckInvalidAccepted {
		Expect(resp.StatusCode).To(BeNumerically("<", 400), "%s: %s", f.OperationID, curl)
	}
	if f.Check == contract.CheckServerError {
		Expect(resp.StatusCode).To(BeNumerically(">=", 500), "%s: %s", f.OperationID, curl)
	}
}

// shellFields splits a command line of plain words and single-quoted
// strings (with '\” inside), as Curl writes it.
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	in, started := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case in && ch == '\'':
			in = false
		case in:
			cur.WriteByte(ch)
		case ch == '\'':
			in, started = true, true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			started = true
		case ch == ' ':
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteByte(ch)
			started = true
		}
	}
	if started {
		out = append(out, cur.String())
	}
	return out
}
