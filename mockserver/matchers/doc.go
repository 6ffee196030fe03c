// Package matchers owns the Gomega matchers for tests that use mockd: contract
// matchers on an *http.Response (SatisfyContract, SatisfyOperation) and journal
// matchers on what a client did to a mock server (HaveAttempts, HaveGapsAtLeast,
// HaveNoRequestsBetween), and a webhook matcher on what mockd sent to a receiver
// (HaveDelivered), whose failures list the entries concerned. A journal
// entry lands just after the client has its response: poll journal matchers,
// as in Eventually(srv.Journal()).Should(HaveAttempts("Idempotency-Key", "k1", 3)).
// HaveStored matches the items a stateful server stores for a resource.
package matchers
