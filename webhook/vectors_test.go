package webhook_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/mockd/mockd/webhook"
)

// vector is one published test vector (testdata/vectors.json says where
// each comes from).
type vector struct {
	Scheme    string            `json:"scheme"`
	Source    string            `json:"source"`
	Secret    string            `json:"secret"`
	ID        string            `json:"id"`
	Timestamp int64             `json:"timestamp"`
	Body      string            `json:"body"`
	Headers   map[string]string `json:"headers"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 3 {
		t.Fatalf("want a vector per scheme, got %d", len(f.Vectors))
	}
	return f.Vectors
}

// TestPublishedVectors signs each vector's message and compares every
// header with the published one, then verifies the published headers, and
// checks that a changed body or secret fails with ErrMismatch.
func TestPublishedVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Scheme, func(t *testing.T) {
			sch, err := webhook.SchemeNamed(v.Scheme)
			if err != nil {
				t.Fatal(err)
			}
			ts := time.Unix(v.Timestamp, 0)
			h := http.Header{}
			if err := sch.Sign(h, webhook.Message{ID: v.ID, Timestamp: ts, Body: []byte(v.Body)}, webhook.Secret(v.Secret)); err != nil {
				t.Fatal(err)
			}
			published := http.Header{}
			for k, want := range v.Headers {
				published.Set(k, want)
				if got := h.Get(k); got != want {
					t.Errorf("%s: signed %q, published %q (%s)", k, got, want, v.Source)
				}
			}
			at := webhook.VerifyOptions{Now: ts.Add(time.Minute)}
			if err := sch.Verify(published, []byte(v.Body), webhook.Secret(v.Secret), at); err != nil {
				t.Errorf("published headers do not verify: %v", err)
			}
			if err := sch.Verify(published, []byte(v.Body+" "), webhook.Secret(v.Secret), at); !errors.Is(err, webhook.ErrMismatch) {
				t.Errorf("changed body: want ErrMismatch, got %v", err)
			}
		})
	}
}

// TestVerifyErrors: each malformed or missing header gives its sentinel.
func TestVerifyErrors(t *testing.T) {
	secret := webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	body := []byte(`{"a":1}`)
	now := time.Unix(1700000000, 0)
	rows := []struct {
		scheme string
		h      map[string]string
		want   error
	}{
		{"github", nil, webhook.ErrNoSignature},
		{"github", map[string]string{"X-Hub-Signature-256": "sha1=00"}, webhook.ErrMalformed},
		{"github", map[string]string{"X-Hub-Signature-256": "sha256=zz"}, webhook.ErrMalformed},
		{"github", map[string]string{"X-Hub-Signature-256": "sha256=00"}, webhook.ErrMismatch},
		{"stripe", nil, webhook.ErrNoSignature},
		{"stripe", map[string]string{"Stripe-Signature": "v1=00"}, webhook.ErrMalformed},
		{"stripe", map[string]string{"Stripe-Signature": "t=1700000000,v1=00"}, webhook.ErrMismatch},
		{"standard", nil, webhook.ErrNoSignature},
		{"standard", map[string]string{"webhook-signature": "v1,AA=="}, webhook.ErrMalformed},
		{"standard", map[string]string{"webhook-id": "m", "webhook-timestamp": "x", "webhook-signature": "v1,AA=="}, webhook.ErrMalformed},
		{"standard", map[string]string{"webhook-id": "m", "webhook-timestamp": "1700000000", "webhook-signature": "v1,AA=="}, webhook.ErrMismatch},
	}
	for _, r := range rows {
		sch, _ := webhook.SchemeNamed(r.scheme)
		h := http.Header{}
		for k, v := range r.h {
			h.Set(k, v)
		}
		if err := sch.Verify(h, body, secret, webhook.VerifyOptions{Now: now}); !errors.Is(err, r.want) {
			t.Errorf("%s %v: want %v, got %v", r.scheme, r.h, r.want, err)
		}
	}
	if _, err := webhook.SchemeNamed("hmac"); err == nil {
		t.Error("unknown scheme accepted")
	}
}

// TestStaleRejected: a correct signature over a timestamp outside the
// tolerance is ErrStale for the timestamped schemes.
func TestStaleRejected(t *testing.T) {
	secret := webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	m := webhook.Message{ID: "msg_1", Timestamp: time.Unix(1700000000, 0), Body: []byte("{}")}
	for _, name := range []string{"stripe", "standard"} {
		sch, _ := webhook.SchemeNamed(name)
		h := http.Header{}
		if err := sch.Sign(h, m, secret); err != nil {
			t.Fatal(err)
		}
		late := webhook.VerifyOptions{Now: m.Timestamp.Add(6 * time.Minute)}
		if err := sch.Verify(h, m.Body, secret, late); !errors.Is(err, webhook.ErrStale) {
			t.Errorf("%s: want ErrStale, got %v", name, err)
		}
		if err := sch.Verify(h, m.Body, secret, webhook.VerifyOptions{Now: m.Timestamp.Add(4 * time.Minute)}); err != nil {
			t.Errorf("%s: inside the tolerance: %v", name, err)
		}
	}
}
