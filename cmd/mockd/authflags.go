package main

import (
	"flag"
	"time"

	"github.com/mockd/mockd/auth"
	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/mockserver"
)

// authFlags are serve's auth flags: --auth goes to mockserver.Config.Auth,
// the others into the auth.Config of Config.AuthConfig (flags over the
// --auth-config file).
type authFlags struct {
	mode     string
	file     string
	clients  []string
	apiKeys  []string
	audience []string
	issuer   string
	alg      string
	lifetime time.Duration
}

func (a *authFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.mode, "auth", string(mockserver.AuthPresence), "credential check: presence (credentials must be there) or strict (bearer tokens and API keys verified)")
	fs.StringVar(&a.file, "auth-config", "", "auth config file (YAML): clients, token lifetime, issuer, audience, API keys, auth faults")
	fs.Var(cli.List(&a.clients), "oauth-client", "accept this OAuth client, id:secret (id: for a public client; repeatable; default: any client)")
	fs.Var(cli.List(&a.apiKeys), "api-key", "with --auth strict, accept this API key (repeatable; default: any value)")
	fs.Var(cli.List(&a.audience), "token-audience", "aud claim issued and required (repeatable; default mockd)")
	fs.StringVar(&a.issuer, "token-issuer", "", "iss claim issued and required (default mockd)")
	fs.StringVar(&a.alg, "token-alg", "", "token signature: RS256 (JWKS at /.well-known/jwks.json; default) or HS256")
	fs.DurationVar(&a.lifetime, "token-lifetime", 0, "access token lifetime (default 1h)")
}

// bind checks the flags and sets cfg.Auth and cfg.AuthConfig; each problem
// is a usage error naming the flag or the file.
func (a *authFlags) bind(cfg *mockserver.Config) error {
	mode, err := mockserver.ParseAuthMode(a.mode)
	if err != nil {
		return cli.Usagef("--%v", err)
	}
	cfg.Auth = mode
	var ac auth.Config
	set := false
	if a.file != "" {
		if ac, err = auth.LoadConfig(a.file); err != nil {
			return cli.Usagef("--auth-config: %v", err)
		}
		set = true
	}
	for _, s := range a.clients {
		cl, err := auth.ParseClient(s)
		if err != nil {
			return cli.Usagef("--oauth-client: %v", err)
		}
		ac.Clients = append(ac.Clients, cl)
		set = true
	}
	if len(a.apiKeys) > 0 {
		ac.APIKeys, set = append(ac.APIKeys, a.apiKeys...), true
	}
	if len(a.audience) > 0 {
		ac.Audience, set = a.audience, true
	}
	if a.issuer != "" {
		ac.Issuer, set = a.issuer, true
	}
	if a.alg != "" {
		ac.Alg, set = a.alg, true
	}
	if a.lifetime != 0 {
		ac.Lifetime, set = a.lifetime, true
	}
	if err := ac.Check(); err != nil {
		return cli.Usagef("auth flags: %v", err)
	}
	if set {
		cfg.AuthConfig = &ac
	}
	return nil
}
