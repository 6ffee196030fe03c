package main

import (
	"flag"
	"net/url"
	"os"

	"github.com/mockd/mockd/internal/cli"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/webhook"
)

// webhookFlags are serve's webhook flags; the secret is read into a
// string here and bound into mockserver.Config as a webhook.Secret, which
// never prints.
type webhookFlags struct {
	secret string
}

// register binds --webhook-url, --webhook-secret, --webhook-scheme and
// --webhooks. The secret's default is not shown in --help: it comes from
// $MOCKD_WEBHOOK_SECRET after parsing.
func (w *webhookFlags) register(fs *flag.FlagSet, c *serveCommand) {
	cfg := &c.cfg
	fs.StringVar(&cfg.WebhookURL, "webhook-url", "", "receiver of the spec's webhooks and callbacks fired without a URL (POST /__mockd/webhooks/NAME/fire)")
	fs.StringVar(&w.secret, "webhook-secret", "", "secret that signs webhooks and callbacks (default: $MOCKD_WEBHOOK_SECRET; without one they are off)")
	fs.StringVar(&cfg.WebhookScheme, "webhook-scheme", "", "signature scheme: github (X-Hub-Signature-256, the default), stripe (Stripe-Signature) or standard (Standard Webhooks)")
	fs.StringVar(&cfg.WebhookFile, "webhooks", "", "webhooks file (YAML): retry policy, schedules and delivery faults; see the README's Webhooks section")
}

// check validates the webhook flags and binds the secret.
func (w *webhookFlags) check(c *serveCommand) error {
	cfg := &c.cfg
	if w.secret == "" {
		w.secret = os.Getenv("MOCKD_WEBHOOK_SECRET")
	}
	if w.secret != "" && len(w.secret) < redact.MinPropagated {
		return cli.Usagef("--webhook-secret is shorter than %d bytes: use a longer, random secret", redact.MinPropagated)
	}
	cfg.WebhookSecret = webhook.Secret(w.secret)
	if _, err := webhook.SchemeNamed(cfg.WebhookScheme); err != nil {
		return cli.Usagef("--webhook-scheme %q: use github, stripe or standard", cfg.WebhookScheme)
	}
	if cfg.WebhookScheme == webhook.SchemeStandard && w.secret != "" {
		if _, err := webhook.StandardKey(cfg.WebhookSecret); err != nil {
			return cli.Usagef("--webhook-secret: %v", err)
		}
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cli.Usagef("--webhook-url %q: want an absolute URL such as http://127.0.0.1:9000/hooks", redact.Default().URL(cfg.WebhookURL))
		}
	}
	return nil
}

// redactor adds the webhook secret to r's known values.
func (w *webhookFlags) redactor(r *redact.Redactor) (*redact.Redactor, error) {
	if w.secret == "" {
		return r, nil
	}
	return r.WithValues(w.secret)
}
