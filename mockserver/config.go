package mockserver

// This file holds the Server's configuration: Config with its defaults and
// checks, and the Option setters New applies to it.

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/mockd/mockd/auth"
	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/recorder"

	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
	"github.com/mockd/mockd/webhook"
)

// Config configures a Server, the way httptest.Server and http.Server are
// configured: fill the fields and pass it to NewFromConfig. Start from
// DefaultConfig, which turns CORS on; the zero value leaves CORS off.
//
// Spec is the one way to give the spec: load it with validator.Load or
// validator.Parse (validator.WithFormatAssertions() checks formats as mockd
// serve does). The compatibility setters SpecFile, SpecBytes and Spec load it
// in New instead, with Logger. A Server needs a spec, cassettes, or both.
//
// Every Option func (Dynamic, Seed, Errors, ...) sets one field of Config;
// New(opts...) applies them to DefaultConfig and calls NewFromConfig.
type Config struct {
	// Spec is the served spec (nil: cassettes only).
	Spec *validator.Spec
	// Dynamic generates bodies from schemas even when examples exist.
	Dynamic bool
	// Seed fixes the seed of generated data: the same seed and the same
	// request sequence give the same bodies (nil: a random seed). It also
	// seeds the fault engine, over a `seed:` in the fault rules.
	Seed *uint64
	// Errors turns violations in generated or example responses into 500
	// problem responses (Prism's --errors).
	Errors bool
	// CORS answers preflight requests and adds CORS headers to every
	// response (Access-Control-Allow-Origin: *, no credentials; see
	// CORSOrigins). DefaultConfig turns it on.
	CORS bool
	// CORSOrigins restricts CORS to these origins and lets them send
	// credentials (see the CORSOrigins option); each must pass
	// CheckCORSOrigin.
	CORSOrigins []string
	// ProblemBodies is what a rejected request gets: ProblemBodiesSpec
	// ("" too) or ProblemBodiesMockd (see the ProblemBodies option).
	ProblemBodies string
	// CheckResponses validates every served response against the spec and
	// logs violations (a debug aid; Errors makes them fatal instead).
	CheckResponses bool
	// Logger is the structured logger (nil: discard). Each finished request
	// (admin requests aside) is logged at info level.
	Logger *slog.Logger
	// Faults are the fault rules (see package fault); they can be changed
	// at run time through the admin API or Server.Faults().
	Faults *fault.RuleSet
	// FaultFile loads the fault rules from a YAML file; it wins over Faults.
	FaultFile string
	// FaultHeader lets each request choose a fault with the X-Mockd-Fault
	// header (off by default, like Envoy's header faults).
	FaultHeader bool
	// JournalSize bounds the request journal (0: DefaultJournalSize).
	JournalSize int
	// JournalBytes bounds the journal's memory (0: DefaultJournalBytes); the
	// oldest entries go first when it or JournalSize is reached.
	JournalBytes int64
	// Redactor sets how secrets are redacted in the journal (nil: the
	// default redaction: Authorization, cookies, API keys, *token*, ...).
	Redactor *redact.Redactor
	// Cassettes answers matching requests from recorded interactions
	// first; faults apply to them as to spec responses.
	Cassettes *recorder.Player
	// OnMiss is what happens when no recorded interaction matches (""
	// means MissSpec with a spec, MissError without).
	OnMiss MissMode
	// Upstream is the server that MissProxy and MissRecord forward to.
	Upstream *url.URL
	// RecordTo is where MissRecord appends new interactions (a
	// recorder.Sink on the cassette file, typically).
	RecordTo recorder.InteractionSink
	// Limits bound what clients can hold on the server Start runs (zero
	// fields: defaults).
	Limits ServerLimits
	// AdminToken requires `Authorization: Bearer <token>` on every admin
	// API request (see the AdminToken option).
	AdminToken string
	// AdminAddr serves the admin API on its own listener at this address
	// (see the AdminAddr option).
	AdminAddr string
	// RefuseMax bounds every refuse window (0: fault.DefaultRefuseMax).
	RefuseMax time.Duration
	// Stateful answers the operations of the resources inferred from the
	// spec from a store (create, read, update, delete, lists; see package
	// mockserver/state and stateful.go); State configures it.
	Stateful bool
	// State configures the stateful mode (snapshot file, paging,
	// Idempotency-Key).
	State StateConfig
	// WebhookURL is the receiver of webhooks and of callbacks fired
	// without a triggering request (webhooks.go).
	WebhookURL string
	// WebhookSecret signs webhooks and callbacks; without it they are off.
	// It is redacted everywhere the Redactor looks.
	WebhookSecret webhook.Secret
	// WebhookScheme is the signature scheme: github (""), stripe or standard.
	WebhookScheme string
	// WebhookFile is the webhooks file: retry policy, schedules, faults.
	WebhookFile string
	// Auth is how the security stage checks credentials: AuthPresence (""
	// too, the default) or AuthStrict (see auth.go).
	Auth AuthMode
	// AuthConfig configures the mock authorization server served at the
	// spec's OAuth flow URLs (nil: package auth's defaults).
	AuthConfig *auth.Config

	// specFile and specBytes are set by the SpecFile and SpecBytes
	// setters: New loads them with Logger, when Spec is nil.
	specFile  string
	specBytes []byte
}

