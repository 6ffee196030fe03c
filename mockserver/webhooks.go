package mockserver

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"
	"github.com/mockd/mockd/webhook"
)

// This file is the spec side of webhooks: the events mockd can send (the
// 3.1 document's `webhooks`, the 3.0 operations' `callbacks`), their bodies
// (the operation's request example, else generated from its schema), the
// callback URL from the triggering request's runtime expression, the
// schedules of the webhooks file, and Server.FireWebhook. Signing,
// retries, faults and the delivery journal are package webhook's.

// Errors FireWebhook returns; the admin API maps them to 404 and 409.
var (
	// ErrNoWebhook: the spec declares no webhook or callback of that name.
	ErrNoWebhook = errors.New("mockserver: no such webhook")
	// ErrWebhooksOff: no signing secret was configured.
	ErrWebhooksOff = errors.New("mockserver: webhooks are off")
)

// FireOptions say where and what FireWebhook sends.
type FireOptions struct {
	// URL is the receiver ("" for Config.WebhookURL, then the webhooks
	// file's url).
	URL string
	// Body replaces the body from the spec (nil: the example or a
	// generated one).
	Body []byte
}

// hookDef is one event mockd can send.
type hookDef struct {
	name      string
	method    string
	op        *v3.Operation
	expr      string               // callbacks: the runtime expression giving the URL
	trigger   *validator.Operation // callbacks: the operation that triggers it
	isWebhook bool
}

// hooks is the server's webhook state (nil fields when off).
type hooks struct {
	d     *webhook.Deliverer // nil without a secret
	defs  map[string]*hookDef
	names []string // sorted
	byOp  map[*validator.Operation][]*hookDef
	url   string // default receiver
	file  *webhook.File
	n     atomic.Uint64 // numbers generated bodies
	wg    sync.WaitGroup
}

// setupWebhooks collects the spec's webhooks and callbacks and, with a
// secret, builds the Deliverer.
func (s *Server) setupWebhooks() error {
	h := &hooks{defs: map[string]*hookDef{}, byOp: map[*validator.Operation][]*hookDef{}, url: s.cfg.WebhookURL}
	s.hooks = h
	if s.spec != nil && s.spec.Model != nil {
		h.collect(s.spec)
	}
	if s.cfg.WebhookFile != "" {
		f, err := webhook.LoadFile(s.cfg.WebhookFile)
		if err != nil {
			return err
		}
		h.file = f
		if h.url == "" {
			h.url = f.URL
		}
		for _, sc := range f.Schedule {
			if h.defs[sc.Webhook] == nil {
				return fmt.Errorf("%s:%d:%d: schedule names webhook %q, which the spec does not declare (fix: one of %s)",
					sc.Pos.File, sc.Pos.Line, sc.Pos.Col, sc.Webhook, h.list())
			}
		}
	}
	if s.cfg.WebhookSecret == "" {
		if h.file != nil {
			return errors.New("mockserver: a webhooks file needs a signing secret (fix: set --webhook-secret or MOCKD_WEBHOOK_SECRET)")
		}
		return nil
	}
	return s.newDeliverer(h)
}

func (s *Server) newDeliverer(h *hooks) error {
	cfg := webhook.Config{Scheme: s.cfg.WebhookScheme, Secret: s.cfg.WebhookSecret, Seed: s.seed,
		Logger: s.cfg.Logger, Redactor: s.cfg.Redactor}
	if f := h.file; f != nil {
		cfg.Retry, cfg.Rules = f.Retry, f.Rules
		if cfg.Scheme == "" {
			cfg.Scheme = f.Scheme
		}
		if f.Seed != nil && s.cfg.Seed == nil {
			cfg.Seed = *f.Seed
		}
	}
	d, err := webhook.New(cfg)
	if err != nil {
		return fmt.Errorf("mockserver: %w", err)
	}
	h.d = d
	return nil
}

// collect lists the 3.1 webhooks and each operation's callbacks. A
// callback whose name a webhook or another callback already has is named
// "operationId/name".
func (h *hooks) collect(spec *validator.Spec) {
	if wh := spec.Model.Webhooks; wh != nil {
		for p := wh.First(); p != nil; p = p.Next() {
			if m, op := firstOperation(p.Value()); op != nil {
				h.add(&hookDef{name: p.Key(), method: m, op: op, isWebhook: true})
			}
		}
	}
	for _, vop := range spec.Operations {
		if vop.Op == nil || vop.Op.Callbacks == nil {
			continue
		}
		for cb := vop.Op.Callbacks.First(); cb != nil; cb = cb.Next() {
			if cb.Value() == nil || cb.Value().Expression == nil {
				continue
			}
			for e := cb.Value().Expression.First(); e != nil; e = e.Next() {
				m, op := firstOperation(e.Value())
				if op == nil {
					continue
				}
				name := cb.Key()
				if h.defs[name] != nil {
					name = vop.ID + "/" + cb.Key()
				}
				d := &hookDef{name: name, method: m, op: op, expr: e.Key(), trigger: vop}
				h.add(d)
				h.byOp[vop] = append(h.byOp[vop], d)
			}
		}
	}
	sort.Strings(h.names)
}

