// Package webhook owns the sending side of webhooks and callbacks: signing
// (one file per scheme: github.go, stripe.go, standard.go, each with its
// Verify for receivers and tests), delivery with per-attempt timeouts and
// retries with exponential backoff and seeded jitter (deliver.go), delivery
// faults — duplicate, out-of-order, bad signature, stale timestamp, slow
// receiver timeout — decided deterministically from a seed (faults.go), the
// YAML webhooks file that configures them (config.go, with positioned errors
// in fault's style) and the bounded delivery journal (journal.go).
//
// It knows nothing of OpenAPI: the caller (mockserver) hands it an event
// name, a receiver URL and a body. The signing secret is a Secret, whose
// String, GoString, LogValue and MarshalJSON never show it; the journal keeps
// the signature sent, never the secret.
package webhook
