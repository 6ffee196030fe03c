package recorder_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

// bytesWritten is this process's write(2) byte count (Linux /proc/self/io).
func bytesWritten(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/io")
	if err != nil {
		t.Skipf("no /proc/self/io: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("no wchar in /proc/self/io")
	return 0
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Reproduced with the rewriting sink: 200 × 1 MiB responses cost 1.07 GB
// RSS and ~20 GB written. Appending writes each interaction once and keeps
// none of them in memory.
func TestSinkWritesAndHoldsOTotalBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	s, err := recorder.NewSink(path, recorder.SinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	const n, size = 60, 64 << 10
	body := strings.Repeat("x", size)
	heapBefore, wroteBefore := heapAlloc(), bytesWritten(t)
	for i := range n {
		it := &cassette.Interaction{Request: cassette.Request{Method: "GET", URL: fmt.Sprintf("http://h/%d", i)},
			Response: cassette.Response{Code: 200, Body: body}}
		if err := s.Append(context.Background(), it); err != nil {
			t.Fatal(err)
		}
	}
	wrote, grown := bytesWritten(t)-wroteBefore, int64(heapAlloc())-int64(heapBefore)
	runtime.KeepAlive(s)
	if total := int64(n * size); wrote > 2*total {
		t.Errorf("recording %d KiB of bodies wrote %d KiB (want < 2x: appends, not rewrites)", total>>10, wrote>>10)
	}
	if grown > 1<<20 {
		t.Errorf("the sink holds %d KiB after %d appends (want < 1 MiB: nothing kept in memory)", grown>>10, n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := recorder.LoadFile(path)
	if err != nil || len(c.Interactions) != n || c.Interactions[n-1].Response.Body != body || c.Interactions[n-1].ID != n-1 {
		t.Fatalf("appended cassette: %v interactions, err %v", len(c.Interactions), err)
	}
	vcr, err := cassette.Load(strings.TrimSuffix(path, ".yaml")) // go-vcr's own loader reads it too
	if err != nil || len(vcr.Interactions) != n {
		t.Fatalf("go-vcr cassette.Load: %v", err)
	}
}
