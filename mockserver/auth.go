package mockserver

// The mock authorization server (package auth) inside the mock: its
// endpoints at the paths of the spec's OAuth flows, and --auth strict, which
// verifies credentials in the security stage instead of only seeing them.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/auth"
	"github.com/mockd/mockd/validator"
)

// AuthMode is how the security stage checks credentials.
type AuthMode string

// Auth modes (Config.Auth).
const (
	// AuthPresence checks that the credentials an operation requires are
	// there, whatever their value (the default; "" means it too).
	AuthPresence AuthMode = "presence"
	// AuthStrict verifies them: bearer tokens as issued by the mock's
	// authorization server (signature, exp, nbf, iss, aud, the operation's
	// scopes), API keys against auth.Config.APIKeys.
	AuthStrict AuthMode = "strict"
)

// ParseAuthMode parses an --auth value.
func ParseAuthMode(s string) (AuthMode, error) {
	switch AuthMode(s) {
	case "", AuthPresence:
		return AuthPresence, nil
	case AuthStrict:
		return AuthStrict, nil
	}
	return "", fmt.Errorf("auth %q: use %s (credentials must be there) or %s (tokens and API keys verified)", s, AuthPresence, AuthStrict)
}

// Default endpoint paths, used when the spec declares no OAuth flow URL.
const (
	DefaultTokenPath     = "/oauth/token"
	DefaultAuthorizePath = "/oauth/authorize"
)

// ProblemForbidden is the problem type of a token without the operation's
// scopes (--auth strict).
const ProblemForbidden = "urn:mockd:problem:forbidden"

// SourceAuth is the source of answers by the mock authorization server.
const SourceAuth Source = "auth"

// mockAuth is the server's authorization server and what it needs per
// operation.
type mockAuth struct {
	srv    *auth.Server
	routes map[string]http.HandlerFunc // path → endpoint
	// scopes holds, per operation, the scopes each scheme requires in each
	// alternative of op.Security (same order).
	scopes map[*validator.Operation][]map[string][]string
}

// setupAuth builds the authorization server when the spec declares OAuth
// flows, Config.AuthConfig is set or Config.Auth is strict.
func (s *Server) setupAuth() error {
	cfg := s.cfg
	if _, err := ParseAuthMode(string(cfg.Auth)); err != nil {
		return fmt.Errorf("mockserver: %w", err)
	}
	var flows map[string]string
	if s.spec != nil {
		flows = flowPaths(s.spec.Model)
	}
	if len(flows) == 0 && cfg.AuthConfig == nil && cfg.Auth != AuthStrict {
		return nil
	}
	var ac auth.Config
	if cfg.AuthConfig != nil {
		ac = *cfg.AuthConfig
	}
	srv, err := auth.New(ac)
	if err != nil {
		return fmt.Errorf("mockserver: %w", err)
	}
	if len(flows) == 0 {
		flows = map[string]string{DefaultTokenPath: "token", DefaultAuthorizePath: "authorize"}
	}
	m := &mockAuth{srv: srv, routes: map[string]http.HandlerFunc{auth.JWKSPath: srv.ServeJWKS}}
	for p, kind := range flows {
		m.routes[p] = srv.ServeToken
		if kind == "authorize" {
			m.routes[p] = srv.ServeAuthorize
		}
	}
	if s.spec != nil {
		m.scopes = requiredScopes(s.spec)
	}
	s.auth = m
	return nil
}

// Auth returns the mock authorization server (nil when the spec declares no
// OAuth flow and neither Config.AuthConfig nor AuthStrict is set): its
// Stats, RevokeRefreshToken, Verify.
func (s *Server) Auth() *auth.Server {
	if s.auth == nil {
		return nil
	}
	return s.auth.srv
}

// AuthPaths returns the paths the authorization server answers on.
func (s *Server) AuthPaths() []string {
	if s.auth == nil {
		return nil
	}
	out := make([]string, 0, len(s.auth.routes))
	for p := range s.auth.routes {
		out = append(out, p)
	}
	return out
}

// authRoute returns the endpoint for r: auth paths win over the spec's own
// operations only in strict mode (in the default mode a spec that documents
// its token endpoint is mocked as documented).
func (s *Server) authRoute(r *http.Request, op *validator.Operation) http.HandlerFunc {
	if s.auth == nil || (op != nil && s.cfg.Auth != AuthStrict) {
		return nil
	}
	return s.auth.routes[r.URL.Path]
}

