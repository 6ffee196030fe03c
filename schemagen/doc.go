// Package schemagen generates JSON-compatible values that are valid against an OpenAPI 3.0/3.1 (JSON) schema,
// either statically (Prism/openapi-sampler compatible defaults, no randomness) or dynamically from a seeded
// math/rand/v2 source. It is its own package because three callers need it: the mock server's response bodies,
// request generation in conformance tests and the contract checker's traffic generator, so it belongs to none.
// It owns value generation, the regex-driven string generator and the small internal matcher that checks values.
package schemagen
