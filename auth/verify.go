package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// RFC 6750 §3.1 error codes of a bearer challenge, and mockd's code for a
// refused API key (no WWW-Authenticate scheme exists for those).
const (
	ErrInvalidToken      = "invalid_token"
	ErrInsufficientScope = "insufficient_scope"
	ErrInvalidKey        = "invalid_key"
)

// ErrExpired is wrapped by a BearerError for an expired token (exp passed,
// or an expiry fault).
var ErrExpired = errors.New("token expired")

// BearerError is a refused bearer token or API key: Status is 401
// (invalid_token) or 403 (insufficient_scope).
type BearerError struct {
	Status      int
	Code        string
	Description string
	// Scopes are the scopes the request needed (insufficient_scope).
	Scopes []string
	err    error
}

func (e *BearerError) Error() string { return e.Code + ": " + e.Description }

// Unwrap returns the cause (ErrExpired, a jwt error).
func (e *BearerError) Unwrap() error { return e.err }

// Challenge is the WWW-Authenticate value of an RFC 6750 bearer error.
func (e *BearerError) Challenge() string {
	c := fmt.Sprintf(`Bearer error=%q, error_description=%q`, e.Code, strings.ReplaceAll(e.Description, `"`, "'"))
	if len(e.Scopes) > 0 {
		c += fmt.Sprintf(`, scope=%q`, strings.Join(e.Scopes, " "))
	}
	return c
}

func invalidToken(desc string, err error) *BearerError {
	return &BearerError{Status: http.StatusUnauthorized, Code: ErrInvalidToken, Description: desc, err: err}
}

// Verify checks a bearer token as issued by s: signature and algorithm,
// exp, nbf, iss, aud, the expiry faults, and that its scope claim holds
// every scope in required. A refusal is a *BearerError.
func (s *Server) Verify(token string, required []string) error {
	claims := &accessClaims{}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{s.cfg.Alg}),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.cfg.Now),
		jwt.WithAudience(s.cfg.Audience...),
	}
	_, err := jwt.ParseWithClaims(token, claims, s.key, opts...)
	if err != nil {
		return s.refusal(err, claims)
	}
	if n := s.cfg.Faults.ExpireAfterUses; n > 0 {
		s.mu.Lock()
		u, ok := s.uses[claims.ID]
		if ok {
			u.n++
		}
		over := !ok || u.n > n
		s.mu.Unlock()
		if over {
			s.stats.Expired.Add(1)
			return invalidToken(fmt.Sprintf("the token expired after %d uses (mockd fault faults.expire_after_uses)", n), ErrExpired)
		}
	}
	have := strings.Fields(claims.Scope)
	var missing []string
	for _, sc := range required {
		if !slices.Contains(have, sc) {
			missing = append(missing, sc)
		}
	}
	if len(missing) > 0 {
		return &BearerError{Status: http.StatusForbidden, Code: ErrInsufficientScope, Scopes: required,
			Description: "the token lacks scope " + strings.Join(missing, ", ")}
	}
	s.stats.Verified.Add(1)
	return nil
}

// key gives the jwt parser the verification key of s.
func (s *Server) key(t *jwt.Token) (any, error) {
	rk, err := s.rsaKey()
	if err != nil {
		return nil, err
	}
	if rk != nil {
		if kid, _ := t.Header["kid"].(string); kid != "" && kid != s.kid {
			return nil, fmt.Errorf("unknown key id %q (the JWKS has %q)", kid, s.kid)
		}
		return &rk.PublicKey, nil
	}
	return s.hmac, nil
}

// refusal turns a jwt parse error into an RFC 6750 answer.
func (s *Server) refusal(err error, c *accessClaims) *BearerError {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalidToken("the token is not a JWT", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalidToken("the token signature is invalid (want "+s.cfg.Alg+" by this server's key)", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		s.stats.Expired.Add(1)
		return invalidToken("the token expired at "+c.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"), errors.Join(ErrExpired, err))
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalidToken("the token has no exp claim", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalidToken("the token is not valid before "+c.NotBefore.UTC().Format("2006-01-02T15:04:05Z"), err)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalidToken(fmt.Sprintf("the token's issuer %q is not %q", c.Issuer, s.cfg.Issuer), err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalidToken(fmt.Sprintf("the token's audience %q does not include %q", []string(c.Audience), strings.Join(s.cfg.Audience, " or ")), err)
	}
	return invalidToken("the token is invalid: "+err.Error(), err)
}

// VerifyRequest verifies the bearer token of r's Authorization header (see
// Verify); a missing or non-bearer header is a 401 invalid_request-less
// challenge (RFC 6750 §3.1: no error code).
func (s *Server) VerifyRequest(r *http.Request, required []string) error {
	for _, v := range r.Header.Values("Authorization") {
		scheme, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(scheme, "bearer") && strings.TrimSpace(tok) != "" {
			return s.Verify(strings.TrimSpace(tok), required)
		}
	}
	return invalidToken("no bearer token in the Authorization header", nil)
}

// CheckAPIKey checks an API key against Config.APIKeys (any non-empty value
// when none are configured). A refusal is a 401 *BearerError whose Code is
// ErrInvalidKey.
func (s *Server) CheckAPIKey(v string) error {
	if v == "" {
		return &BearerError{Status: http.StatusUnauthorized, Code: ErrInvalidKey, Description: "the API key is missing"}
	}
	if len(s.cfg.APIKeys) == 0 {
		return nil
	}
	for _, k := range s.cfg.APIKeys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(v)) == 1 {
			return nil
		}
	}
	return &BearerError{Status: http.StatusUnauthorized, Code: ErrInvalidKey, Description: "the API key is not one of the configured keys"}
}
