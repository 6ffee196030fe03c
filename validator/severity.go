package validator

import (
	"fmt"
	"strings"
)

// Severity grades a finding. Only errors fail a contract check.
type Severity string

// Severities, from the most to the least severe; SeverityOff drops a check.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
	SeverityOff     Severity = "off"
)

// ParseSeverity reads "error", "warning" (or "warn"), "info" (or "note") and "off".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return SeverityError, nil
	case "warning", "warn":
		return SeverityWarning, nil
	case "info", "note":
		return SeverityInfo, nil
	case "off", "none", "ignore":
		return SeverityOff, nil
	}
	return "", fmt.Errorf("unknown severity %q (use error, warning, info or off)", s)
}
