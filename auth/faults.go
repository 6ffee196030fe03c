package auth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Faults make the authorization server misbehave on purpose, to test a
// client's refresh and back-off logic. Every decision is deterministic: a
// count, or a seeded function of the request's ordinal.
type Faults struct {
	// ExpireAfterUses expires every access token after this many verified
	// uses: the next use is a 401 invalid_token (0: off).
	ExpireAfterUses int `yaml:"expire_after_uses"`
	// ExpireAt expires every token at this time: tokens issued before it
	// carry it as their exp (zero: off).
	ExpireAt time.Time `yaml:"expire_at"`
	// RevokeRefresh refuses every refresh token (invalid_grant), as if the
	// user had revoked the grant.
	RevokeRefresh bool `yaml:"revoke_refresh"`
	// TokenEndpoint makes token requests fail with 429 or 503 (nil: off).
	TokenEndpoint *EndpointFault `yaml:"token_endpoint"`
}

// EndpointFault fails requests to the token endpoint. A request fails when
// it is one of the First, every Every-th, or (seeded) with Probability.
type EndpointFault struct {
	// Status is 429 or 503.
	Status int `yaml:"status"`
	// RetryAfter is sent as Retry-After in seconds (0: no header).
	RetryAfter int `yaml:"retry_after"`
	// First fails the first N requests.
	First int `yaml:"first"`
	// Every fails every N-th request (the N-th, 2N-th, ...).
	Every int `yaml:"every"`
	// Probability fails each request with this chance, a pure function of
	// (Config.Seed, the request's ordinal).
	Probability float64 `yaml:"probability"`
}

func (f *Faults) check() error {
	if f.ExpireAfterUses < 0 {
		return fmt.Errorf("faults.expire_after_uses %d must not be negative (0: off)", f.ExpireAfterUses)
	}
	e := f.TokenEndpoint
	if e == nil {
		return nil
	}
	switch {
	case e.Status != 429 && e.Status != 503:
		return fmt.Errorf("faults.token_endpoint.status %d: use 429 or 503", e.Status)
	case e.First < 0 || e.Every < 0 || e.RetryAfter < 0:
		return errors.New("faults.token_endpoint: first, every and retry_after must not be negative")
	case e.Probability < 0 || e.Probability > 1:
		return fmt.Errorf("faults.token_endpoint.probability %g must be within [0, 1]", e.Probability)
	case e.First == 0 && e.Every == 0 && e.Probability == 0:
		return errors.New("faults.token_endpoint fails nothing: set first, every or probability")
	}
	return nil
}

// fails decides whether the ordinal-th token request (1-based) fails.
func (e *EndpointFault) fails(seed, ordinal uint64) bool {
	switch {
	case e == nil:
		return false
	case ordinal <= uint64(e.First):
		return true
	case e.Every > 0 && ordinal%uint64(e.Every) == 0:
		return true
	case e.Probability > 0:
		return rand.New(rand.NewPCG(seed, ordinal)).Float64() < e.Probability
	}
	return false
}
