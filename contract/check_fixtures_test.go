package contract_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// The contract fixtures in fixtures/contract are generated from the tables
// below: CONTRACT_UPDATE_FIXTURES=1 go test -run TestGenerateContractFixtures ./validator/
// rewrites them (commit the result). The suite checks the committed files.

const fixtureDir = "../fixtures/contract"

const book = `{"id":1,"title":"The Go Programming Language","price":34.99,"published":"2015-10-26","format":{"kind":"paperback","pages":380}}`
const ebook = `{"id":2,"title":"The Linux Command Line","price":29.95,"format":{"kind":"ebook","sizeBytes":5242880}}`
const problem = `{"title":"Bad request","status":400}`

func ia(method, rawURL string, reqH map[string]string, reqBody string, code int, respH map[string]string, respBody string) *cassette.Interaction {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	it := &cassette.Interaction{
		Request: cassette.Request{Method: method, URL: rawURL, Host: u.Host, RequestURI: u.RequestURI(), Body: reqBody,
			Headers: http.Header{}, Form: url.Values{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(reqBody))},
		Response: cassette.Response{Code: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)), Body: respBody,
			Headers: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(respBody))},
	}
	for k, v := range reqH {
		it.Request.Headers.Set(k, v)
	}
	for k, v := range respH {
		it.Response.Headers.Set(k, v)
	}
	return it
}

var (
	jsonCT    = map[string]string{"Content-Type": "application/json"}
	problemCT = map[string]string{"Content-Type": "application/problem+json"}
	bearer    = map[string]string{"Authorization": "Bearer REDACTED"}
	bearerCT  = map[string]string{"Authorization": "Bearer REDACTED", "Content-Type": "application/json"}
	listHdrs  = map[string]string{"Content-Type": "application/json", "X-Total-Count": "2", "X-Rate-Remaining": "99"}
)

// cleanV2 is traffic that conforms, recorded against several hosts and
// base paths (localhost without base path, staging and prod with /v1).
func cleanV2() []*cassette.Interaction {
	gz := ia("GET", "https://prod.api.example.com/v1/books/2", map[string]string{"Accept-Encoding": "gzip"}, "", 200,
		map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, gzipString(ebook))
	return []*cassette.Interaction{
		ia("GET", "http://localhost:8080/books?limit=2", nil, "", 200, listHdrs, "["+book+","+ebook+"]"),
		ia("GET", "https://staging.api.example.com/v1/books?limit=0", nil, "", 400, problemCT, problem),
		ia("POST", "https://prod.api.example.com/v1/books", bearerCT, `{"title":"New","price":10,"internalNotes":"buy more"}`, 201, jsonCT, `{"id":3,"title":"New","price":10}`),
		// The server rightly rejects an invalid request: its findings are downgraded to info.
		ia("POST", "https://prod.api.example.com/v1/books", bearerCT, `{"price":"free"}`, 422, problemCT, `{"title":"Invalid book","status":422}`),
		ia("GET", "http://localhost:8080/v1/books/1", nil, "", 200, jsonCT, book),
		gz,
	}
}

func cleanNDJSON() []*cassette.Interaction {
	return []*cassette.Interaction{
		ia("GET", "http://localhost:9090/ops/status", nil, "", 200, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "ok"),
		ia("GET", "https://api.example.com/v1/session", map[string]string{"Cookie": "sid=abcdefgh12"}, "", 200, jsonCT, `{"user":"ann"}`),
	}
}

func cleanHAR() []*cassette.Interaction {
	return []*cassette.Interaction{
		ia("DELETE", "https://staging.api.example.com/v1/books/2", bearer, "", 409, problemCT, `{"title":"Book is on loan","status":409}`),
		ia("GET", "http://localhost:8080/books?limit=1", map[string]string{"X-Trace": "0a1b2c3d"}, "", 200, listHdrs, "["+book+"]"),
	}
}

