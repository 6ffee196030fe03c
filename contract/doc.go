// Package contract owns contract checking: a Checker validates recorded or
// live HTTP interactions against a validator.Spec (server, route, request,
// security, response), grades each finding and places it in the spec and the
// traffic; a Collector deduplicates findings and measures coverage into a
// Result that Evaluate gates for CI; Proxy does the same live, as a
// validating reverse proxy. Package recorder reads the traffic files,
// package contract/report writes the reports.
package contract