// flowPaths maps the paths of the OAuth flows' URLs (tokenUrl, refreshUrl,
// authorizationUrl) to "token" or "authorize". Relative URLs are resolved
// against the first server's path.
func flowPaths(m *v3.Document) map[string]string {
	if m == nil || m.Components == nil || m.Components.SecuritySchemes == nil {
		return nil
	}
	base := "/"
	if len(m.Servers) > 0 && m.Servers[0] != nil {
		if u, err := url.Parse(m.Servers[0].URL); err == nil && u.Path != "" {
			base = u.Path
		}
	}
	out := map[string]string{}
	add := func(raw, kind string) {
		if p := flowPath(base, raw); p != "" {
			if _, dup := out[p]; !dup {
				out[p] = kind
			}
		}
	}
	for p := m.Components.SecuritySchemes.First(); p != nil; p = p.Next() {
		sc := p.Value()
		if sc == nil || sc.Type != "oauth2" || sc.Flows == nil {
			continue
		}
		for _, f := range []*v3.OAuthFlow{sc.Flows.ClientCredentials, sc.Flows.AuthorizationCode, sc.Flows.Password, sc.Flows.Implicit, sc.Flows.Device} {
			if f != nil {
				add(f.TokenUrl, "token")
				add(f.RefreshUrl, "token")
				add(f.AuthorizationUrl, "authorize")
			}
		}
	}
	return out
}

// flowPath is the path part of a flow URL ("" for none).
func flowPath(base, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return ""
	}
	if u.IsAbs() || strings.HasPrefix(u.Path, "/") {
		return u.Path
	}
	return path.Join(base, u.Path)
}

// requiredScopes lists, per operation, the scopes of each scheme in each
// security alternative, in the order of op.Security (the alternatives the
// validator keeps: not empty, schemes defined).
func requiredScopes(spec *validator.Spec) map[*validator.Operation][]map[string][]string {
	out := map[*validator.Operation][]map[string][]string{}
	for _, op := range spec.Operations {
		reqs := op.Op.Security
		if reqs == nil && spec.Model != nil {
			reqs = spec.Model.Security
		}
		var alts []map[string][]string
		for _, r := range reqs {
			if alt := requirementScopes(spec, r); len(alt) > 0 {
				alts = append(alts, alt)
			}
		}
		if len(alts) == len(op.Security) {
			out[op] = alts
		}
	}
	return out
}

func requirementScopes(spec *validator.Spec, r *base.SecurityRequirement) map[string][]string {
	if r == nil || r.ContainsEmptyRequirement || r.Requirements == nil {
		return nil
	}
	alt := map[string][]string{}
	for p := r.Requirements.First(); p != nil; p = p.Next() {
		if _, ok := spec.SecurityScheme(p.Key()); ok {
			alt[p.Key()] = p.Value()
		}
	}
	return alt
}

// verifyCredentials is the strict security check: the request passes when
// every scheme of one alternative verifies. It returns the first
// alternative's refusal otherwise.
func (s *Server) verifyCredentials(r *http.Request, op *validator.Operation) *auth.BearerError {
	if s.cfg.Auth != AuthStrict || s.auth == nil || len(op.Security) == 0 || op.SecurityOptional {
		return nil
	}
	alts := s.auth.scopes[op]
	var first *auth.BearerError
	for i, alt := range op.Security {
		var scopes map[string][]string
		if i < len(alts) {
			scopes = alts[i]
		}
		err := s.verifyAlternative(r, alt, scopes)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

func (s *Server) verifyAlternative(r *http.Request, alt []*validator.SecurityScheme, scopes map[string][]string) *auth.BearerError {
	for _, sc := range alt {
		var err error
		switch {
		case sc.Type == "oauth2", sc.Type == "openIdConnect", sc.Type == "http" && sc.Scheme == "bearer":
			err = s.auth.srv.VerifyRequest(r, scopes[sc.Name])
		case sc.Type == "apiKey":
			err = s.auth.srv.CheckAPIKey(apiKey(r, sc))
		default:
			continue // basic, digest, mutualTLS: presence only
		}
		var be *auth.BearerError
		if errors.As(err, &be) {
			return be
		}
	}
	return nil
}

// apiKey is the value of an apiKey scheme's parameter in r.
func apiKey(r *http.Request, sc *validator.SecurityScheme) string {
	switch sc.In {
	case "header":
		return r.Header.Get(sc.Param)
	case "query":
		return r.URL.Query().Get(sc.Param)
	case "cookie":
		if c, err := r.Cookie(sc.Param); err == nil {
			return c.Value
		}
	}
	return ""
}

// rejectCredentials answers a request whose credentials --auth strict
// refused: 401 or 403 with the RFC 6750 challenge, the spec's declared
// response for that status when there is one.
func (s *Server) rejectCredentials(w http.ResponseWriter, r *http.Request, op *validator.Operation, be *auth.BearerError) Source {
	if be.Code != auth.ErrInvalidKey {
		w.Header().Set("WWW-Authenticate", be.Challenge())
	}
	p := &Problem{Type: ProblemUnauthorized, Title: "Invalid credentials", Status: be.Status,
		Detail: "The credentials were refused (--auth strict): " + be.Description + "."}
	if be.Status == http.StatusForbidden {
		p.Type, p.Title = ProblemForbidden, "Insufficient scope"
	}
	return s.reject(w, r, op, p, mediaCandidates(be.Status), preferences{})
}

// WithAuth sets Config.Auth and Config.AuthConfig (cfg nil: defaults).
func WithAuth(mode AuthMode, cfg *auth.Config) Option {
	return func(c *Config) error { c.Auth, c.AuthConfig = mode, cfg; return nil }
}
