package redact_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/redact"
)

func TestRedactHeaderValues(t *testing.T) {
	r, err := redact.New(redact.Config{Headers: []string{"X-Acme-*"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, in, want string }{
		{"Authorization", "Bearer abc.def", "Bearer REDACTED"},
		{"Authorization", "Basic YWxpY2U6cHc=", "Basic REDACTED"},
		{"Authorization", "rawtoken", "REDACTED"},
		{"Proxy-Authorization", "Digest username=\"a\", response=\"x\"", "Digest REDACTED"},
		{"Cookie", "a=1; b=2", "a=REDACTED; b=REDACTED"},
		{"Set-Cookie", "sid=xyz; Path=/; Secure", "sid=REDACTED; Path=/; Secure"},
		{"X-Api-Key", "k", "REDACTED"},
		{"X-Refresh-Token", "t", "REDACTED"},
		{"X-Client-Secret", "s", "REDACTED"},
		{"X-Acme-Signature", "sig", "REDACTED"},
		{"X-Api_Key-Legacy", "k", "REDACTED"},
	}
	for _, tc := range cases {
		h := http.Header{tc.name: {tc.in}}
		got := r.Headers(h)[tc.name][0]
		if got != tc.want {
			t.Errorf("%s: %q → %q, want %q", tc.name, tc.in, got, tc.want)
		}
		if h[tc.name][0] != tc.in {
			t.Errorf("%s: input header map was modified", tc.name)
		}
	}
	for _, keep := range []string{"Content-Type", "Accept", "X-Request-Id"} {
		if got := r.Headers(http.Header{keep: {"v"}}).Get(keep); got != "v" {
			t.Errorf("%s redacted to %q", keep, got)
		}
	}
}

// KeepsHeader is true exactly for the names whose values Headers leaves
// alone, whatever the value.
func TestKeepsHeader(t *testing.T) {
	r, err := redact.New(redact.Config{Headers: []string{"X-Acme-*"}})
	if err != nil {
		t.Fatal(err)
	}
	const value = "Bearer s3cr3t; sid=s3cr3t, https://u:s3cr3t@h/p?access_token=s3cr3t"
	for _, name := range []string{"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-Api-Key",
		"X-Refresh-Token", "X-Acme-Signature", "Location", "Referer", "Link", "Origin",
		"Content-Type", "Accept", "User-Agent", "X-Request-Id", "accept-encoding"} {
		changed := r.Headers(http.Header{name: {value}})[name][0] != value
		if keeps := r.KeepsHeader(name); keeps == changed {
			t.Errorf("KeepsHeader(%q) = %t, but Headers changed its value: %t", name, keeps, changed)
		}
	}
}

func TestRedactURL(t *testing.T) {
	r, err := redact.New(redact.Config{QueryParams: []string{"sig"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, want string }{
		{"https://h/p?api_key=1&b=2", "https://h/p?api_key=REDACTED&b=2"},
		{"https://h/p?b=%20x&access_token=t#frag", "https://h/p?b=%20x&access_token=REDACTED#frag"},
		{"https://user:pw@h/p", "https://user:REDACTED@h/p"},
		{"/p?SIG=abc&Password=p&apikey=z", "/p?SIG=REDACTED&Password=REDACTED&apikey=REDACTED"},
		{"/p?client%5Fsecret=x", "/p?client%5Fsecret=REDACTED"},
		{"/p?page=2", "/p?page=2"},
	}
	for _, tc := range cases {
		if got := r.URL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactJSONBodies(t *testing.T) {
	cases := []struct {
		name  string
		paths []string
		off   bool
		in    string
		want  string
	}{
		{"path", []string{"$.password"}, true, `{"user":"a","password":"p"}`, `{"user":"a","password":"REDACTED"}`},
		{"nested", []string{"$.user.token"}, true, `{"user":{"token":5,"n":1}}`, `{"user":{"token":"REDACTED","n":1}}`},
		{"wildcard", []string{"$.items[*].secret"}, true, `{"items":[{"secret":"a"},{"secret":"b","k":1}]}`, `{"items":[{"secret":"REDACTED"},{"secret":"REDACTED","k":1}]}`},
		{"index", []string{"$.list[1]"}, true, `{"list":["a","b"]}`, `{"list":["a","REDACTED"]}`},
		{"quoted", []string{"$['odd key']"}, true, `{"odd key":"v"}`, `{"odd key":"REDACTED"}`},
		{"descend", []string{"$..pin"}, true, `{"a":{"b":[{"pin":"1"}]},"pin":"2"}`, `{"a":{"b":[{"pin":"REDACTED"}]},"pin":"REDACTED"}`},
		{"defaults keep order", nil, false, `{"z":1,"access_token":"t","a":{"client_secret":"s","count":3}}`, `{"z":1,"access_token":"REDACTED","a":{"client_secret":"REDACTED","count":3}}`},
		{"defaults take numbers too", nil, false, `{"tokens_used":12}`, `{"tokens_used":"REDACTED"}`},
		{"no html escaping", []string{"$.p"}, true, `{"p":"x","h":"<a&b>"}`, `{"p":"REDACTED","h":"<a&b>"}`},
		{"not json", []string{"$.p"}, true, `p=1`, `p=1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := redact.New(redact.Config{JSONPaths: tc.paths, DisableDefaults: tc.off})
			if err != nil {
				t.Fatal(err)
			}
			out, _ := r.Body(http.Header{"Content-Type": {"application/json"}}, []byte(tc.in))
			if got := string(out); got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRedactGzipAndFormBodies(t *testing.T) {
	r := redact.Default()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"refresh_token":"gz-secret"}`))
	_ = zw.Close()
	it := &cassette.Interaction{
		Request: cassette.Request{Method: "POST", URL: "http://h/t?x=1", Body: "grant_type=password&password=pw-secret&username=a",
			Headers: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Form:    map[string][]string{"password": {"pw-secret"}, "username": {"a"}}},
		Response: cassette.Response{Code: 200, Body: buf.String(),
			Headers: http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"99"}}},
	}
	r.Interaction(it)
	if it.Request.Body != "grant_type=password&password=REDACTED&username=a" || it.Request.Form.Get("password") != redact.Redacted {
		t.Errorf("form not redacted: %q %v", it.Request.Body, it.Request.Form)
	}
	// The body is stored decoded, without its Content-Encoding.
	if it.Response.Body != `{"refresh_token":"REDACTED"}` || it.Response.Headers.Get("Content-Encoding") != "" {
		t.Errorf("gzip body: %q (Content-Encoding %q)", it.Response.Body, it.Response.Headers.Get("Content-Encoding"))
	}
	if it.Response.Headers.Get("Content-Length") == "99" {
		t.Error("Content-Length not updated")
	}
}

func TestRedactorConfigErrors(t *testing.T) {
	for _, cfg := range []redact.Config{
		{JSONPaths: []string{"password"}},
		{JSONPaths: []string{"$.a[x]"}},
		{JSONPaths: []string{"$.a["}},
		{Headers: []string{""}},
		{QueryParams: []string{"[bad"}},
	} {
		if _, err := redact.New(cfg); err == nil {
			t.Errorf("redact.New(%+v) succeeded; want error", cfg)
		}
	}
	r, _ := redact.New(redact.Config{DisableDefaults: true})
	if !r.DefaultsDisabled() || r.IsSecretHeader("Authorization") {
		t.Error("defaults still on")
	}
}

// An OAuth token request of the authorization_code grant carries two
// credentials under names the defaults did not know: the code and the PKCE
// verifier. Elsewhere "code" stays (an error code is no secret).
func TestRedactOAuthCodeGrant(t *testing.T) {
	r := redact.Default()
	const form = "grant_type=authorization_code&code=c0de-Secret1&code_verifier=v3rifier-Secret2&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
	it := &cassette.Interaction{
		Request: cassette.Request{Method: "POST", URL: "http://h/oauth/token", Body: form,
			Headers: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Form: map[string][]string{"grant_type": {"authorization_code"}, "code": {"c0de-Secret1"},
				"code_verifier": {"v3rifier-Secret2"}}},
		Response: cassette.Response{Code: 400, Body: `{"code":"bad_request"}`, Headers: http.Header{"Content-Type": {"application/json"}}},
	}
	r.Interaction(it)
	if strings.Contains(it.Request.Body, "Secret") || it.Request.Form.Get("code") != redact.Redacted || it.Request.Form.Get("code_verifier") != redact.Redacted {
		t.Errorf("code grant not redacted: %q %v", it.Request.Body, it.Request.Form)
	}
	if !strings.Contains(it.Request.Body, "redirect_uri=http") {
		t.Errorf("redirect_uri lost: %q", it.Request.Body)
	}
	if it.Response.Body != `{"code":"bad_request"}` {
		t.Errorf("an error code was redacted: %q", it.Response.Body)
	}
	if got := r.Text("exchanging code_verifier=v3rifier-Secret2"); strings.Contains(got, "Secret") {
		t.Errorf("Text kept the verifier: %q", got)
	}
	if got := r.Query("grant_type=client_credentials&code=plain"); got != "grant_type=client_credentials&code=plain" {
		t.Errorf("a code outside a code grant was redacted: %q", got)
	}
}
