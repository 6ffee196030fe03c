package mockserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/mockd/mockd/auth"
	"github.com/mockd/mockd/mockserver"
)

const authSpec = "../fixtures/auth.yaml"

// authServer starts the auth spec with --auth mode and cfg.
func authServer(mode mockserver.AuthMode, cfg *auth.Config) *mockserver.TestServer {
	return mockserver.NewTest(GinkgoT(), mockserver.SpecFile(authSpec), mockserver.WithAuth(mode, cfg))
}

// getWith sends GET path with the given Authorization value ("" none).
func getWith(srv *mockserver.TestServer, path, authz string) *http.Response {
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	Expect(err).NotTo(HaveOccurred())
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := srv.Client().Do(req)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Body.Close()).To(Succeed())
	return resp
}

func tokenRequest(srv *mockserver.TestServer, form url.Values) (*http.Response, map[string]any) {
	resp, err := srv.Client().PostForm(srv.URL+"/oauth/token", form)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	Expect(json.NewDecoder(resp.Body).Decode(&body)).To(Succeed())
	return resp, body
}

// pkceFlow runs an authorization-code flow with PKCE (S256) against srv:
// the authorize redirect (state checked), then the code exchange.
func pkceFlow(srv *mockserver.TestServer, cfg *oauth2.Config) (context.Context, *oauth2.Token) {
	verifier := oauth2.GenerateVerifier()
	noFollow := &http.Client{Transport: srv.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(cfg.AuthCodeURL("xyz", oauth2.S256ChallengeOption(verifier)))
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Body.Close()).To(Succeed())
	Expect(resp.StatusCode).To(Equal(http.StatusFound))
	loc, err := url.Parse(resp.Header.Get("Location"))
	Expect(err).NotTo(HaveOccurred())
	Expect(loc.Query().Get("state")).To(Equal("xyz"))
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	Expect(err).NotTo(HaveOccurred())
	return ctx, tok
}