// DefaultConfig is the configuration New starts from: CORS on, the spec's
// error responses for rejected requests, everything else off or default.
func DefaultConfig() Config {
	return Config{CORS: true, ProblemBodies: ProblemBodiesSpec}
}

// check validates the fields New cannot take as they are; each error says
// the fix.
func (c *Config) check() error {
	switch {
	case c.JournalSize < 0:
		return fmt.Errorf("mockserver: journal size %d must not be negative", c.JournalSize)
	case c.JournalBytes < 0:
		return fmt.Errorf("mockserver: journal bytes %d must not be negative (fix: 0 for the default %d)", c.JournalBytes, DefaultJournalBytes)
	case c.RefuseMax < 0:
		return fmt.Errorf("mockserver: refuse max %s must not be negative (fix: 0 for the default %s)", c.RefuseMax, fault.DefaultRefuseMax)
	}
	for _, o := range c.CORSOrigins {
		if err := CheckCORSOrigin(o); err != nil {
			return fmt.Errorf("mockserver: %w", err)
		}
	}
	if c.OnMiss != "" {
		if _, err := ParseMissMode(string(c.OnMiss)); err != nil {
			return err
		}
	}
	switch c.ProblemBodies {
	case ProblemBodiesSpec, ProblemBodiesMockd:
	case "":
		c.ProblemBodies = ProblemBodiesSpec
	default:
		return fmt.Errorf("mockserver: problem bodies %q: use %q (the spec's error responses) or %q (mockd's problem+json)", c.ProblemBodies, ProblemBodiesSpec, ProblemBodiesMockd)
	}
	return nil
}

// Option sets one field of Config (see New).
type Option func(*Config) error

// WithSpec sets Config.Spec: it serves an already loaded spec.
func WithSpec(s *validator.Spec) Option {
	return func(c *Config) error { c.Spec = s; return nil }
}

// SpecFile loads and serves the spec at path (a compatibility setter: New
// loads it with validator.Load, format assertions and Config.Logger, unless
// Config.Spec is set).
func SpecFile(path string) Option {
	return func(c *Config) error { c.specFile = path; return nil }
}

// SpecBytes parses and serves a spec given as bytes, YAML or JSON (a
// compatibility setter, as SpecFile).
func SpecBytes(data []byte) Option {
	return func(c *Config) error { c.specBytes = data; return nil }
}

// Dynamic generates bodies from schemas even when examples exist.
func Dynamic(on bool) Option { return func(c *Config) error { c.Dynamic = on; return nil } }

// Seed fixes the seed of generated data: the same seed and the same request
// sequence give the same bodies. Without it a random seed is chosen.
func Seed(n uint64) Option {
	return func(c *Config) error { c.Seed = &n; return nil }
}

// Errors turns violations in generated or example responses into 500
// problem responses (Prism's --errors).
func Errors(on bool) Option { return func(c *Config) error { c.Errors = on; return nil } }

// CORS answers preflight requests and adds CORS headers to every response
// (Access-Control-Allow-Origin: *, no credentials; see CORSOrigins). On by
// default.
func CORS(on bool) Option { return func(c *Config) error { c.CORS = on; return nil } }

// CheckResponses validates every served response against the spec and logs
// violations (a debug aid; Errors makes them fatal instead).
func CheckResponses(on bool) Option {
	return func(c *Config) error { c.CheckResponses = on; return nil }
}

// Faults loads fault rules (see package fault). Rules can also be changed at
// run time through the admin API or Server.Faults().
func Faults(rs *fault.RuleSet) Option { return func(c *Config) error { c.Faults = rs; return nil } }

// FaultFile loads fault rules from a YAML file.
func FaultFile(path string) Option { return func(c *Config) error { c.FaultFile = path; return nil } }

// FaultHeader lets each request choose a fault with the X-Mockd-Fault
// header (off by default, like Envoy's header faults).
func FaultHeader(on bool) Option { return func(c *Config) error { c.FaultHeader = on; return nil } }

// JournalSize bounds the request journal (DefaultJournalSize by default).
func JournalSize(n int) Option {
	return func(c *Config) error { c.JournalSize = n; return nil }
}

// JournalBytes bounds the request journal's memory (DefaultJournalBytes by
// default); the oldest entries go first when it or JournalSize is reached.
func JournalBytes(n int64) Option {
	return func(c *Config) error { c.JournalBytes = n; return nil }
}

// Redactor sets how secrets are redacted in the journal (recorder's default
// redaction otherwise: Authorization, cookies, API keys, *token*, ...).
func Redactor(r *redact.Redactor) Option {
	return func(c *Config) error { c.Redactor = r; return nil }
}

// Logger sets the structured logger. The default discards. Each finished
// request (admin requests aside) is logged at info level: method, path,
// status, source, fault rule and duration.
func Logger(l *slog.Logger) Option { return func(c *Config) error { c.Logger = l; return nil } }
