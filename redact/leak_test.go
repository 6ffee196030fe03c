package redact_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/contract/report"
	"github.com/mockd/mockd/internal/content"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// leakSpec declares apiKey credentials under names the defaults do not know.
const leakSpec = `openapi: 3.0.3
info: {title: leak, version: "1"}
components:
  securitySchemes:
    acmeKey: {type: apiKey, in: header, name: X-Acme-Key}
    acmeSig: {type: apiKey, in: query, name: acme_sig}
security: [{acmeKey: []}]
paths:
  /items:
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}}, additionalProperties: false}
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {id: {type: integer}}, additionalProperties: false}
      responses:
        '200': {description: ok}
`

type leak struct {
	name   string
	secret string
	it     func(secret string) *cassette.Interaction
}

func ix(method, u string, reqH http.Header, reqBody string, respH http.Header, respBody string) *cassette.Interaction {
	if reqH == nil {
		reqH = http.Header{}
	}
	if respH == nil {
		respH = http.Header{}
	}
	return &cassette.Interaction{
		Request:  cassette.Request{Method: method, URL: u, Headers: reqH, Body: reqBody},
		Response: cassette.Response{Code: 200, Status: "200 OK", Headers: respH, Body: respBody},
	}
}

func enc(t testing.TB, coding, s string) string {
	b, err := content.Encode(coding, []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func multipartBody(secret string) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("username", "alice")
	_ = w.WriteField("password", secret)
	_ = w.Close()
	return b.String(), w.FormDataContentType()
}

const base = "https://api.example.com/items"

func leaks(t testing.TB) []leak {
	js := http.Header{"Content-Type": {"application/json"}}
	return []leak{
		{"client-sent truncation header does not disable redaction", "clienttruncsecret1", func(s string) *cassette.Interaction {
			return ix("POST", base, http.Header{"Content-Type": {"application/json"}, redact.TruncatedHeader: {"1"}}, `{"password":"`+s+`"}`, nil, "")
		}},
		{"over-limit body (truncated JSON) in a secret-bearing exchange", "truncsecret22", func(s string) *cassette.Interaction {
			return ix("GET", base, http.Header{"Authorization": {"Bearer abcdefgh123"}}, "", http.Header{"Content-Type": {"application/json"}, redact.TruncatedHeader: {"99999"}}, `{"note":"`+s+`","items":[1,2`) // no secret-named key: only the exchange's bearer token marks it
		}},
		{"deflate body", "deflatesecret3", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"deflate"}}, enc(t, "deflate", `{"refresh_token":"`+s+`"}`))
		}},
		{"br body", "brsecret44", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"br"}}, enc(t, "br", `{"client_secret":"`+s+`"}`))
		}},
		{"zstd body", "zstdsecret55", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"zstd"}}, enc(t, "zstd", `{"api_key":"`+s+`"}`))
		}},
		{"stacked gzip, br body", "stackedsecret6", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip, br"}}, enc(t, "br", enc(t, "gzip", `{"password":"`+s+`"}`)))
		}},
		{"unknown encoding", "unknownsecret7", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"compress"}}, `{"note":"`+s+`"}`)
		}},
		{"array under a secret key", "arraysecret88", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", js, `{"tokens":["`+s+`","other"]}`)
		}},
		{"object under a secret key", "objectsecret9", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", js, `{"credentials":{"user":"a","pw":"`+s+`"}}`)
		}},
		{"number under a secret key", "987654321012", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", js, `{"pin_token":`+s+`}`)
		}},
		{"multipart field", "multipartsecret", func(s string) *cassette.Interaction {
			b, ct := multipartBody(s)
			return ix("POST", base, http.Header{"Content-Type": {ct}}, b, nil, "")
		}},
		{"JSON sent as text/plain", "textplainsecret", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"text/plain"}}, `{"secret":["x","`+s+`"]}`) // an array: the free-text rules alone miss it
		}},
		{"JSON without a content type", "nocontenttype1", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", nil, `{"id_token":{"jwt":"`+s+`"}}`) // an object: the free-text rules alone miss it
		}},
		{"NDJSON body", "ndjsonsecret14", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Content-Type": {"application/x-ndjson"}}, "{\"id\":1}\n{\"token\":[\""+s+"\"]}\n") // a list: the free-text rules alone miss it
		}},
		{"JSON that fails to parse", "brokenjson1515", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", js, `{"refresh_tokens": ["`+s+`"], oops}`) // a list: the free-text rules alone miss it
		}},
		{"Location with code=", "oauthcode1616", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Location": {"https://app.example.com/cb?code=" + s + "&state=xyz"}}, "")
		}},
		{"Location with #access_token=", "fragtoken1717", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", http.Header{"Location": {"https://app.example.com/cb#access_token=" + s + "&token_type=bearer"}}, "")
		}},
		{"URL userinfo token", "userinfotok18", func(s string) *cassette.Interaction {
			return ix("GET", "https://"+s+"@api.example.com/items", nil, "", nil, "")
		}},
		{"query token echoed in a Link header", "echolinktok19", func(s string) *cassette.Interaction {
			return ix("GET", base+"?page=1&access_token="+s, nil, "", http.Header{"Link": {"<https://api.example.com/items?page=2&t=" + s + ">; rel=next"}}, "")
		}},
		{"bearer token echoed in a body self URL", "echobodytok20", func(s string) *cassette.Interaction {
			return ix("GET", base, http.Header{"Authorization": {"Bearer " + s}}, "", js, `{"self":"https://api.example.com/items/`+s+`","id":1}`)
		}},
		{"spec apiKey header", "acmekeysecret21", func(s string) *cassette.Interaction {
			return ix("GET", base, http.Header{"X-Acme-Key": {s}}, "", nil, "")
		}},
		{"spec apiKey query", "acmesigsecret22", func(s string) *cassette.Interaction {
			return ix("GET", base+"?acme_sig="+s, nil, "", nil, "")
		}},
		{"spec apiKey name as a body key", "acmebodysecret23", func(s string) *cassette.Interaction {
			return ix("POST", base, http.Header{"Content-Type": {"application/json"}}, `{"X-Acme-Key":"`+s+`","id":"x"}`, nil, "")
		}},
		{"Authorization header (journal key)", "journalkey24", func(s string) *cassette.Interaction {
			return ix("GET", base, http.Header{"Authorization": {"Bearer " + s}}, "", nil, "")
		}},
		{"secret in a body value the schema rejects", "schemaquoted25", func(s string) *cassette.Interaction {
			return ix("GET", base, nil, "", js, `{"id":"x","password":"`+s+`"}`)
		}},
		{"secret a finding quotes (a parameter value that fails its schema)", "quotedparam26", func(s string) *cassette.Interaction {
			return ix("GET", base+"?access_token="+s+"&page="+s, nil, "", nil, "")
		}},
		{"query token echoed in a plain request header", "echoheader27", func(s string) *cassette.Interaction {
			return ix("GET", base+"?access_token="+s, http.Header{"X-Trace-Note": {"for " + s}}, "", nil, "")
		}},
	}
}

