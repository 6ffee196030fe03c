package webhook

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Stripe is Stripe's scheme: `Stripe-Signature: t=<unix>,v1=<hex>` where
// the signature is HMAC-SHA256 over "<t>.<raw body>" keyed with the secret
// string as given (whsec_ prefix included, as stripe-go's ComputeSignature
// does). Verify accepts any of several v1 entries (a rolled secret).
type Stripe struct{}

// StripeHeader carries the timestamp and the signature.
const StripeHeader = "Stripe-Signature"

// Name is "stripe".
func (Stripe) Name() string { return SchemeStripe }

// Header is Stripe-Signature.
func (Stripe) Header() string { return StripeHeader }

// Sign sets Stripe-Signature.
func (Stripe) Sign(h http.Header, m Message, secret Secret) error {
	t := strconv.FormatInt(m.Timestamp.Unix(), 10)
	sig := mac([]byte(secret.Reveal()), []byte(t), []byte("."), m.Body)
	h.Set(StripeHeader, "t="+t+",v1="+hex.EncodeToString(sig))
	return nil
}

// Verify checks Stripe-Signature: its timestamp within o's tolerance and
// one of its v1 signatures, in constant time. Unreadable v1 entries are
// skipped, as Stripe's libraries do.
func (Stripe) Verify(h http.Header, body []byte, secret Secret, o VerifyOptions) error {
	v := h.Get(StripeHeader)
	if v == "" {
		return fmt.Errorf("%w: no %s header", ErrNoSignature, StripeHeader)
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: %s entry %q is not key=value", ErrMalformed, StripeHeader, part)
		}
		switch k {
		case "t":
			ts = val
		case "v1":
			if b, err := hex.DecodeString(val); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s has no t=<unix seconds>", ErrMalformed, StripeHeader)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: %s has no readable v1 signature", ErrMismatch, StripeHeader)
	}
	if !anyEqual(mac([]byte(secret.Reveal()), []byte(ts), []byte("."), body), sigs) {
		return fmt.Errorf("%w: %s", ErrMismatch, StripeHeader)
	}
	return o.fresh(time.Unix(sec, 0))
}
