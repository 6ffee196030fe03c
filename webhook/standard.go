package webhook

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard is the Standard Webhooks scheme (standardwebhooks.com):
// `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>`,
// the signature being HMAC-SHA256 over "<id>.<timestamp>.<raw body>" keyed
// with the base64-decoded secret (written "whsec_<base64>"; the prefix is
// optional). Verify accepts any of several space-separated signatures.
type Standard struct{}

// Standard Webhooks headers.
const (
	StandardIDHeader        = "Webhook-Id"
	StandardTimestampHeader = "Webhook-Timestamp"
	StandardSignatureHeader = "Webhook-Signature"
)

// Name is "standard".
func (Standard) Name() string { return SchemeStandard }

// Header is webhook-signature.
func (Standard) Header() string { return StandardSignatureHeader }

// StandardKey decodes a "whsec_<base64>" secret into its key.
func StandardKey(secret Secret) ([]byte, error) {
	b64 := strings.TrimPrefix(secret.Reveal(), "whsec_")
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("webhook: the standard scheme's secret must be whsec_ followed by base64 (fix: e.g. whsec_%s)",
			base64.StdEncoding.EncodeToString([]byte("a-random-24-byte-secret!")))
	}
	return key, nil
}

func standardSig(key []byte, id, ts string, body []byte) []byte {
	return mac(key, []byte(id), []byte("."), []byte(ts), []byte("."), body)
}

// Sign sets webhook-id, webhook-timestamp and webhook-signature.
func (Standard) Sign(h http.Header, m Message, secret Secret) error {
	key, err := StandardKey(secret)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(m.Timestamp.Unix(), 10)
	h.Set(StandardIDHeader, m.ID)
	h.Set(StandardTimestampHeader, ts)
	h.Set(StandardSignatureHeader, "v1,"+base64.StdEncoding.EncodeToString(standardSig(key, m.ID, ts, m.Body)))
	return nil
}

// Verify checks the three headers: one v1 signature matching, in constant
// time, and the timestamp within o's tolerance.
func (Standard) Verify(h http.Header, body []byte, secret Secret, o VerifyOptions) error {
	key, err := StandardKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigHeader := h.Get(StandardIDHeader), h.Get(StandardTimestampHeader), h.Get(StandardSignatureHeader)
	if sigHeader == "" {
		return fmt.Errorf("%w: no webhook-signature header", ErrNoSignature)
	}
	if id == "" || ts == "" {
		return fmt.Errorf("%w: webhook-id and webhook-timestamp are required", ErrMalformed)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: webhook-timestamp %q is not unix seconds", ErrMalformed, ts)
	}
	var sigs [][]byte
	for _, s := range strings.Fields(sigHeader) {
		if b64, ok := strings.CutPrefix(s, "v1,"); ok {
			if b, err := base64.StdEncoding.DecodeString(b64); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if !anyEqual(standardSig(key, id, ts, body), sigs) {
		return fmt.Errorf("%w: webhook-signature", ErrMismatch)
	}
	return o.fresh(time.Unix(sec, 0))
}