func TestLeakTable(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(specPath, []byte(leakSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := validator.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	red, err := redact.New(redact.Config{SpecNames: spec.CredentialNames()})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range leaks(t) {
		t.Run(row.name, func(t *testing.T) {
			check := func(where, out string) {
				t.Helper()
				if strings.Contains(out, row.secret) {
					t.Errorf("%s leaks %q:\n%s", where, row.secret, out)
				}
			}
			check("cassette", cassetteOut(t, dir, red, row.it(row.secret)))
			check("journal", journalOut(t, spec, red, row.it(row.secret)))
			check("logs", logsOut(red, row.it(row.secret)))
			for _, format := range []string{"json", "sarif", "junit", "markdown"} {
				check(format+" report", reportOut(t, spec, row.it(row.secret), format))
			}
		})
	}
}

func cassetteOut(t *testing.T, dir string, red *redact.Redactor, it *cassette.Interaction) string {
	path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".yaml")
	sink, err := recorder.NewSink(path, recorder.SinkConfig{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Append(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + decodedBodies(t, path)
}

// decodedBodies loads a cassette back and returns its bodies decoded by
// their Content-Encoding: a secret stored inside a compressed body is not
// visible in the file's bytes, yet it is stored all the same.
func decodedBodies(t *testing.T, path string) string {
	c, err := recorder.LoadFile(path)
	if err != nil {
		t.Fatalf("the cassette written does not load back: %v", err)
	}
	var out strings.Builder
	for _, it := range c.Interactions {
		for _, m := range []struct {
			h    http.Header
			body string
		}{{it.Request.Headers, it.Request.Body}, {it.Response.Headers, it.Response.Body}} {
			if len(content.Codings(m.h)) == 0 || m.body == "" {
				continue
			}
			dec, err := content.DecodeHeader(m.h, []byte(m.body), content.Limits{}, nil)
			if err != nil {
				// Not decodable as labelled: search its raw bytes too.
				out.WriteString("\n" + m.body)
				continue
			}
			out.WriteString("\n" + string(dec))
		}
	}
	return out.String()
}

func journalOut(t *testing.T, spec *validator.Spec, red *redact.Redactor, it *cassette.Interaction) string {
	srv, err := mockserver.New(mockserver.WithSpec(spec), mockserver.Redactor(red),
		mockserver.FaultsYAML("rules:\n  - name: by-auth\n    match: {path: /items}\n    key: header:Authorization\n    sequence: [pass]\n"))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(it.Request.Method, it.Request.URL, strings.NewReader(it.Request.Body))
	req.Header = it.Request.Headers.Clone()
	srv.ServeHTTP(httptest.NewRecorder(), req)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1/__mockd/requests", nil))
	if w.Code != 200 {
		t.Fatalf("journal: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

// logsOut logs what mockd's components log about an exchange (URL and errors
// quoting the raw URL; headers of the stored, redacted exchange as the
// recording proxy does) through the redacting handler.
func logsOut(red *redact.Redactor, it *cassette.Interaction) string {
	var buf bytes.Buffer
	rawURL := it.Request.URL
	red.Interaction(it)
	it.Request.URL = rawURL
	logger := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), red))
	logger.Info("recorded "+it.Request.URL, "url", it.Request.URL, "request_headers", it.Request.Headers,
		"response_headers", it.Response.Headers, "err", fmt.Errorf("upstream %s: refused", it.Request.URL))
	return buf.String()
}

func reportOut(t *testing.T, spec *validator.Spec, it *cassette.Interaction, format string) string {
	checker, err := contract.NewChecker(spec, contract.CheckConfig{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := recorder.FromCassette(it, recorder.Source{File: "leak.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	col := contract.NewCollector(spec)
	out := checker.Check(x)
	col.Add(1, &out)
	var buf bytes.Buffer
	if err := report.WriteReport(&buf, format, col.Result(), report.Options{}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
