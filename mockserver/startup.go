package mockserver

// startupExampleCheck is the largest spec (in operations) whose examples are
// all checked by ReportStartupWarnings. Checking compiles every schema that
// has an example, which on very large specs (GitHub's: 1,200 operations)
// costs minutes and gigabytes, so there each example is checked when it is
// first served instead; an invalid one is replaced by generated data either
// way.
const startupExampleCheck = 300

// ReportStartupWarnings logs, on Config.Logger, one summary line with the
// counts of spec warnings and invalid examples; each one is logged at debug
// level and listed by GET /__mockd/health. The examples of a spec of at most
// startupExampleCheck (300) operations are checked now (CheckExamples);
// a larger spec's are checked when first served, which is logged at info
// level. Without a spec (playback only) there is nothing to report.
func (s *Server) ReportStartupWarnings() {
	spec, logger := s.spec, s.cfg.Logger
	if spec == nil {
		return
	}
	for _, w := range spec.Warnings {
		logger.Debug("spec warning", "warning", w)
	}
	var examples []string
	if len(spec.Operations) <= startupExampleCheck {
		examples = s.CheckExamples()
		for _, w := range examples {
			logger.Debug("invalid example", "warning", w)
		}
	} else {
		logger.Info("large spec: examples are checked when first served", "operations", len(spec.Operations))
	}
	if len(spec.Warnings) == 0 && len(examples) == 0 {
		return
	}
	logger.Warn("spec loaded with warnings",
		"spec_warnings", len(spec.Warnings), "invalid_examples", len(examples),
		"details", "GET /__mockd/health or --log-level debug")
}
