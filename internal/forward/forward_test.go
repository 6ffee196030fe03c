package forward

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestOutbound(t *testing.T) {
	tests := []struct {
		name, upstream, target, wantURL string
	}{
		{"path joined below the base", "http://up:9/v1/", "/pets?limit=2", "http://up:9/v1/pets?limit=2"},
		{"base without a trailing slash", "http://up:9/v1", "/pets", "http://up:9/v1/pets"},
		{"an encoded slash stays encoded", "http://up:9", "/files/a%2Fb", "http://up:9/files/a%2Fb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up, _ := url.Parse(tc.upstream)
			in := httptest.NewRequest(http.MethodPost, tc.target, strings.NewReader("ignored"))
			in.Header.Set("Connection", "close, X-Private")
			in.Header.Set("X-Private", "1")
			in.Header.Set("Keep-Alive", "timeout=5")
			in.Header.Set("Proxy-Authorization", "Basic x")
			in.Header.Set("Accept", "application/json")
			out := Outbound(in, up, []byte("body"))
			if got := out.URL.String(); got != tc.wantURL {
				t.Errorf("URL %s, want %s", got, tc.wantURL)
			}
			if out.Host != "" || out.URL.Host != up.Host {
				t.Errorf("Host %q / URL host %q: want the upstream's host", out.Host, out.URL.Host)
			}
			for _, k := range []string{"Connection", "X-Private", "Keep-Alive", "Proxy-Authorization"} {
				if v := out.Header.Get(k); v != "" {
					t.Errorf("%s: %q forwarded, want it stripped", k, v)
				}
			}
			if out.Header.Get("Accept") != "application/json" || in.Header.Get("X-Private") != "1" {
				t.Errorf("end-to-end headers lost or the inbound request changed: out %v in %v", out.Header, in.Header)
			}
			if b, _ := io.ReadAll(out.Body); string(b) != "body" || out.ContentLength != 4 || out.RequestURI != "" {
				t.Errorf("body %q length %d RequestURI %q", b, out.ContentLength, out.RequestURI)
			}
		})
	}
}

func TestIsHopByHop(t *testing.T) {
	for name, want := range map[string]bool{"connection": true, "TE": true, "Transfer-Encoding": true,
		"proxy-authenticate": true, "Content-Type": false, "Authorization": false} {
		if got := IsHopByHop(name); got != want {
			t.Errorf("IsHopByHop(%q) = %v, want %v", name, got, want)
		}
	}
}
