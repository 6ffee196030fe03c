// Package fault owns fault injection: the catalogue (statuses, Retry-After,
// latency, token-bucket 429s, contract faults, and wire faults such as hangs,
// resets, refused connections and truncated bodies), the YAML rule file and
// X-Mockd-Fault header that scope them, the Engine that decides per request,
// deterministically from (seed, rule, key, ordinal), which fault applies, and
// the code that executes it on the wire. It knows nothing of OpenAPI.
package fault
