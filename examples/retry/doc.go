// Package retry is a runnable example to copy: a retrying HTTP client
// (hashicorp/go-retryablehttp) tested against a mockd server whose fault
// rules answer 503 with Retry-After twice before letting a request through.
// The test asserts on mockd's journal what the client really did: how many
// attempts, and how far apart.
package retry
