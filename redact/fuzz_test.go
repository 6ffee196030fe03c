package redact_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/mockd/mockd/internal/content"
	"github.com/mockd/mockd/redact"
)

// planted is the secret FuzzRedact plants; it must never survive.
const planted = "PLANTEDSECRET9"

// FuzzRedact: any body bytes, any content type and any encoding; a secret
// planted in the request (bearer token and query token) and inserted into
// the response body never survives anywhere in the stored exchange.
func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":"x"}`), "application/json", uint8(0), uint8(3))
	f.Add([]byte("a=1&b=2"), "application/x-www-form-urlencoded", uint8(1), uint8(0))
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\n"), "application/x-ndjson", uint8(2), uint8(5))
	f.Add([]byte("<html>hi</html>"), "text/html", uint8(3), uint8(9))
	f.Add([]byte{0xff, 0x00, 0x1f, 0x8b}, "", uint8(4), uint8(1))
	f.Add([]byte(`{"broken": `), "text/plain", uint8(5), uint8(7))
	f.Fuzz(func(t *testing.T, body []byte, ct string, codingIdx, at uint8) {
		codings := []string{"", "gzip", "deflate", "br", "zstd", "compress", "gzip, br"}
		coding := codings[int(codingIdx)%len(codings)]
		pos := int(at) % (len(body) + 1)
		plain := append(append(append([]byte{}, body[:pos]...), planted...), body[pos:]...)
		encoded := plain
		respH := http.Header{"Content-Type": {ct}}
		if coding != "" {
			respH.Set("Content-Encoding", coding)
			encoded = plain
			for _, c := range strings.Split(coding, ", ") {
				if b, err := content.Encode(c, encoded); err == nil {
					encoded = b
				}
			}
		}
		x := redact.Exchange{
			Request: redact.Message{URL: "https://h/p?access_token=" + planted,
				Header: http.Header{"Authorization": {"Bearer " + planted}}},
			Response: redact.Message{Header: respH, Body: encoded},
		}
		redact.Default().Exchange(&x)
		for _, m := range []redact.Message{x.Request, x.Response} {
			if strings.Contains(m.URL, planted) || bytes.Contains(m.Body, []byte(planted)) {
				t.Fatalf("planted secret survived: url %q body %q", m.URL, m.Body)
			}
			for k, vs := range m.Header {
				for _, v := range vs {
					if strings.Contains(v, planted) {
						t.Fatalf("planted secret survived in header %s: %q", k, v)
					}
				}
			}
		}
	})
}
