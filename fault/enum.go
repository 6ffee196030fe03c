package fault

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// enumValue is a string enum of this package: Then, ConnScope, PhaseStart,
// Dist, TruncateEnd, CorruptKind.
type enumValue interface {
	~string
	Valid() bool
}

// parseEnum reads a scalar that must be one of values; label names the enum
// in the message ("unknown connection scope \"x\"").
func parseEnum[T enumValue](p *parser, v *yaml.Node, what, label string, values []T) (T, bool) {
	s, ok := p.Scalar(v, what)
	if !ok {
		return "", false
	}
	if !T(s).Valid() {
		p.Fail(v, "use "+orList(values, false), "unknown %s %q", label, s)
		return "", false
	}
	return T(s), true
}

// checkEnum checks an enum set in Go; quote says whether the fix quotes the
// values.
func checkEnum[T enumValue](value T, label string, values []T, quote bool) error {
	if !value.Valid() {
		return fmt.Errorf("unknown %s %q (fix: use %s)", label, value, orList(values, quote))
	}
	return nil
}

// orList renders values as "a, b or c".
func orList[T ~string](values []T, quote bool) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
		if quote {
			parts[i] = `"` + parts[i] + `"`
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
