package schemagen

import (
	"errors"
	"fmt"
	"strings"
)

// sentinelError is a constant error value usable with errors.Is.
type sentinelError string

func (e sentinelError) Error() string { return string(e) }

const (
	// ErrUnsatisfiable is wrapped by every SchemaError: no value can satisfy the schema (or none could be found
	// within the generator's bounded effort).
	ErrUnsatisfiable sentinelError = "schemagen: no valid value can be generated"
	// ErrInvalidOptions is returned when Options cannot be used (for example Dynamic mode without Rand).
	ErrInvalidOptions sentinelError = "schemagen: invalid options"
	// ErrContradiction is matched (errors.Is) by a SchemaError that proves no value exists: the schema's keywords
	// contradict each other on every path to a value (a required property that additionalProperties: false
	// forbids, in an object-only schema reached only through required properties), not merely that the generator
	// gave up. It implies ErrUnsatisfiable.
	ErrContradiction sentinelError = "schemagen: the schema contradicts itself; no value satisfies it"
)

// SchemaError describes why no value could be generated: the schema location (a JSON-pointer-like path that
// starts at the nearest $ref or "#"), the keyword at fault, the spec line when known, and how to fix it.
type SchemaError struct {
	// Path is the schema path, e.g. "#/components/schemas/Pet/properties/age".
	Path string
	// Keyword is the JSON Schema keyword at fault, e.g. "minimum" or "pattern".
	Keyword string
	// Line is the 1-based line of the schema in its document, 0 when unknown.
	Line int
	// Reason says what is wrong and how to fix it.
	Reason string

	retryable bool
	// contradiction: the error proves the schema unsatisfiable (ErrContradiction).
	contradiction bool
}

// Error implements error.
func (e *SchemaError) Error() string {
	var b strings.Builder
	b.WriteString("schemagen: ")
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	if e.Keyword != "" {
		b.WriteString(": keyword ")
		b.WriteString(e.Keyword)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrUnsatisfiable) true.
func (e *SchemaError) Unwrap() error { return ErrUnsatisfiable }

// Is makes errors.Is(err, ErrContradiction) true for a proven contradiction.
func (e *SchemaError) Is(target error) bool { return target == ErrContradiction && e.contradiction }

// withoutProof returns err with any contradiction mark removed (a value may exist on another path).
func withoutProof(err error) error {
	var se *SchemaError
	if errors.As(err, &se) && se.contradiction {
		cp := *se
		cp.contradiction = false
		return &cp
	}
	return err
}
