package auth_test

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/auth"
)

var _ = Describe("faults", func() {
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"d"}}

	It("expires every token after N uses", func() {
		s, err := auth.New(auth.Config{Alg: auth.HS256, Faults: auth.Faults{ExpireAfterUses: 2}})
		Expect(err).NotTo(HaveOccurred())
		_, body := postToken(serve(s), cc, "", "")
		tok := body["access_token"].(string)
		Expect(s.Verify(tok, nil)).To(Succeed())
		Expect(s.Verify(tok, nil)).To(Succeed())
		err = s.Verify(tok, nil)
		var be *auth.BearerError
		Expect(errors.As(err, &be)).To(BeTrue())
		Expect(be.Status).To(Equal(http.StatusUnauthorized))
		Expect(be.Description).To(ContainSubstring("after 2 uses"))
		Expect(err).To(MatchError(auth.ErrExpired))
	})

	It("expires every token at a given time", func() {
		clk := &clock{t: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
		at := clk.t.Add(5 * time.Second)
		s, err := auth.New(auth.Config{Alg: auth.HS256, Now: clk.Now, Faults: auth.Faults{ExpireAt: at}})
		Expect(err).NotTo(HaveOccurred())
		_, body := postToken(serve(s), cc, "", "")
		Expect(body["expires_in"]).To(BeNumerically("==", 5), "the client is told the real lifetime")
		tok := body["access_token"].(string)
		Expect(s.Verify(tok, nil)).To(Succeed())
		clk.Add(6 * time.Second)
		Expect(s.Verify(tok, nil)).To(MatchError(auth.ErrExpired))
	})

	It("revokes refresh tokens, all of them or one", func() {
		s, err := auth.New(auth.Config{Alg: auth.HS256, Faults: auth.Faults{RevokeRefresh: true}})
		Expect(err).NotTo(HaveOccurred())
		resp, body := postToken(serve(s), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"any"}, "client_id": {"c"}}, "", "")
		Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
		Expect(body).To(HaveKeyWithValue("error", auth.ErrInvalidGrant))
		Expect(body["error_description"]).To(ContainSubstring("revoke_refresh"))
		Expect(s.RevokeRefreshToken("never-issued")).To(BeFalse())
	})

	DescribeTable("make the token endpoint answer 429 or 503",
		func(f auth.EndpointFault, want []int) {
			s, err := auth.New(auth.Config{Alg: auth.HS256, Seed: 7, Faults: auth.Faults{TokenEndpoint: &f}})
			Expect(err).NotTo(HaveOccurred())
			ts := serve(s)
			var got []int
			for range want {
				resp, body := postToken(ts, cc, "", "")
				got = append(got, resp.StatusCode)
				if resp.StatusCode != http.StatusOK {
					Expect(body).To(HaveKey("error"))
					if f.RetryAfter > 0 {
						Expect(resp.Header.Get("Retry-After")).To(Equal("2"))
					}
				}
			}
			Expect(got).To(Equal(want))
		},
		Entry("first 2 with 429 and Retry-After", auth.EndpointFault{Status: 429, First: 2, RetryAfter: 2}, []int{429, 429, 200, 200}),
		Entry("every 3rd with 503", auth.EndpointFault{Status: 503, Every: 3}, []int{200, 200, 503, 200, 200, 503}),
	)

	It("decides seeded probabilities the same way on every run", func() {
		run := func() []int {
			s, err := auth.New(auth.Config{Alg: auth.HS256, Seed: 42, Faults: auth.Faults{TokenEndpoint: &auth.EndpointFault{Status: 503, Probability: 0.5}}})
			Expect(err).NotTo(HaveOccurred())
			ts := serve(s)
			var got []int
			for range 12 {
				resp, _ := postToken(ts, cc, "", "")
				got = append(got, resp.StatusCode)
			}
			return got
		}
		a := run()
		Expect(a).To(ContainElement(503))
		Expect(a).To(ContainElement(200))
		Expect(run()).To(Equal(a))
	})
})

var _ = Describe("config", func() {
	It("reads a YAML file and keeps secrets out of logs", func() {
		c, err := auth.ParseConfig("auth.yaml", []byte(`
issuer: https://issuer.test
lifetime: 90s
clients:
  - id: app
    secret: s3cret-value
faults:
  expire_after_uses: 3
  token_endpoint: {status: 503, first: 1}
`))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Lifetime).To(Equal(90 * time.Second))
		Expect(c.Faults.TokenEndpoint.Status).To(Equal(503))
		Expect(c.Secrets()).To(ConsistOf("s3cret-value"))
		Expect(c.Clients[0].LogValue().String()).NotTo(ContainSubstring("s3cret"))
	})

	DescribeTable("refuses bad configs, naming the file and the fix",
		func(src, want string) {
			_, err := auth.ParseConfig("auth.yaml", []byte(src))
			Expect(err).To(MatchError(And(ContainSubstring("auth.yaml"), ContainSubstring(want))))
		},
		Entry("unknown key", "isuer: x", "isuer"),
		Entry("bad alg", "alg: none", "use RS256 or HS256"),
		Entry("short HMAC key", "alg: HS256\nhmac_key: short", "at least 32"),
		Entry("duplicate client", "clients: [{id: a}, {id: a}]", "listed twice"),
		Entry("bad fault status", "faults: {token_endpoint: {status: 500, first: 1}}", "use 429 or 503"),
		Entry("fault that fails nothing", "faults: {token_endpoint: {status: 503}}", "fails nothing"),
	)

	It("parses id:secret flags", func() {
		c, err := auth.ParseClient("app:se:cret")
		Expect(err).NotTo(HaveOccurred())
		Expect(c).To(Equal(auth.Client{ID: "app", Secret: "se:cret"}))
		_, err = auth.ParseClient(":x")
		Expect(err).To(HaveOccurred())
	})
})
