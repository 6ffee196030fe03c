// Package fault owns fault injection: the catalogue (statuses, Retry-After,
// latency, token-bucket 429s, payload corruption, and wire faults such as
// hangs, resets, refused connections and truncated bodies), the YAML rule file
// and X-Mockd-Fault header that scope them, the Engine that decides per
// request, deterministically from (seed, rule, key, ordinal), which fault
// applies, and the code that executes it on the wire. It knows nothing of
// OpenAPI.
//
// Layout, as Toxiproxy's toxics/: each fault kind has one file holding its
// type, its YAML (and so header) parsing, its checks and its wire behaviour —
// latency.go, status.go, retry_after.go, hang.go, close.go, reset.go,
// refuse.go, garbage.go, stall_body.go, dribble.go, throttle.go, truncate.go,
// malformed_chunk.go, corrupt.go — and registers in the catalogue in kinds.go,
// from which the names in messages and Catalogue derive. rate_limit.go is
// the token bucket, a rule's alternative to a fault or a sequence.
// parse.go is the rule grammar (yamlvalue.go its positioned YAML values,
// header.go the header form), validate.go checks rules built in Go,
// rules.go is the rule model and matching, engine.go decides (keytable.go
// counts keys, random.go draws), serve.go and wire.go execute a decision, and
// listener.go is the listener refuse takes down and gate.go its RefuseGate.
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