// cleanV1 is a version 1 cassette (as go-vcr v1/v2 wrote it).
const cleanV1 = `---
version: 1
interactions:
- request:
    body: ""
    form: {}
    headers:
      Accept:
      - application/json
    url: http://localhost:8080/books/404
    method: GET
  response:
    body: '{"title":"Book not found","status":404}'
    headers:
      Content-Type:
      - application/problem+json
    status: 404 Not Found
    code: 404
    duration: ""
- request:
    body: ""
    form: {}
    headers:
      Authorization:
      - Bearer REDACTED
    url: http://localhost:8080/books/1
    method: DELETE
  response:
    body: ""
    headers: {}
    status: 204 No Content
    code: 204
    duration: 2ms
`

// seeded is one cassette with one violation of one check id, and where the
// checker must locate it.
type seeded struct {
	check    string
	it       *cassette.Interaction
	pointer  string // expected spec JSON pointer
	line     int    // expected spec line
	instance string // expected instance path in the body
	strict   bool   // needs --strict-servers
}

func seededViolations() []seeded {
	return []seeded{
		{check: contract.CheckServer, strict: true, pointer: "/servers", line: 10,
			it: ia("GET", "https://evil.example.net/v1/books", nil, "", 200, listHdrs, "[]")},
		{check: validator.CheckPathParam, pointer: "/paths/~1books~1{bookId}/parameters/0/schema/type", line: 65, instance: "/bookId",
			it: ia("GET", "http://localhost:8080/v1/books/abc", nil, "", 200, jsonCT, book)},
		{check: validator.CheckQueryParam, pointer: "/paths/~1books/get/parameters/0/schema/maximum", line: 25,
			it: ia("GET", "http://localhost:8080/v1/books?limit=1000", nil, "", 200, listHdrs, "[]")},
		{check: validator.CheckHeaderParam, pointer: "/paths/~1books/get/parameters/1/schema/pattern", line: 28,
			it: ia("GET", "http://localhost:8080/v1/books", map[string]string{"X-Trace": "not-hex"}, "", 200, listHdrs, "[]")},
		{check: validator.CheckCookieParam, pointer: "/paths/~1session/get/parameters/0/schema/minLength", line: 92,
			it: ia("GET", "http://localhost:8080/v1/session", map[string]string{"Cookie": "sid=short"}, "", 200, jsonCT, `{"user":"ann"}`)},
		{check: validator.CheckRequestBody, pointer: "/paths/~1books/post/requestBody/content/application~1json/schema/required", line: 127,
			it: ia("POST", "http://localhost:8080/v1/books", bearerCT, `{"price":3}`, 201, jsonCT, book)},
		{check: validator.CheckRequestMediaType, pointer: "/paths/~1books/post/requestBody/content", line: 49,
			it: ia("POST", "http://localhost:8080/v1/books", map[string]string{"Authorization": "Bearer REDACTED", "Content-Type": "text/plain"}, `a book`, 201, jsonCT, book)},
		{check: validator.CheckRequestSecurity, pointer: "/security", line: 15,
			it: ia("DELETE", "http://localhost:8080/v1/books/1", nil, "", 204, nil, "")},
		{check: validator.CheckResponseStatus, pointer: "/paths/~1books~1{bookId}/get/responses", line: 69,
			it: ia("GET", "http://localhost:8080/v1/books/1", nil, "", 500, problemCT, `{"title":"oops","status":500}`)},
		{check: validator.CheckResponseMedia, pointer: "/paths/~1books~1{bookId}/get/responses/200/content", line: 72,
			it: ia("GET", "http://localhost:8080/v1/books/1", nil, "", 200, map[string]string{"Content-Type": "text/html"}, "<h1>book</h1>")},
		{check: validator.CheckResponseBody, instance: "/format/sizeBytes", line: 154,
			pointer: "/paths/~1books~1{bookId}/get/responses/200/content/application~1json/schema/properties/format/oneOf/1/$ref/properties/sizeBytes/type",
			it:      ia("GET", "http://localhost:8080/v1/books/2", nil, "", 200, jsonCT, `{"title":"x","price":1,"format":{"kind":"ebook","sizeBytes":"big"}}`)},
		{check: validator.CheckResponseHeader, pointer: "/paths/~1books/get/responses/200/headers/X-Total-Count/required", line: 34,
			it: ia("GET", "http://localhost:8080/v1/books", nil, "", 200, jsonCT, "[]")},
		{check: validator.CheckWriteOnly, instance: "/internalNotes", line: 142,
			pointer: "/paths/~1books~1{bookId}/get/responses/200/content/application~1json/schema/properties/internalNotes",
			it:      ia("GET", "http://localhost:8080/v1/books/1", nil, "", 200, jsonCT, `{"title":"x","price":1,"internalNotes":"supplier pays 3"}`)},
		{check: validator.CheckUnknownPath, pointer: "/paths", line: 17,
			it: ia("GET", "http://localhost:8080/v1/authors/7", nil, "", 200, jsonCT, `{}`)},
		{check: validator.CheckUnknownMethod, pointer: "/paths/~1books~1{bookId}", line: 60,
			it: ia("PUT", "http://localhost:8080/v1/books/1", bearerCT, book, 200, jsonCT, book)},
	}
}

