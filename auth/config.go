package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Signing algorithms of issued tokens.
const (
	// RS256 signs with a 2048-bit RSA key made at start; its public half is
	// served by the JWKS endpoint.
	RS256 = "RS256"
	// HS256 signs with Config.HMACKey, a secret shared with the resource
	// servers (random when not configured).
	HS256 = "HS256"
)

// Defaults of Config's zero fields.
const (
	DefaultIssuer          = "mockd"
	DefaultAudience        = "mockd"
	DefaultSubject         = "mockd-user"
	DefaultLifetime        = time.Hour
	DefaultRefreshLifetime = 24 * time.Hour
	// CodeLifetime is how long an authorization code can be redeemed.
	CodeLifetime = time.Minute
)

// Client is a registered OAuth client.
type Client struct {
	// ID is the client_id.
	ID string `yaml:"id"`
	// Secret is the client_secret; empty makes a public client (PKCE only).
	Secret string `yaml:"secret"`
	// RedirectURIs are the allowed redirect_uri values of the authorize
	// endpoint (empty: any absolute URL).
	RedirectURIs []string `yaml:"redirect_uris"`
	// Scopes limits the scopes the client may ask for (empty: any).
	Scopes []string `yaml:"scopes"`
}

// LogValue keeps the secret out of logs.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", c.ID), slog.Bool("public", c.Secret == ""))
}

// ParseClient parses an "id:secret" flag value ("id:" or "id" is a public
// client).
func ParseClient(s string) (Client, error) {
	id, secret, _ := strings.Cut(s, ":")
	if strings.TrimSpace(id) == "" {
		return Client{}, errors.New("auth: client has no id: want id:secret (or id: for a public client)")
	}
	return Client{ID: id, Secret: secret}, nil
}

// Config configures a Server. The zero value works: RS256 tokens for an hour
// from issuer and audience "mockd", any client accepted.
type Config struct {
	// Issuer is the iss claim issued and required (default DefaultIssuer).
	Issuer string `yaml:"issuer"`
	// Audience is the aud claim issued; a token must name one of them
	// (default DefaultAudience).
	Audience []string `yaml:"audience"`
	// Subject is the sub claim of tokens from the authorization code flow
	// (default DefaultSubject; client credentials tokens have the client id).
	Subject string `yaml:"subject"`
	// Lifetime of access tokens (default DefaultLifetime).
	Lifetime time.Duration `yaml:"lifetime"`
	// RefreshLifetime of refresh tokens (default DefaultRefreshLifetime).
	RefreshLifetime time.Duration `yaml:"refresh_lifetime"`
	// Alg is RS256 (default) or HS256.
	Alg string `yaml:"alg"`
	// HMACKey is the HS256 key (at least 32 bytes; random when empty).
	HMACKey string `yaml:"hmac_key"`
	// Scopes are granted when a token request names none.
	Scopes []string `yaml:"scopes"`
	// Clients are the registered clients (none: any client accepted).
	Clients []Client `yaml:"clients"`
	// APIKeys are the accepted API keys (none: any value accepted).
	APIKeys []string `yaml:"api_keys"`
	// Faults make the server misbehave on purpose.
	Faults Faults `yaml:"faults"`
	// Seed seeds probabilistic faults and nothing else.
	Seed uint64 `yaml:"seed"`
	// Now is the clock (nil: time.Now); tests set it.
	Now func() time.Time `yaml:"-"`
}

// LoadConfig reads a YAML auth config file; unknown keys and bad values are
// errors naming the file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("auth config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig parses a YAML auth config; name is the file name for errors.
func ParseConfig(name string, data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("auth config %s: %w (see the README's Auth flows section for the keys)", name, err)
	}
	if err := c.Check(); err != nil {
		return Config{}, fmt.Errorf("auth config %s: %w", name, err)
	}
	return c, nil
}

// Check validates c; each error says the fix.
func (c *Config) Check() error {
	switch c.Alg {
	case "", RS256:
	case HS256:
		if c.HMACKey != "" && len(c.HMACKey) < 32 {
			return fmt.Errorf("hmac_key is %d bytes: HS256 needs at least 32 (or leave it empty for a random key)", len(c.HMACKey))
		}
	default:
		return fmt.Errorf("alg %q: use %s or %s", c.Alg, RS256, HS256)
	}
	if c.Lifetime < 0 || c.RefreshLifetime < 0 {
		return errors.New("lifetime and refresh_lifetime must not be negative (0: the default)")
	}
	seen := map[string]bool{}
	for i, cl := range c.Clients {
		if strings.TrimSpace(cl.ID) == "" {
			return fmt.Errorf("clients[%d] has no id", i)
		}
		if seen[cl.ID] {
			return fmt.Errorf("client %q is listed twice: keep one", cl.ID)
		}
		seen[cl.ID] = true
	}
	return c.Faults.check()
}

func (c *Config) withDefaults() {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if len(c.Audience) == 0 {
		c.Audience = []string{DefaultAudience}
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if c.Lifetime == 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.RefreshLifetime == 0 {
		c.RefreshLifetime = DefaultRefreshLifetime
	}
	if c.Alg == "" {
		c.Alg = RS256
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Secrets returns the secret values of c (client secrets, the HMAC key, API
// keys) for a redactor's value list.
func (c *Config) Secrets() []string {
	var out []string
	for _, cl := range c.Clients {
		if cl.Secret != "" {
			out = append(out, cl.Secret)
		}
	}
	if c.HMACKey != "" {
		out = append(out, c.HMACKey)
	}
	return append(out, c.APIKeys...)
}
