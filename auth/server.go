package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWKSPath is where mockd serves the JWKS.
const JWKSPath = "/.well-known/jwks.json"

// Server is the mock authorization server: it issues tokens (ServeToken,
// ServeAuthorize), publishes its key (ServeJWKS) and verifies what it issued
// (Verify). It is safe for concurrent use.
type Server struct {
	cfg Config
	// rsa is the RS256 key, made on first use (a mock that never issues a
	// token never pays for it); kid names it in the JWKS.
	rsaOnce sync.Once
	rsa     *rsa.PrivateKey
	kid     string
	rsaErr  error
	hmac    []byte // HS256

	mu      sync.Mutex
	codes   map[string]*authCode
	refresh map[string]*grant
	uses    map[string]*use // jti → uses, kept while ExpireAfterUses is on

	stats Stats
}

// Stats counts what the server saw, for tests' assertions.
type Stats struct {
	// TokenRequests counts requests to the token endpoint.
	TokenRequests atomic.Uint64
	// Issued counts access tokens issued.
	Issued atomic.Uint64
	// Expired counts verifications refused because the token had expired
	// (by exp, ExpireAt or ExpireAfterUses).
	Expired atomic.Uint64
	// Verified counts tokens accepted by Verify.
	Verified atomic.Uint64
}

// grant is what a refresh token or an authorization code stands for.
type grant struct {
	clientID string
	subject  string
	scopes   []string
	expires  time.Time
}

type authCode struct {
	grant
	redirectURI string
	challenge   string // S256 code_challenge
}

type use struct {
	n   int
	exp time.Time
}

// New builds a Server from cfg (checked; zero fields take the defaults). An
// RS256 server makes its RSA key here.
func New(cfg Config) (*Server, error) {
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	cfg.withDefaults()
	s := &Server{cfg: cfg, codes: map[string]*authCode{}, refresh: map[string]*grant{}, uses: map[string]*use{}}
	if cfg.Alg == HS256 {
		s.hmac = []byte(cfg.HMACKey)
		if len(s.hmac) == 0 {
			s.hmac = []byte(randomToken())
		}
	}
	return s, nil
}

// rsaKey returns the RS256 key, made on first use (nil for HS256).
func (s *Server) rsaKey() (*rsa.PrivateKey, error) {
	if s.cfg.Alg != RS256 {
		return nil, nil
	}
	s.rsaOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			s.rsaErr = fmt.Errorf("auth: RSA key: %w", err)
			return
		}
		sum := sha256.Sum256(key.N.Bytes())
		s.rsa, s.kid = key, base64.RawURLEncoding.EncodeToString(sum[:8])
	})
	return s.rsa, s.rsaErr
}

// Config returns the server's configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Stats returns the server's counters.
func (s *Server) Stats() *Stats { return &s.stats }

// HMACKey returns the HS256 key (nil for RS256), for tests that sign tokens
// of their own.
func (s *Server) HMACKey() []byte { return slices.Clone(s.hmac) }

// RevokeRefreshToken revokes one refresh token: its next use is an
// invalid_grant. It reports whether the token was live.
func (s *Server) RevokeRefreshToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.refresh[token]
	delete(s.refresh, token)
	return ok
}

// RevokeAll revokes every refresh token and authorization code issued so far.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.refresh)
	clear(s.codes)
}

// ServeJWKS answers the JWKS (RFC 7517): the RS256 public key, or no key
// for HS256.
func (s *Server) ServeJWKS(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "invalid_request", "the JWKS is read with GET")
		return
	}
	key, err := s.rsaKey()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	keys := []map[string]string{}
	if key != nil {
		pub := key.PublicKey
		keys = append(keys, map[string]string{
			"kty": "RSA", "use": "sig", "alg": RS256, "kid": s.kid,
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

// accessClaims are the claims of an issued access token (RFC 9068).
type accessClaims struct {
	Scope    string `json:"scope,omitempty"`
	ClientID string `json:"client_id"`
	jwt.RegisteredClaims
}

// issue signs an access token for g; it returns the token and its lifetime
// in whole seconds as the client should see it (never past exp).
func (s *Server) issue(g *grant) (string, int64, error) {
	now := s.cfg.Now()
	// JWT times are whole seconds: exp is rounded up, so that the token
	// lives at least Lifetime and expires_in is Lifetime.
	exp := now.Add(s.cfg.Lifetime)
	if t := exp.Truncate(time.Second); t.Before(exp) {
		exp = t.Add(time.Second)
	}
	if at := s.cfg.Faults.ExpireAt; !at.IsZero() && at.After(now) && at.Before(exp) {
		exp = at.Truncate(time.Second)
	}
	iat := now.Truncate(time.Second)
	c := accessClaims{
		Scope:    strings.Join(g.scopes, " "),
		ClientID: g.clientID,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.Issuer, Subject: g.subject, Audience: s.cfg.Audience,
			ExpiresAt: jwt.NewNumericDate(exp), NotBefore: jwt.NewNumericDate(iat), IssuedAt: jwt.NewNumericDate(iat),
			ID: randomToken(),
		},
	}
	rk, err := s.rsaKey()
	if err != nil {
		return "", 0, err
	}
	var tok *jwt.Token
	var key any
	if rk != nil {
		tok, key = jwt.NewWithClaims(jwt.SigningMethodRS256, c), rk
		tok.Header["kid"] = s.kid
	} else {
		tok, key = jwt.NewWithClaims(jwt.SigningMethodHS256, c), s.hmac
	}
	tok.Header["typ"] = "at+jwt"
	signed, err := tok.SignedString(key)
	if err != nil {
		return "", 0, fmt.Errorf("auth: signing the access token: %w", err)
	}
	s.stats.Issued.Add(1)
	if s.cfg.Faults.ExpireAfterUses > 0 {
		s.mu.Lock()
		s.pruneUses(now)
		s.uses[c.ID] = &use{exp: exp}
		s.mu.Unlock()
	}
	return signed, int64(exp.Sub(now) / time.Second), nil
}

// pruneUses drops the counters of expired tokens (s.mu held).
func (s *Server) pruneUses(now time.Time) {
	for k, u := range s.uses {
		if now.After(u.exp) {
			delete(s.uses, k)
		}
	}
}

// randomToken returns 32 random bytes, base64url: codes, refresh tokens,
// token ids.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
