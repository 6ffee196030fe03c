// Package diff finds breaking changes between two versions of an OpenAPI
// (3.x) or Swagger (2.0) spec. It is its own package because it compares
// specs, not traffic: it needs neither the validator nor the checker of
// package contract, only libopenapi's what-changed model, which reports
// every change between the two documents. Compare classifies those
// changes by where they sit (a request or a response, an operation or a
// component schema the operations use) into stable ids and three classes:
// breaking for clients (a response they read changed under them), breaking
// for callers (a request they send is now rejected) and non-breaking.
// Write renders a Result as text, JSON, Markdown or SARIF.
package diff
