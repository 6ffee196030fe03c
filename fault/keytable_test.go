package fault_test

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mockd/mockd/fault"
)

const keyedRule = `seed: 1
rules:
  - {name: k, key: "header:X-Key", sequence: [503, 502, 500], then: repeat-last}
`

func keyRequest(key string) *fault.Request {
	return &fault.Request{Method: "GET", Path: "/x", Header: http.Header{"X-Key": {key}}}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Reproduced on the unbounded table: 1,000 unique 500 KB keys took 787 MB,
// because the table kept every key value. Keys are now hashed.
func TestKeyTableDoesNotKeepKeyValues(t *testing.T) {
	rs, err := fault.ParseRules([]byte(keyedRule), "keys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := fault.NewEngine(rs, fault.WithLogger(discardLogger()))
	const keys, size = 200, 256 << 10 // 50 MiB of key values in total
	before := heapInUse()
	for i := range keys {
		key := strconv.Itoa(i) + strings.Repeat("k", size)
		if d := e.Decide(keyRequest(key)); d.Ordinal != 0 || len(d.Key) > fault.MaxDecisionKeyLen+len("…") {
			t.Fatalf("key %d: ordinal %d, readable key of %d bytes", i, d.Ordinal, len(d.Key))
		}
	}
	after := heapInUse()
	runtime.KeepAlive(e)
	if grown := int64(after) - int64(before); grown > 4<<20 {
		t.Fatalf("the key table grew the heap by %d MiB for %d keys of %d KiB (want < 4 MiB: keys must be hashed)",
			grown>>20, keys, size>>10)
	}
}

func TestKeyTableBytesEvictsLeastRecentlyUsed(t *testing.T) {
	rs, err := fault.ParseRules([]byte(keyedRule), "keys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := fault.NewEngine(rs, fault.WithLogger(discardLogger()), fault.WithKeyTableBytes(3*fault.KeyEntryBytes))
	for _, k := range []string{"a", "b", "c", "a", "d"} { // room for 3: d evicts b, the least recently used
		e.Decide(keyRequest(k))
	}
	for _, tc := range []struct {
		key  string
		want uint64
	}{{"a", 2}, {"c", 1}, {"d", 1}, {"b", 0}} {
		if got := e.Decide(keyRequest(tc.key)).Ordinal; got != tc.want {
			t.Errorf("key %s: ordinal %d, want %d", tc.key, got, tc.want)
		}
	}
}

func TestDecisionKeyIsBoundedAndReadable(t *testing.T) {
	rs, err := fault.ParseRules([]byte(keyedRule), "keys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := fault.NewEngine(rs, fault.WithLogger(discardLogger()))
	long := strings.Repeat("é", 1000)
	d := e.Decide(keyRequest(long))
	if !strings.HasSuffix(d.Key, "…") || len(d.Key) > fault.MaxDecisionKeyLen+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(d.Key, "…")) {
		t.Fatalf("Decision.Key = %q (%d bytes)", d.Key, len(d.Key))
	}
	if d := e.Decide(keyRequest("short")); d.Key != "short" {
		t.Fatalf("short key changed: %q", d.Key)
	}
}
