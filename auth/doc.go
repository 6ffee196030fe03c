// Package auth is the OAuth 2.0 authorization server and the bearer
// verification a mock API needs, and nothing of the mock server itself:
//
//   - a token endpoint (RFC 6749 §3.2) for the client_credentials,
//     authorization_code (with PKCE S256, RFC 7636) and refresh_token grants,
//     answering RFC 6749 §5.2 error bodies;
//   - an authorize endpoint that redirects straight back with a code (no login
//     page: the mock's user always consents);
//   - JWT access tokens (RFC 9068 style) signed RS256, with the public key at
//     the JWKS endpoint, or HS256 with a shared key; lifetime, issuer,
//     audience and scopes configurable;
//   - verification of bearer tokens (signature, exp, nbf, iss, aud, required
//     scopes) with RFC 6750 answers (401 invalid_token, 403
//     insufficient_scope) and of API keys against a configured list;
//   - faults to test a client's refresh and back-off logic: expire every
//     token after N uses or at a time, revoke refresh tokens, make the token
//     endpoint answer 429 or 503 (deterministic or seeded).
//
// Clients come from Config (a YAML file, LoadConfig, or flags); with none
// configured any client id and secret are accepted. JWTs are made and
// checked with github.com/golang-jwt/jwt/v5; only the mock-specific parts
// are written here. package mockserver mounts the handlers at the paths of
// a spec's OAuth flows and calls Verify in its security stage.
package auth
