package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/mockserver/state"
)

func newStatefulBench(b *testing.B) *mockserver.Server {
	b.Helper()
	srv, err := mockserver.New(mockserver.SpecFile(statefulSpec), mockserver.Stateful(), mockserver.Seed(7))
	if err != nil {
		b.Fatalf("load %s: %v", statefulSpec, err)
	}
	return srv
}

// BenchmarkStatefulPostGet times a POST that creates a note and the GET
// that reads it back, through the handler (validation included).
func BenchmarkStatefulPostGet(b *testing.B) {
	srv := newStatefulBench(b)
	post := benchCase{method: "POST", target: "/notes", body: `{"name":"bench","status":"open","tags":["a","b"]}`,
		headers: []string{"Content-Type", "application/json"}}
	b.ReportAllocs()
	for b.Loop() {
		rec := serveOnce(srv, post)
		if rec.Code != http.StatusCreated {
			b.Fatalf("POST: %d %s", rec.Code, rec.Body)
		}
		loc := rec.Header().Get("Location")
		if got := serveOnce(srv, benchCase{method: "GET", target: loc}); got.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", loc, got.Code, got.Body)
		}
	}
}

// BenchmarkStatefulList100k times one list page among 100,000 stored notes
// (offset in the middle; the first and a middle cursor page of events) and
// reports the heap and the process RSS the items take.
func BenchmarkStatefulList100k(b *testing.B) {
	const n = 100_000
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	srv := newStatefulBench(b)
	notes := make([]state.StoredItem, n)
	events := make([]state.StoredItem, n)
	for i := range notes {
		id := strconv.Itoa(i + 1)
		notes[i] = state.StoredItem{ID: id, Value: map[string]any{"id": json.Number(id), "name": "note " + id, "status": "open", "createdAt": "2026-01-01T00:00:00Z"}}
		eid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		events[i] = state.StoredItem{ID: eid, Value: map[string]any{"id": eid, "kind": "k"}}
	}
	snap := state.Snapshot{Version: 1, Resources: map[string]state.ResourceSnapshot{
		"notes":  {Collections: map[string][]state.StoredItem{"/notes": notes}},
		"events": {Collections: map[string][]state.StoredItem{"/events": events}},
	}}
	if err := srv.Store().Restore(snap); err != nil {
		b.Fatal(err)
	}
	notes, events, snap = nil, nil, state.Snapshot{}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("%d notes and %d events stored: heap +%.1f MiB, process RSS %.1f MiB", n, n,
		float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), float64(rssKiB())/1024)
	mid := serveOnce(srv, benchCase{method: "GET", target: "/events?limit=20"})
	var page struct {
		Next string `json:"next_cursor"`
	}
	_ = json.Unmarshal(mid.Body.Bytes(), &page)
	for _, c := range []benchCase{
		{name: "offset-middle", method: "GET", target: "/notes?offset=50000&limit=20"},
		{name: "offset-filtered", method: "GET", target: "/notes?offset=0&limit=20&status=open"},
		{name: "cursor-second", method: "GET", target: "/events?limit=20&cursor=" + page.Next},
	} {
		b.Run(c.name, func(b *testing.B) {
			if rec := serveOnce(srv, c); rec.Code != http.StatusOK || rec.Header().Get("X-Total-Count") == "0" {
				b.Fatalf("%s: %d %s", c.target, rec.Code, rec.Body)
			}
			b.ReportAllocs()
			for b.Loop() {
				serveOnce(srv, c)
			}
		})
	}
}

// rssKiB reads the process's resident set (Linux; 0 elsewhere).
func rssKiB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
