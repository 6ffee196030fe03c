// Package probe is `contract test`: it plans requests from a spec (the
// spec's examples, seeded generated valid requests and deliberately invalid
// ones), sends them to a running provider, and judges the exchanges with
// the contract Checker plus the expectations of each case (valid: a
// declared status and a conforming response; invalid: a 4xx, never a 5xx).
// Results are a contract.Result, so coverage, the gate and the report
// formats are those of `contract check`.
//
// It is a package of its own, not files of package contract, because it
// is a client of the checker (it builds, sends and sequences requests,
// rate-limits and records them) while package contract only judges
// traffic; keeping it apart keeps contract free of HTTP client concerns.
// The request generator here (Build) is also the one mockd's own
// conformance and self-check tests use.
package probe