var _ = Describe("auth flows (--auth strict)", func() {
	It("lets an x/oauth2 clientcredentials client refresh exactly once across an expiry, never sending an expired token", func() {
		srv := authServer(mockserver.AuthStrict, &auth.Config{Alg: auth.HS256, Lifetime: 2 * time.Second})
		cc := clientcredentials.Config{ClientID: "app", ClientSecret: "app-secret", TokenURL: srv.URL + "/oauth/token", Scopes: []string{"read"}}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		client := oauth2.NewClient(ctx, oauth2.ReuseTokenSourceWithExpiry(nil, cc.TokenSource(ctx), 200*time.Millisecond))
		// The client is told expires_in 2 and renews 0.2 s early: the first
		// refresh comes at 1.8 s, the next one would at 3.6 s.
		deadline := time.Now().Add(2500 * time.Millisecond)
		n := 0
		for time.Now().Before(deadline) {
			resp, err := client.Get(srv.URL + "/items")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Body.Close()).To(Succeed())
			Expect(resp.StatusCode).To(Equal(http.StatusOK), resp.Header.Get("WWW-Authenticate"))
			n++
			time.Sleep(50 * time.Millisecond)
		}
		st := srv.Auth().Stats()
		Expect(st.TokenRequests.Load()).To(BeEquivalentTo(2), "one token, then exactly one refresh")
		Expect(st.Expired.Load()).To(BeZero(), "no expired token reached the server")
		Expect(st.Verified.Load()).To(BeEquivalentTo(n))
	})

	It("completes an authorization-code flow with PKCE (S256) from oauth2.Config", func() {
		srv := authServer(mockserver.AuthStrict, &auth.Config{Clients: []auth.Client{{ID: "spa", RedirectURIs: []string{"http://127.0.0.1/callback"}}}})
		Expect(srv.AuthPaths()).To(ConsistOf("/oauth/token", "/oauth/authorize", auth.JWKSPath))
		cfg := oauth2.Config{ClientID: "spa", RedirectURL: "http://127.0.0.1/callback", Scopes: []string{"read"},
			Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
		ctx, tok := pkceFlow(srv, &cfg)
		resp, err := cfg.Client(ctx, tok).Get(srv.URL + "/items")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(getWith(srv, "/admin", "Bearer "+tok.AccessToken).StatusCode).To(Equal(http.StatusForbidden))
	})

	Describe("verification table", func() {
		var (
			srv *mockserver.TestServer
			key []byte
		)
		BeforeEach(func() {
			srv = authServer(mockserver.AuthStrict, &auth.Config{Alg: auth.HS256, Issuer: "https://issuer.test", Audience: []string{"api"}})
			key = srv.Auth().HMACKey()
		})
		token := func(k []byte, edit func(jwt.MapClaims)) string {
			now := time.Now()
			c := jwt.MapClaims{"iss": "https://issuer.test", "aud": "api", "sub": "u", "scope": "read",
				"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
			if edit != nil {
				edit(c)
			}
			s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(k)
			Expect(err).NotTo(HaveOccurred())
			return s
		}
		DescribeTable("answers 401/403 with the RFC 6750 challenge",
			func(otherKey bool, path string, edit func(jwt.MapClaims), status int, challenge string) {
				k := key
				if otherKey {
					k = []byte(strings.Repeat("x", 32))
				}
				resp := getWith(srv, path, "Bearer "+token(k, edit))
				Expect(resp.StatusCode).To(Equal(status))
				if challenge == "" {
					Expect(resp.Header.Values("WWW-Authenticate")).To(BeEmpty())
					return
				}
				Expect(resp.Header.Get("WWW-Authenticate")).To(MatchRegexp(`^Bearer error="%s", error_description="[^"]+"`, challenge))
			},
			Entry("bad signature", true, "/items", nil, 401, auth.ErrInvalidToken),
			Entry("expired", false, "/items", func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, 401, auth.ErrInvalidToken),
			Entry("nbf in the future", false, "/items", func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }, 401, auth.ErrInvalidToken),
			Entry("wrong issuer", false, "/items", func(c jwt.MapClaims) { c["iss"] = "https://other.test" }, 401, auth.ErrInvalidToken),
			Entry("wrong audience", false, "/items", func(c jwt.MapClaims) { c["aud"] = "other" }, 401, auth.ErrInvalidToken),
			Entry("missing scope", false, "/admin", nil, 403, auth.ErrInsufficientScope),
			Entry("good token", false, "/items", nil, 200, ""),
			Entry("good token with every scope", false, "/admin", func(c jwt.MapClaims) { c["scope"] = "read admin" }, 204, ""),
		)

		It("names the missing scope and keeps the problem in the journal", func() {
			resp := getWith(srv, "/admin", "Bearer "+token(key, nil))
			Expect(resp.Header.Get("WWW-Authenticate")).To(ContainSubstring(`scope="read admin"`))
			Eventually(func() string {
				es := srv.Journal().Entries(mockserver.Filter{})
				if len(es) == 0 || es[len(es)-1].Problem == nil {
					return ""
				}
				return es[len(es)-1].Problem.Type
			}).Should(Equal(mockserver.ProblemForbidden))
		})

		It("leaves operations without security and presence failures as they were", func() {
			Expect(getWith(srv, "/open", "").StatusCode).To(Equal(http.StatusNoContent))
			resp := getWith(srv, "/items", "")
			Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
			Expect(resp.Header.Get("WWW-Authenticate")).To(Equal("Bearer"), "no credentials: a challenge without an error code (RFC 6750 §3.1)")
		})
	})

	It("checks API keys against the configured list", func() {
		srv := authServer(mockserver.AuthStrict, &auth.Config{APIKeys: []string{"good-key-1"}})
		send := func(k string) int {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/keyed", nil)
			req.Header.Set("X-Api-Key", k)
			resp, err := srv.Client().Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Body.Close()).To(Succeed())
			return resp.StatusCode
		}
		Expect(send("good-key-1")).To(Equal(http.StatusNoContent))
		Expect(send("bad-key")).To(Equal(http.StatusUnauthorized))
	})

	It("keeps the presence-only check by default", func() {
		srv := authServer("", nil)
		Expect(getWith(srv, "/items", "Bearer not-a-jwt").StatusCode).To(Equal(http.StatusOK))
		_, body := tokenRequest(srv, url.Values{"grant_type": {"client_credentials"}, "client_id": {"a"}, "client_secret": {"b"}})
		Expect(body).To(HaveKey("access_token"), "the token endpoint is served at the flow's tokenUrl path")
	})

	It("refuses a bad --auth mode", func() {
		_, err := mockserver.New(mockserver.SpecFile(authSpec), mockserver.WithAuth("lax", nil))
		Expect(err).To(MatchError(ContainSubstring(`use presence`)))
	})

	Describe("faults", func() {
		cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {"a"}, "client_secret": {"b"}, "scope": {"read"}}

		It("expires every token after N uses", func() {
			srv := authServer(mockserver.AuthStrict, &auth.Config{Alg: auth.HS256, Faults: auth.Faults{ExpireAfterUses: 2}})
			_, body := tokenRequest(srv, cc)
			bearer := "Bearer " + body["access_token"].(string)
			Expect(getWith(srv, "/items", bearer).StatusCode).To(Equal(http.StatusOK))
			Expect(getWith(srv, "/items", bearer).StatusCode).To(Equal(http.StatusOK))
			resp := getWith(srv, "/items", bearer)
			Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
			Expect(resp.Header.Get("WWW-Authenticate")).To(ContainSubstring("after 2 uses"))
		})

		It("revokes a refresh token", func() {
			srv := authServer(mockserver.AuthStrict, &auth.Config{Alg: auth.HS256})
			cfg := oauth2.Config{ClientID: "spa", RedirectURL: "http://127.0.0.1/cb",
				Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/oauth/authorize", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}}
			ctx, tok := pkceFlow(srv, &cfg)
			Expect(srv.Auth().RevokeRefreshToken(tok.RefreshToken)).To(BeTrue())
			tok.Expiry = time.Now().Add(-time.Second)
			_, err := cfg.TokenSource(ctx, tok).Token()
			var re *oauth2.RetrieveError
			Expect(err).To(BeAssignableToTypeOf(re))
			Expect(err.(*oauth2.RetrieveError).ErrorCode).To(Equal(auth.ErrInvalidGrant))
		})

		It("lets fault rules reach the auth endpoints like any path", func() {
			srv := authServer(mockserver.AuthStrict, &auth.Config{Alg: auth.HS256})
			Expect(srv.SetFaultsYAML("rules:\n  - name: token-down\n    match: {path: /oauth/token}\n    fault: {status: 503, retry_after: 2}\n")).To(Succeed())
			resp, err := srv.Client().PostForm(srv.URL+"/oauth/token", cc)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Body.Close()).To(Succeed())
			Expect(resp.StatusCode).To(Equal(http.StatusServiceUnavailable))
			Expect(resp.Header.Get("Retry-After")).To(Equal("2"))
			Expect(srv.Auth().Stats().TokenRequests.Load()).To(BeZero(), "the fault answered before the token endpoint")
		})

		DescribeTable("make the token endpoint answer 429 or 503",
			func(status int, errorCode string) {
				srv := authServer(mockserver.AuthStrict, &auth.Config{Alg: auth.HS256,
					Faults: auth.Faults{TokenEndpoint: &auth.EndpointFault{Status: status, First: 1, RetryAfter: 1}}})
				c := clientcredentials.Config{ClientID: "a", ClientSecret: "b", TokenURL: srv.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
				ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
				_, err := c.Token(ctx)
				var re *oauth2.RetrieveError
				Expect(err).To(BeAssignableToTypeOf(re))
				re = err.(*oauth2.RetrieveError)
				Expect(re.Response.StatusCode).To(Equal(status))
				Expect(re.Response.Header.Get("Retry-After")).To(Equal("1"))
				Expect(re.ErrorCode).To(Equal(errorCode))
				_, err = c.Token(ctx)
				Expect(err).NotTo(HaveOccurred(), "the second request passes")
			},
			Entry("429", http.StatusTooManyRequests, auth.ErrSlowDown),
			Entry("503", http.StatusServiceUnavailable, auth.ErrTemporarilyUnavail),
		)
	})
})
