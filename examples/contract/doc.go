// Package contract is a runnable example to copy: a small notes API written
// with net/http, and a contract test (in handler_test.go) that checks every
// exchange with the handler against its OpenAPI spec, openapi.yaml, with the
// Gomega matchers of mockd/mockserver/matchers.
package contract
