// Package fault owns fault injection: the catalogue (statuses, Retry-After,
// latency, token-bucket 429s, contract faults, and wire faults such as hangs,
// resets, refused connections and truncated bodies), the YAML rule file and
// X-Mockd-Fault header that scope them, the Engine that decides per request,
// deterministically from (seed, rule, key, ordinal), which fault applies, and
// the code that executes it on the wire. It knows nothing of OpenAPI.
//
// A `refuse` window needs the server's Listener. By default the window closes
// the listening socket, so the kernel refuses new connections (`connection
// refused`) until it listens again on the same address. A server that must
// stay reachable during windows for some requests (mockd's admin API when it
// shares the mock's port) sets a RefuseGate: the socket stays bound, each new
// connection's first request line is read (bounded in bytes and time), the
// ones the gate admits are served and all others are reset before a byte is
// written (`connection reset by peer`). The caller passes the gate's
// decision as a function, so fault still knows nothing of the admin API.
// Either way, connections open before the window are not affected, and
// windows are cut to the listener's refuse max.
package fault
