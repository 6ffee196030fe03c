// Package validator owns the OpenAPI document: it loads OpenAPI 3.0, 3.1 and
// Swagger 2.0 specs (YAML or JSON) with libopenapi, routes requests to their
// operations, and validates requests, responses and whole exchanges with
// libopenapi-validator behind a lazily compiled schema cache, filling the
// library's gaps. JSON specs are parsed by jsonNodes into the node tree
// libopenapi's YAML parser would build, far faster; each load phase is timed
// (debug log). It imports no other mockd package but its Swagger 2.0
// converter; checking recorded traffic is package contract's job, serving
// package mockserver's.
package validator
