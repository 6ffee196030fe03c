package redact

import "log/slog"

// NewForSpec builds the redactor of a command that serves or records a
// spec's traffic: cfg (defaults and the user's names), plus specNames, the
// credential names the spec declares (validator.Spec.CredentialNames; nil
// without a spec). When cfg.DisableDefaults is set it warns on logger (nil:
// no warning) that Authorization, cookies and API keys go out in clear.
func NewForSpec(cfg Config, specNames []string, logger *slog.Logger) (*Redactor, error) {
	cfg.SpecNames = append(append([]string(nil), cfg.SpecNames...), specNames...)
	if cfg.DisableDefaults && logger != nil {
		logger.Warn("default redaction is OFF: Authorization, cookies and API keys will be written in clear")
	}
	return New(cfg)
}
