package fault_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mockd/mockd/fault"
)

// TestCatalogueIsWhatTheREADMELists: the README's list of fault keys is the
// catalogue, names then old names, in label order.
func TestCatalogueIsWhatTheREADMELists(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, para, ok := strings.Cut(string(readme), "The keys of `fault:`")
	para, _, ok2 := strings.Cut(para, "A step may also be")
	if !ok || !ok2 {
		t.Fatal("README.md lost its paragraph listing the fault keys (\"The keys of `fault:` ... A step may also be\")")
	}
	var listed []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(para, -1) {
		listed = append(listed, m[1])
	}
	var want []string
	for _, k := range fault.Catalogue() {
		want = append(want, k.Name)
	}
	for _, k := range fault.Catalogue() {
		want = append(want, k.Aliases...)
	}
	if !slices.Equal(listed, want) {
		t.Fatalf("README lists %v\ncatalogue has %v", listed, want)
	}
}

// TestCatalogueNamesParse: every name and alias parses in a rule file, bare
// kinds also alone and in the header, and the unknown-key hint lists the names.
func TestCatalogueNamesParse(t *testing.T) {
	values := map[string]string{"latency": "10ms", "status": "503", "retry_after": "1", "refuse": "1s",
		"dribble": "{chunks: 2, duration: 1s}", "throttle": "100", "corrupt": "invalid_json"}
	for _, k := range fault.Catalogue() {
		if !k.Class.Valid() || k.Summary == "" {
			t.Errorf("%s: class %q, summary %q", k.Name, k.Class, k.Summary)
		}
		v := values[k.Name]
		if v == "" {
			if !k.Bare {
				t.Fatalf("%s: no test value for a kind that is not bare", k.Name)
			}
			v = "true"
			if _, err := fault.ParseRules([]byte("rules: [{name: r, fault: "+k.Name+"}]"), "bare.yaml"); err != nil {
				t.Errorf("bare %s: %v", k.Name, err)
			}
			if f, err := fault.ParseHeader(k.Name); err != nil || f.Names() != k.Name {
				t.Errorf("bare %s in the header: %v %v", k.Name, f, err)
			}
		}
		for _, name := range append([]string{k.Name}, k.Aliases...) {
			rs, err := fault.ParseRules([]byte("rules: [{name: r, fault: {"+name+": "+v+"}}]"), "kinds.yaml")
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if got := rs.Rules[0].Fault.Names(); got != k.Name {
				t.Errorf("%s parsed as %q", name, got)
			}
		}
	}
	_, err := fault.ParseRules([]byte("rules: [{name: r, fault: {boom: 1}}]"), "x.yaml")
	names := make([]string, 0, len(fault.Catalogue()))
	for _, k := range fault.Catalogue() {
		names = append(names, k.Name)
	}
	if err == nil || !strings.Contains(err.Error(), "allowed keys: "+strings.Join(names, ", ")+")") {
		t.Fatalf("the unknown-key hint does not list the catalogue: %v", err)
	}
}
