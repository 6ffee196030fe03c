package auth_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/oauth2"

	"github.com/mockd/mockd/auth"
)

// clock is a settable clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// serve mounts s's handlers on a loopback server.
func serve(s *auth.Server) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.ServeToken)
	mux.HandleFunc("/authorize", s.ServeAuthorize)
	mux.HandleFunc(auth.JWKSPath, s.ServeJWKS)
	ts := httptest.NewServer(mux)
	DeferCleanup(ts.Close)
	return ts
}

func postToken(ts *httptest.Server, form url.Values, user, pass string) (*http.Response, map[string]any) {
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/token", strings.NewReader(form.Encode()))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := ts.Client().Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	Expect(json.NewDecoder(resp.Body).Decode(&body)).To(Succeed())
	return resp, body
}

// sign makes an HS256 token with the given claims and key.
func sign(key []byte, claims jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	Expect(err).NotTo(HaveOccurred())
	return s
}

var _ = Describe("token endpoint", func() {
	var ts *httptest.Server
	BeforeEach(func() {
		s, err := auth.New(auth.Config{Alg: auth.HS256, Clients: []auth.Client{{ID: "app", Secret: "s3cret-value", Scopes: []string{"read", "write"}}}})
		Expect(err).NotTo(HaveOccurred())
		ts = serve(s)
	})

	It("issues a bearer JWT for client_credentials with the asked scope", func() {
		resp, body := postToken(ts, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, "app", "s3cret-value")
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(resp.Header.Get("Cache-Control")).To(Equal("no-store"))
		Expect(body).To(HaveKeyWithValue("token_type", "Bearer"))
		Expect(body).To(HaveKeyWithValue("scope", "read"))
		Expect(body["expires_in"]).To(BeNumerically("==", 3600), "the whole lifetime")
		Expect(body).NotTo(HaveKey("refresh_token"))
	})

	DescribeTable("answers RFC 6749 §5.2 errors",
		func(form url.Values, user, pass string, status int, code string) {
			resp, body := postToken(ts, form, user, pass)
			Expect(resp.StatusCode).To(Equal(status))
			Expect(body).To(HaveKeyWithValue("error", code))
			Expect(body).To(HaveKey("error_description"))
		},
		Entry("wrong secret", url.Values{"grant_type": {"client_credentials"}}, "app", "nope", 401, auth.ErrInvalidClient),
		Entry("unknown client", url.Values{"grant_type": {"client_credentials"}}, "other", "x", 401, auth.ErrInvalidClient),
		Entry("no client", url.Values{"grant_type": {"client_credentials"}}, "", "", 401, auth.ErrInvalidClient),
		Entry("unsupported grant", url.Values{"grant_type": {"password"}}, "app", "s3cret-value", 400, auth.ErrUnsupportedGrantType),
		Entry("missing grant", url.Values{}, "app", "s3cret-value", 400, auth.ErrInvalidRequest),
		Entry("scope not allowed", url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, "app", "s3cret-value", 400, auth.ErrInvalidScope),
		Entry("unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"zzz"}}, "app", "s3cret-value", 400, auth.ErrInvalidGrant),
		Entry("unknown code", url.Values{"grant_type": {"authorization_code"}, "code": {"zzz"}}, "app", "s3cret-value", 400, auth.ErrInvalidGrant),
	)

	It("accepts any client when none is configured", func() {
		s, err := auth.New(auth.Config{Alg: auth.HS256})
		Expect(err).NotTo(HaveOccurred())
		resp, body := postToken(serve(s), url.Values{"grant_type": {"client_credentials"}, "client_id": {"anyone"}, "client_secret": {"whatever"}}, "", "")
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(s.Verify(body["access_token"].(string), nil)).To(Succeed())
	})
})

var _ = Describe("RS256 and the JWKS", func() {
	It("signs tokens a client verifies with the JWKS key alone", func() {
		s, err := auth.New(auth.Config{})
		Expect(err).NotTo(HaveOccurred())
		ts := serve(s)
		_, body := postToken(ts, url.Values{"grant_type": {"client_credentials"}}, "c", "d")
		resp, err := ts.Client().Get(ts.URL + auth.JWKSPath)
		Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		var set struct {
			Keys []struct{ Kty, Alg, Kid, N, E string }
		}
		Expect(json.NewDecoder(resp.Body).Decode(&set)).To(Succeed())
		Expect(set.Keys).To(HaveLen(1))
		k := set.Keys[0]
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		tok, err := jwt.Parse(body["access_token"].(string), func(t *jwt.Token) (any, error) {
			Expect(t.Header["kid"]).To(Equal(k.Kid))
			return pub, nil
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer("mockd"), jwt.WithAudience("mockd"))
		Expect(err).NotTo(HaveOccurred())
		Expect(tok.Header["typ"]).To(Equal("at+jwt"))
	})
})

var _ = Describe("Verify", func() {
	var (
		s   *auth.Server
		clk *clock
		key []byte
	)
	BeforeEach(func() {
		clk = &clock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
		var err error
		s, err = auth.New(auth.Config{Alg: auth.HS256, Issuer: "https://issuer.test", Audience: []string{"api"}, Lifetime: time.Minute, Now: clk.Now})
		Expect(err).NotTo(HaveOccurred())
		key = s.HMACKey()
	})
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
		c := jwt.MapClaims{"iss": "https://issuer.test", "aud": "api", "sub": "u", "scope": "read write",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	DescribeTable("checks signature, exp, nbf, iss, aud and scopes",
		func(edit func(jwt.MapClaims), otherKey bool, required []string, status int, code, desc string) {
			k := key
			if otherKey {
				k = []byte(strings.Repeat("k", 32))
			}
			err := s.Verify(sign(k, claims(edit)), required)
			if status == 0 {
				Expect(err).NotTo(HaveOccurred())
				return
			}
			var be *auth.BearerError
			Expect(errors.As(err, &be)).To(BeTrue())
			Expect(be.Status).To(Equal(status))
			Expect(be.Code).To(Equal(code))
			Expect(be.Description).To(ContainSubstring(desc))
			Expect(be.Challenge()).To(HavePrefix(`Bearer error="` + code + `", error_description="`))
		},
		Entry("bad signature", nil, true, nil, 401, auth.ErrInvalidToken, "signature"),
		Entry("expired", func(c jwt.MapClaims) { c["exp"] = time.Date(2030, 1, 1, 11, 0, 0, 0, time.UTC).Unix() }, false, nil, 401, auth.ErrInvalidToken, "expired"),
		Entry("nbf in the future", func(c jwt.MapClaims) { c["nbf"] = time.Date(2030, 1, 1, 12, 0, 30, 0, time.UTC).Unix() }, false, nil, 401, auth.ErrInvalidToken, "not valid before"),
		Entry("wrong issuer", func(c jwt.MapClaims) { c["iss"] = "https://evil.test" }, false, nil, 401, auth.ErrInvalidToken, "issuer"),
		Entry("wrong audience", func(c jwt.MapClaims) { c["aud"] = "other" }, false, nil, 401, auth.ErrInvalidToken, "audience"),
		Entry("no exp", func(c jwt.MapClaims) { delete(c, "exp") }, false, nil, 401, auth.ErrInvalidToken, "exp"),
		Entry("missing scope", nil, false, []string{"read", "admin"}, 403, auth.ErrInsufficientScope, "admin"),
		Entry("good token", nil, false, []string{"read"}, 0, "", ""),
	)

	It("refuses an issued token once the clock passes its exp", func() {
		ts := serve(s)
		_, body := postToken(ts, url.Values{"grant_type": {"client_credentials"}}, "c", "d")
		tok := body["access_token"].(string)
		Expect(s.Verify(tok, nil)).To(Succeed())
		clk.Add(61 * time.Second)
		err := s.Verify(tok, nil)
		Expect(err).To(MatchError(auth.ErrExpired))
		Expect(s.Stats().Expired.Load()).To(BeEquivalentTo(1))
	})

	It("reads the bearer token of a request", func() {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		Expect(s.VerifyRequest(r, nil)).To(MatchError(ContainSubstring("no bearer token")))
		r.Header.Set("Authorization", "Bearer "+sign(key, claims(nil)))
		Expect(s.VerifyRequest(r, nil)).To(Succeed())
	})

	It("checks API keys against the configured list", func() {
		k, err := auth.New(auth.Config{Alg: auth.HS256, APIKeys: []string{"key-one"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(k.CheckAPIKey("key-one")).To(Succeed())
		Expect(k.CheckAPIKey("key-two")).To(MatchError(ContainSubstring("not one of the configured keys")))
		Expect(k.CheckAPIKey("")).To(MatchError(ContainSubstring("missing")))
		Expect(s.CheckAPIKey("anything")).To(Succeed())
	})
})

var _ = Describe("authorization code with PKCE", func() {
	It("completes from an oauth2.Config with an S256 verifier, then refreshes", func() {
		s, err := auth.New(auth.Config{Alg: auth.HS256, Clients: []auth.Client{{ID: "spa", RedirectURIs: []string{"http://127.0.0.1/cb"}}}})
		Expect(err).NotTo(HaveOccurred())
		ts := serve(s)
		cfg := oauth2.Config{ClientID: "spa", RedirectURL: "http://127.0.0.1/cb", Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: ts.URL + "/authorize", TokenURL: ts.URL + "/token", AuthStyle: oauth2.AuthStyleInParams}}
		verifier := oauth2.GenerateVerifier()
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)))
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(resp.StatusCode).To(Equal(http.StatusFound))
		loc, err := url.Parse(resp.Header.Get("Location"))
		Expect(err).NotTo(HaveOccurred())
		Expect(loc.Query().Get("state")).To(Equal("st-1"))
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, ts.Client())

		_, err = cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
		Expect(err).To(MatchError(ContainSubstring("invalid_grant")), "a wrong verifier is refused (and burns the code)")

		resp, err = noFollow.Get(cfg.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)))
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		loc, _ = url.Parse(resp.Header.Get("Location"))
		tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
		Expect(err).NotTo(HaveOccurred())
		Expect(tok.RefreshToken).NotTo(BeEmpty())
		Expect(s.Verify(tok.AccessToken, []string{"read"})).To(Succeed())

		tok.Expiry = time.Now().Add(-time.Minute) // force a refresh
		fresh, err := cfg.TokenSource(ctx, tok).Token()
		Expect(err).NotTo(HaveOccurred())
		Expect(fresh.AccessToken).NotTo(Equal(tok.AccessToken))
		Expect(fresh.RefreshToken).NotTo(Equal(tok.RefreshToken), "refresh tokens rotate")
		_, body := postToken(ts, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {"spa"}}, "", "")
		Expect(body).To(HaveKeyWithValue("error", auth.ErrInvalidGrant), "the old refresh token is spent")
	})

	DescribeTable("does not redirect to an untrusted target",
		func(query string, desc string) {
			s, err := auth.New(auth.Config{Alg: auth.HS256, Clients: []auth.Client{{ID: "spa", RedirectURIs: []string{"http://127.0.0.1/cb"}}}})
			Expect(err).NotTo(HaveOccurred())
			ts := serve(s)
			resp, err := ts.Client().Get(ts.URL + "/authorize?" + query)
			Expect(err).NotTo(HaveOccurred())
			defer func() { _ = resp.Body.Close() }()
			Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
			var body map[string]string
			Expect(json.NewDecoder(resp.Body).Decode(&body)).To(Succeed())
			Expect(body["error_description"]).To(ContainSubstring(desc))
		},
		Entry("unknown client", "response_type=code&client_id=x&redirect_uri=http://127.0.0.1/cb", "unknown client"),
		Entry("unregistered redirect", "response_type=code&client_id=spa&redirect_uri=http://127.0.0.1/evil", "not registered"),
	)

	It("redirects a public client without PKCE back with an error", func() {
		s, err := auth.New(auth.Config{Alg: auth.HS256, Clients: []auth.Client{{ID: "spa", RedirectURIs: []string{"http://127.0.0.1/cb"}}}})
		Expect(err).NotTo(HaveOccurred())
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(serve(s).URL + "/authorize?response_type=code&client_id=spa&state=x")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		Expect(loc.Query().Get("error")).To(Equal(auth.ErrInvalidRequest))
		Expect(loc.Query().Get("state")).To(Equal("x"))
	})
})
