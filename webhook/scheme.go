package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Secret is a signing secret. Printing, logging or encoding it shows
// "[REDACTED]"; Reveal is the only way to the value.
type Secret string

// String hides the secret.
func (Secret) String() string { return "[REDACTED]" }

// GoString hides the secret from %#v.
func (Secret) GoString() string { return "[REDACTED]" }

// LogValue hides the secret from log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// MarshalJSON hides the secret from encoding/json.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// Reveal returns the secret's value (for signing).
func (s Secret) Reveal() string { return string(s) }

// Errors Verify returns; callers branch on them with errors.Is.
var (
	// ErrNoSignature: the request carries no signature header (or an empty one).
	ErrNoSignature = errors.New("webhook: no signature")
	// ErrMalformed: a signature or timestamp header does not parse.
	ErrMalformed = errors.New("webhook: malformed signature header")
	// ErrMismatch: no signature matches the body and the secret.
	ErrMismatch = errors.New("webhook: signature does not match")
	// ErrStale: the signed timestamp is outside the tolerance (a replay).
	ErrStale = errors.New("webhook: timestamp outside the tolerance")
)

// DefaultTolerance is how far a signed timestamp may be from now in Verify
// (Stripe's and Standard Webhooks' default).
const DefaultTolerance = 5 * time.Minute

// Message is what a scheme signs: the raw body, the event's id (the same on
// every attempt and duplicate, for receivers to de-duplicate) and the time
// it claims to have been signed at.
type Message struct {
	ID        string
	Timestamp time.Time
	Body      []byte
}

// VerifyOptions tune Verify. The zero value checks against time.Now with
// DefaultTolerance.
type VerifyOptions struct {
	// Now is the receiver's clock (zero: time.Now()).
	Now time.Time
	// Tolerance bounds |now - timestamp| (0: DefaultTolerance; negative:
	// no check).
	Tolerance time.Duration
}

func (o VerifyOptions) fresh(ts time.Time) error {
	now, tol := o.Now, o.Tolerance
	if now.IsZero() {
		now = time.Now()
	}
	if tol == 0 {
		tol = DefaultTolerance
	}
	if tol < 0 {
		return nil
	}
	if d := now.Sub(ts); d > tol || d < -tol {
		return fmt.Errorf("%w: signed at %s, %s from now (tolerance %s)", ErrStale, ts.UTC().Format(time.RFC3339), d.Round(time.Second), tol)
	}
	return nil
}

// Scheme signs outgoing messages and verifies incoming ones.
type Scheme interface {
	// Name is the scheme's name in flags and files.
	Name() string
	// Sign sets the scheme's headers on h for m.
	Sign(h http.Header, m Message, secret Secret) error
	// Verify checks the headers h against the raw body; the error wraps
	// ErrNoSignature, ErrMalformed, ErrMismatch or ErrStale.
	Verify(h http.Header, body []byte, secret Secret, o VerifyOptions) error
	// Header is the header that carries the signature (for the journal).
	Header() string
}

// Scheme names.
const (
	SchemeGitHub   = "github"
	SchemeStripe   = "stripe"
	SchemeStandard = "standard"
)

// SchemeNames lists the schemes, the default first.
var schemeNames = []string{SchemeGitHub, SchemeStripe, SchemeStandard}

// SchemeNamed returns the scheme called name ("" is the default, github).
func SchemeNamed(name string) (Scheme, error) {
	switch name {
	case "", SchemeGitHub:
		return GitHub{}, nil
	case SchemeStripe:
		return Stripe{}, nil
	case SchemeStandard:
		return Standard{}, nil
	}
	return nil, fmt.Errorf("webhook: unknown signature scheme %q (fix: use one of %s)", name, strings.Join(schemeNames, ", "))
}

// mac is HMAC-SHA256 of the parts, in order, under key.
func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// anyEqual reports whether want equals one of got, comparing each in
// constant time (hmac.Equal) and never stopping early.
func anyEqual(want []byte, got [][]byte) bool {
	ok := false
	for _, g := range got {
		if hmac.Equal(want, g) {
			ok = true
		}
	}
	return ok
}

// validScheme reports whether name is a scheme.
func validScheme(name string) bool { return slices.Contains(schemeNames, name) }
