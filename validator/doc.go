// Package validator owns the OpenAPI document: it loads OpenAPI 3.0, 3.1 and
// Swagger 2.0 specs (YAML or JSON) with libopenapi, routes requests to their
// operations, and validates requests and responses with libopenapi-validator
// behind a lazily compiled schema cache, filling the library's gaps. JSON
// specs are parsed by jsonNodes into the node tree libopenapi's YAML parser
// would build, far faster; each load phase is timed (debug log). The
// contract Checker builds on that: traffic readers (cassettes, HAR, NDJSON),
// deduplicated findings, coverage and reports. It knows nothing of serving.
package validator
