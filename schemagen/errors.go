package schemagen

import (
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
