package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// RFC 6749 §5.2 error codes.
const (
	ErrInvalidRequest       = "invalid_request"
	ErrInvalidClient        = "invalid_client"
	ErrInvalidGrant         = "invalid_grant"
	ErrUnauthorizedClient   = "unauthorized_client"
	ErrUnsupportedGrantType = "unsupported_grant_type"
	ErrInvalidScope         = "invalid_scope"
	ErrTemporarilyUnavail   = "temporarily_unavailable"
	ErrSlowDown             = "slow_down"
)

// tokenResponse is the RFC 6749 §5.1 success body.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// oauthError is an RFC 6749 §5.2 error answer.
type oauthError struct {
	status int
	code   string
	desc   string
}

func writeError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// writeJSON writes a token endpoint answer, never cached (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ServeToken is the token endpoint: POST, form-encoded, grant types
// client_credentials, authorization_code (PKCE S256) and refresh_token.
func (s *Server) ServeToken(w http.ResponseWriter, r *http.Request) {
	n := s.stats.TokenRequests.Add(1)
	if f := s.cfg.Faults.TokenEndpoint; f.fails(s.cfg.Seed, n) {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		code, desc := ErrTemporarilyUnavail, "the token endpoint is unavailable (mockd fault faults.token_endpoint)"
		if f.Status == http.StatusTooManyRequests {
			code, desc = ErrSlowDown, "too many token requests (mockd fault faults.token_endpoint)"
		}
		writeError(w, f.Status, code, desc)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, ErrInvalidRequest, "the token endpoint takes POST with an application/x-www-form-urlencoded body")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, ErrInvalidRequest, "the body is not a valid form: "+err.Error())
		return
	}
	resp, oe := s.grantToken(r)
	if oe != nil {
		if oe.code == ErrInvalidClient {
			if _, _, basic := r.BasicAuth(); basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="mockd"`)
			}
		}
		writeError(w, oe.status, oe.code, oe.desc)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) grantToken(r *http.Request) (*tokenResponse, *oauthError) {
	cl, oe := s.authenticate(r)
	if oe != nil {
		return nil, oe
	}
	var g *grant
	refresh := false
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
		if cl.Secret == "" && len(s.cfg.Clients) > 0 {
			return nil, &oauthError{http.StatusBadRequest, ErrUnauthorizedClient, "a public client (no secret) cannot use client_credentials"}
		}
		scopes, oe := s.scopes(cl, r.PostForm.Get("scope"))
		if oe != nil {
			return nil, oe
		}
		g = &grant{clientID: cl.ID, subject: cl.ID, scopes: scopes}
	case "authorization_code":
		g, oe = s.redeemCode(cl, r.PostForm)
		refresh = true
	case "refresh_token":
		g, oe = s.redeemRefresh(cl, r.PostForm)
		refresh = true
	case "":
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "grant_type is missing"}
	default:
		return nil, &oauthError{http.StatusBadRequest, ErrUnsupportedGrantType, "grant_type " + strconv.Quote(gt) + " is not supported: use client_credentials, authorization_code or refresh_token"}
	}
	if oe != nil {
		return nil, oe
	}
	tok, expiresIn, err := s.issue(g)
	if err != nil {
		return nil, &oauthError{http.StatusInternalServerError, "server_error", err.Error()}
	}
	resp := &tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: expiresIn, Scope: strings.Join(g.scopes, " ")}
	if refresh {
		resp.RefreshToken = s.newRefresh(g)
	}
	return resp, nil
}

// authenticate finds the client of a token request: HTTP Basic
// (client_secret_basic, RFC 6749 §2.3.1, ids and secrets form-encoded) or
// client_id and client_secret in the body. With no client configured any
// client id is accepted.
func (s *Server) authenticate(r *http.Request) (Client, *oauthError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return Client{}, &oauthError{http.StatusUnauthorized, ErrInvalidClient, "the Basic credentials are not form-encoded (RFC 6749 §2.3.1)"}
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		return Client{}, &oauthError{http.StatusUnauthorized, ErrInvalidClient, "no client authentication: send client_id (and client_secret) in HTTP Basic or in the body"}
	}
	if len(s.cfg.Clients) == 0 {
		return Client{ID: id, Secret: secret}, nil
	}
	cl, ok := s.client(id)
	if !ok || subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(secret)) != 1 {
		return Client{}, &oauthError{http.StatusUnauthorized, ErrInvalidClient, "unknown client or wrong secret"}
	}
	return cl, nil
}

func (s *Server) client(id string) (Client, bool) {
	for _, c := range s.cfg.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

// scopes parses a requested scope against the client's allowed scopes;
// none requested gives Config.Scopes.
func (s *Server) scopes(cl Client, requested string) ([]string, *oauthError) {
	want := strings.Fields(requested)
	if len(want) == 0 {
		return slices.Clone(s.cfg.Scopes), nil
	}
	if len(cl.Scopes) > 0 {
		for _, sc := range want {
			if !slices.Contains(cl.Scopes, sc) {
				return nil, &oauthError{http.StatusBadRequest, ErrInvalidScope, "client " + strconv.Quote(cl.ID) + " may not ask for scope " + strconv.Quote(sc)}
			}
		}
	}
	return want, nil
}

func (s *Server) redeemCode(cl Client, form url.Values) (*grant, *oauthError) {
	code := form.Get("code")
	s.mu.Lock()
	ac, ok := s.codes[code]
	delete(s.codes, code) // single use, whatever happens next
	s.mu.Unlock()
	now := s.cfg.Now()
	switch {
	case code == "":
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "code is missing"}
	case !ok:
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "unknown, used or revoked authorization code"}
	case now.After(ac.expires):
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "the authorization code expired"}
	case ac.clientID != cl.ID:
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "the authorization code was issued to another client"}
	case ac.redirectURI != "" && form.Get("redirect_uri") != ac.redirectURI:
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "redirect_uri differs from the one of the authorize request"}
	}
	verifier := form.Get("code_verifier")
	if ac.challenge != "" {
		if verifier == "" {
			return nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "code_verifier is missing (the authorize request had a code_challenge)"}
		}
		sum := sha256.Sum256([]byte(verifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(ac.challenge)) != 1 {
			return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "code_verifier does not match the code_challenge (S256)"}
		}
	} else if cl.Secret == "" {
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "a public client must use PKCE (code_challenge with S256)"}
	}
	return &ac.grant, nil
}

func (s *Server) redeemRefresh(cl Client, form url.Values) (*grant, *oauthError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "refresh_token is missing"}
	}
	if s.cfg.Faults.RevokeRefresh {
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "the refresh token was revoked (mockd fault faults.revoke_refresh)"}
	}
	s.mu.Lock()
	g, ok := s.refresh[rt]
	if ok && g.clientID == cl.ID {
		delete(s.refresh, rt) // rotated: a new one comes with the answer
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "unknown, used or revoked refresh token"}
	case g.clientID != cl.ID:
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "the refresh token was issued to another client"}
	case s.cfg.Now().After(g.expires):
		return nil, &oauthError{http.StatusBadRequest, ErrInvalidGrant, "the refresh token expired"}
	}
	out := *g
	if want := strings.Fields(form.Get("scope")); len(want) > 0 {
		for _, sc := range want {
			if !slices.Contains(g.scopes, sc) {
				return nil, &oauthError{http.StatusBadRequest, ErrInvalidScope, "scope " + strconv.Quote(sc) + " was not granted to this refresh token"}
			}
		}
		out.scopes = want
	}
	return &out, nil
}

// newRefresh stores a refresh token for g and returns it.
func (s *Server) newRefresh(g *grant) string {
	rt := randomToken()
	now := s.cfg.Now()
	ng := *g
	ng.expires = now.Add(s.cfg.RefreshLifetime)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.refresh {
		if now.After(v.expires) {
			delete(s.refresh, k)
		}
	}
	s.refresh[rt] = &ng
	return rt
}
