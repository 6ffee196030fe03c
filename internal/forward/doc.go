// Package forward is the one reverse-proxy builder of mockd: the recording
// proxy (recorder.NewProxy), the mock's --on-miss proxy and the contract
// proxy (contract.NewProxy) all build the request they send upstream here,
// so the URL join (net/http/httputil's ProxyRequest.SetURL), the upstream's
// Host header and the hop-by-hop headers (one list, plus the headers a
// Connection header names) are the same for all three. The player uses the
// same list when it replays a recorded response. It lives under internal/
// and imports nothing of mockd, so recorder, mockserver and contract can all
// use it without a cycle.
package forward
