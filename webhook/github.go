package webhook

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// GitHub is GitHub's scheme, mockd's default:
// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`, with the
// event id in X-GitHub-Delivery. It signs no timestamp, so a stale-timestamp
// fault cannot be detected by a receiver of this scheme (only replays of the
// same delivery id can).
type GitHub struct{}

// GitHubHeader carries the signature; GitHubDeliveryHeader the event id.
const (
	GitHubHeader         = "X-Hub-Signature-256"
	GitHubDeliveryHeader = "X-GitHub-Delivery"
)

// Name is "github".
func (GitHub) Name() string { return SchemeGitHub }

// Header is X-Hub-Signature-256.
func (GitHub) Header() string { return GitHubHeader }

// Sign sets X-Hub-Signature-256 and X-GitHub-Delivery.
func (GitHub) Sign(h http.Header, m Message, secret Secret) error {
	h.Set(GitHubHeader, "sha256="+hex.EncodeToString(mac([]byte(secret.Reveal()), m.Body)))
	if m.ID != "" {
		h.Set(GitHubDeliveryHeader, m.ID)
	}
	return nil
}

// Verify checks X-Hub-Signature-256 against the body, in constant time.
// GitHub signs no timestamp: o is not used.
func (GitHub) Verify(h http.Header, body []byte, secret Secret, _ VerifyOptions) error {
	v := h.Get(GitHubHeader)
	if v == "" {
		return fmt.Errorf("%w: no %s header", ErrNoSignature, GitHubHeader)
	}
	hexSig, ok := strings.CutPrefix(v, "sha256=")
	if !ok {
		return fmt.Errorf("%w: %s must start with sha256=", ErrMalformed, GitHubHeader)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: %s is not hex: %w", ErrMalformed, GitHubHeader, err)
	}
	if !anyEqual(mac([]byte(secret.Reveal()), body), [][]byte{got}) {
		return fmt.Errorf("%w: %s", ErrMismatch, GitHubHeader)
	}
	return nil
}
