package fault

import "testing"

// TestCatalogueWiring: every kind has the hooks its class needs (a terminal
// kind without end, or a body kind without send, would panic in Serve), its
// own name, and has/take that see and copy exactly its own field.
func TestCatalogueWiring(t *testing.T) {
	values := map[string]string{"latency": "10ms", "status": "503", "retry_after": "1", "refuse": "1s",
		"dribble": "{chunks: 2, duration: 1s}", "throttle": "100", "corrupt": "invalid_json"}
	seen := map[string]bool{}
	for i := range catalogue {
		k := &catalogue[i]
		for _, name := range append([]string{k.Name}, k.Aliases...) {
			if seen[name] || kindNamed(name) != k {
				t.Errorf("%s: name or alias %q is not unique", k.Name, name)
			}
			seen[name] = true
		}
		if k.has == nil || k.take == nil || k.parse == nil {
			t.Fatalf("%s: has, take and parse are required", k.Name)
		}
		wired := map[Class]bool{ClassDelay: k.end == nil && k.send == nil && k.alter == nil,
			ClassResponse: k.end == nil && k.send == nil && (k.alter != nil || k.replaces),
			ClassTerminal: k.end != nil && k.send == nil && k.alter == nil,
			ClassBody:     k.send != nil && k.end == nil && k.alter == nil}
		if !wired[k.Class] {
			t.Errorf("%s: hooks do not fit class %s", k.Name, k.Class)
		}
		v := values[k.Name]
		if v == "" {
			v = "true"
		}
		rs, err := ParseRules([]byte("rules: [{name: r, fault: {"+k.Name+": "+v+"}}]"), "kinds.yaml")
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		src, dst := rs.Rules[0].Fault, &Fault{}
		k.take(dst, src)
		if !k.has(src) || dst.Names() != k.Name || *dst != *src {
			t.Errorf("%s: take copied %q from %q", k.Name, dst.Names(), src.Names())
		}
	}
}