func gzipString(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.String()
}

// harFile renders interactions as a HAR 1.2 log (as browsers export it).
func harFile(its []*cassette.Interaction) ([]byte, error) {
	type nv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	pairs := func(h http.Header) []nv {
		out := []nv{}
		for k, vs := range h {
			for _, v := range vs {
				out = append(out, nv{k, v})
			}
		}
		return out
	}
	var entries []map[string]any
	for i, it := range its {
		req := map[string]any{"method": it.Request.Method, "url": it.Request.URL, "httpVersion": "HTTP/1.1",
			"headers": pairs(it.Request.Headers), "queryString": []nv{}, "cookies": []any{}, "headersSize": -1, "bodySize": len(it.Request.Body)}
		if it.Request.Body != "" {
			req["postData"] = map[string]any{"mimeType": it.Request.Headers.Get("Content-Type"), "text": it.Request.Body}
		}
		entries = append(entries, map[string]any{
			"startedDateTime": fmt.Sprintf("2026-01-02T03:04:%02d.000Z", i), "time": 12, "request": req,
			"response": map[string]any{"status": it.Response.Code, "statusText": http.StatusText(it.Response.Code), "httpVersion": "HTTP/1.1",
				"headers": pairs(it.Response.Headers), "cookies": []any{}, "redirectURL": "", "headersSize": -1, "bodySize": len(it.Response.Body),
				"content": map[string]any{"size": len(it.Response.Body), "mimeType": it.Response.Headers.Get("Content-Type"), "text": it.Response.Body}},
			"cache": map[string]any{}, "timings": map[string]any{"send": 1, "wait": 10, "receive": 1},
		})
	}
	return json.MarshalIndent(map[string]any{"log": map[string]any{"version": "1.2",
		"creator": map[string]any{"name": "mockd fixtures", "version": "1"}, "entries": entries}}, "", "  ")
}

func writeFixtures() error {
	clean := filepath.Join(fixtureDir, "clean")
	viol := filepath.Join(fixtureDir, "violations")
	for _, d := range []string{clean, viol} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	data, err := recorder.Marshal(cleanV2())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(clean, "books-v2.yaml"), data, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(clean, "legacy-v1.yaml"), []byte(cleanV1), 0o644); err != nil {
		return err
	}
	har, err := harFile(cleanHAR())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(clean, "browser.har"), append(har, '\n'), 0o644); err != nil {
		return err
	}
	var nd []byte
	for _, it := range cleanNDJSON() {
		line, err := recorder.EncodeNDJSON(it)
		if err != nil {
			return err
		}
		nd = append(nd, line...)
	}
	// A name without a telling extension: the content decides.
	if err := os.WriteFile(filepath.Join(clean, "ops-traffic.log"), nd, 0o644); err != nil {
		return err
	}
	for _, s := range seededViolations() {
		data, err := recorder.Marshal([]*cassette.Interaction{s.it})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(viol, strings.ReplaceAll(s.check, ".", "-")+".yaml"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
