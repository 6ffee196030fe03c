// Package validator owns the OpenAPI document: it loads OpenAPI 3.0, 3.1 and
// Swagger 2.0 specs (YAML or JSON) with libopenapi, indexes their operations,
// finds the operation for a request, and validates requests and responses
// with libopenapi-validator behind a lazily compiled schema cache. It knows
// nothing of serving: mockserver and contract build on it.
package validator