func (h *hooks) add(d *hookDef) {
	if h.defs[d.name] != nil {
		return
	}
	h.defs[d.name] = d
	h.names = append(h.names, d.name)
}

func (h *hooks) list() string {
	if len(h.names) == 0 {
		return "none: the spec declares no webhooks or callbacks"
	}
	return strings.Join(h.names, ", ")
}

// firstOperation is a path item's operation, POST first.
func firstOperation(pi *v3.PathItem) (string, *v3.Operation) {
	if pi == nil {
		return "", nil
	}
	for _, c := range []struct {
		m  string
		op *v3.Operation
	}{{"POST", pi.Post}, {"PUT", pi.Put}, {"PATCH", pi.Patch}, {"GET", pi.Get}, {"DELETE", pi.Delete}} {
		if c.op != nil {
			return c.m, c.op
		}
	}
	return "", nil
}

// Webhooks lists the names of the events FireWebhook can send.
func (s *Server) Webhooks() []string { return slices.Clone(s.hooks.names) }

// WebhookDeliveries returns the delivery journal (nil when webhooks are
// off: no secret was configured).
func (s *Server) WebhookDeliveries() *webhook.Journal {
	if s.hooks.d == nil {
		return nil
	}
	return s.hooks.d.Journal()
}

// FireWebhook sends the spec's webhook or callback called name, signed,
// with retries and the webhooks file's faults, and returns when it is
// delivered or given up (at once when an out_of_order fault holds it).
func (s *Server) FireWebhook(ctx context.Context, name string, opts FireOptions) (webhook.Result, error) {
	h := s.hooks
	d := h.defs[name]
	if d == nil {
		return webhook.Result{}, fmt.Errorf("%w %q (fix: one of %s)", ErrNoWebhook, name, h.list())
	}
	if h.d == nil {
		return webhook.Result{}, fmt.Errorf("%w: no signing secret (fix: set --webhook-secret or MOCKD_WEBHOOK_SECRET, or Config.WebhookSecret)", ErrWebhooksOff)
	}
	target := opts.URL
	if target == "" {
		target = h.url
	}
	body, ct, err := s.hookBody(d, opts.Body)
	if err != nil {
		return webhook.Result{}, err
	}
	return h.d.Deliver(ctx, webhook.Event{Name: name, URL: target, Method: d.method, Body: body, ContentType: ct})
}

// hookBody is the body to send: given, else the request body's example,
// else one generated (seeded) from its schema.
func (s *Server) hookBody(d *hookDef, given []byte) ([]byte, string, error) {
	rb := d.op.RequestBody
	if rb == nil || rb.Content == nil {
		return given, "", nil
	}
	types := contentTypes(rb.Content)
	if len(types) == 0 {
		return given, "", nil
	}
	mt := types[0]
	for _, t := range types {
		if isJSON(t) {
			mt = t
			break
		}
	}
	if given != nil {
		return given, contentTypeHeader(mt), nil
	}
	media := rb.Content.GetOrZero(mt)
	root := ""
	if isXML(mt) {
		root = s.spec.XMLName(media.Schema)
	}
	if ex, ok := s.spec.MediaExample(media, "", nodeValue); ok {
		b, err := encodeBody(mt, ex.Value, root)
		return b, contentTypeHeader(mt), err
	}
	if media.Schema == nil {
		return nil, contentTypeHeader(mt), nil
	}
	hs := fnv.New64a()
	_, _ = hs.Write([]byte(d.name))
	rng := rand.New(rand.NewPCG(s.seed, hs.Sum64()^s.hooks.n.Add(1)))
	v, err := s.spec.Generate(media.Schema, func(p *base.SchemaProxy) (any, error) {
		return schemagen.GenerateProxy(p, schemagen.Options{Mode: schemagen.Dynamic, Direction: schemagen.Request, Rand: rng})
	})
	if err != nil {
		return nil, "", fmt.Errorf("mockserver: webhook %s: generating its body: %w", d.name, err)
	}
	b, err := encodeBody(mt, v, root)
	return b, contentTypeHeader(mt), err
}

// WebhookURL sets Config.WebhookURL: the default receiver.
func WebhookURL(u string) Option { return func(c *Config) error { c.WebhookURL = u; return nil } }

// WebhookSecret sets Config.WebhookSecret: it turns webhooks on.
func WebhookSecret(s webhook.Secret) Option {
	return func(c *Config) error { c.WebhookSecret = s; return nil }
}

// WebhookScheme sets Config.WebhookScheme (github, stripe or standard).
func WebhookScheme(name string) Option {
	return func(c *Config) error { c.WebhookScheme = name; return nil }
}

// WebhookFile sets Config.WebhookFile: retry policy, schedules, faults.
func WebhookFile(path string) Option {
	return func(c *Config) error { c.WebhookFile = path; return nil }
}
