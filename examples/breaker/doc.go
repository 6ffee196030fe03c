// Package breaker is a runnable example to copy: a client guarded by a
// circuit breaker (sony/gobreaker) tested against a mockd server whose fault
// rules take an endpoint down for a few requests. The test asserts that the
// breaker trips, that no request reaches the server while it is open, and
// that it closes again once the outage is over.
package breaker
