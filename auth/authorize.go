package auth

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// ServeAuthorize is the authorize endpoint (RFC 6749 §4.1.1): it redirects
// at once to redirect_uri with a code (the mock's user always consents; no
// login page). A request it cannot trust (unknown client, bad redirect_uri)
// gets a 400 error body; any other error is a redirect with error= (§4.1.2.1).
func (s *Server) ServeAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, ErrInvalidRequest, "the authorize endpoint takes GET (or a POSTed form)")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, ErrInvalidRequest, "the query is not valid: "+err.Error())
		return
	}
	q := r.Form
	cl, redirect, oe := s.authorizeTarget(q)
	if oe != nil {
		writeError(w, oe.status, oe.code, oe.desc)
		return
	}
	back := func(params url.Values) {
		if st := q.Get("state"); st != "" {
			params.Set("state", st)
		}
		params.Set("iss", s.cfg.Issuer) // RFC 9207
		u := *redirect
		extra := u.Query()
		for k, vs := range params {
			extra[k] = vs
		}
		u.RawQuery = extra.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	if rt := q.Get("response_type"); rt != "code" {
		fail("unsupported_response_type", "response_type "+strconv.Quote(rt)+" is not supported: use code")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && cl.Secret == "" && len(s.cfg.Clients) > 0:
		fail(ErrInvalidRequest, "a public client must send code_challenge (PKCE, method S256)")
		return
	case challenge != "" && method != "S256":
		fail(ErrInvalidRequest, "code_challenge_method "+strconv.Quote(method)+" is not supported: use S256")
		return
	case challenge != "" && (len(challenge) < 43 || len(challenge) > 128):
		fail(ErrInvalidRequest, "code_challenge must be 43 to 128 characters (RFC 7636 §4.2)")
		return
	}
	scopes, oe := s.scopes(cl, q.Get("scope"))
	if oe != nil {
		fail(oe.code, oe.desc)
		return
	}
	code := randomToken()
	ac := &authCode{
		grant:       grant{clientID: cl.ID, subject: s.cfg.Subject, scopes: scopes, expires: s.cfg.Now().Add(CodeLifetime)},
		redirectURI: q.Get("redirect_uri"),
		challenge:   challenge,
	}
	s.mu.Lock()
	now := s.cfg.Now()
	for k, v := range s.codes {
		if now.After(v.expires) {
			delete(s.codes, k)
		}
	}
	s.codes[code] = ac
	s.mu.Unlock()
	back(url.Values{"code": {code}})
}

// authorizeTarget checks the client and the redirect URI of an authorize
// request: errors here are not redirected (RFC 6749 §4.1.2.1).
func (s *Server) authorizeTarget(q url.Values) (Client, *url.URL, *oauthError) {
	id := q.Get("client_id")
	if id == "" {
		return Client{}, nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "client_id is missing"}
	}
	cl := Client{ID: id}
	if len(s.cfg.Clients) > 0 {
		var ok bool
		if cl, ok = s.client(id); !ok {
			return Client{}, nil, &oauthError{http.StatusBadRequest, ErrInvalidClient, "unknown client " + strconv.Quote(id)}
		}
	}
	raw := q.Get("redirect_uri")
	if raw == "" && len(cl.RedirectURIs) == 1 {
		raw = cl.RedirectURIs[0]
	}
	if raw == "" {
		return Client{}, nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "redirect_uri is missing (and the client has not exactly one registered)"}
	}
	if len(cl.RedirectURIs) > 0 && !slices.Contains(cl.RedirectURIs, raw) {
		return Client{}, nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "redirect_uri " + strconv.Quote(raw) + " is not registered for client " + strconv.Quote(id)}
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Fragment != "" {
		return Client{}, nil, &oauthError{http.StatusBadRequest, ErrInvalidRequest, "redirect_uri " + strconv.Quote(raw) + " must be an absolute URL without a fragment"}
	}
	return cl, u, nil
}
