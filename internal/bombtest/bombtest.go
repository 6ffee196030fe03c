package bombtest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/yaml.v3"
)

// GzipZeros returns a gzip stream of n zero bytes; see GzipSparse.
func GzipZeros(n int64) ([]byte, error) { return GzipSparse(n, 0) }

// GzipSparse returns a gzip stream of n zero bytes (64 MiB gives ~65 KB).
// Every every-th byte (every > 0) is a varying non-zero byte instead, which
// brings the compression ratio down (every 500: about 150×), so a body can
// pass the ratio limit and still be large.
//
// The stream is gzip members of at most memberSize bytes each (RFC 1952
// allows several; decoders read them as one body): the first is compressed
// and repeated, so a bomb of any size costs one member's compression, which
// matters under the race detector (64 MiB compressed whole took 20 s there).
func GzipSparse(n int64, every int) ([]byte, error) {
	if n <= 0 {
		return gzipMember(0, every)
	}
	var out, full []byte
	for ; n > 0; n -= min(n, memberSize) {
		if n >= memberSize && full != nil {
			out = append(out, full...)
			continue
		}
		m, err := gzipMember(min(n, memberSize), every)
		if err != nil {
			return nil, err
		}
		if n >= memberSize {
			full = m
		}
		out = append(out, m...)
	}
	return out, nil
}

// memberSize is the uncompressed size of one gzip member of GzipSparse.
const memberSize = 1 << 20

// gzipMember compresses n bytes (n <= memberSize) of GzipSparse's pattern,
// written in 64 KiB chunks, as one gzip member.
func gzipMember(n int64, every int) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("bombtest: gzip writer: %w", err)
	}
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		if every > 0 && i%every == 0 {
			chunk[i] = byte(i/every%251 + 1)
		}
	}
	for n > 0 {
		c := min(n, int64(len(chunk)))
		if _, err := zw.Write(chunk[:c]); err != nil {
			return nil, fmt.Errorf("bombtest: gzip write: %w", err)
		}
		n -= c
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("bombtest: gzip close: %w", err)
	}
	return buf.Bytes(), nil
}

// Interactions returns n GET interactions to fmt.Sprintf(urlFormat, i)
// (urlFormat may omit the %d) whose responses are 200 application/json bodies of bomb under
// Content-Encoding: gzip, as the recorder stores them (bytes as received).
func Interactions(n int, urlFormat string, bomb []byte) []*cassette.Interaction {
	out := make([]*cassette.Interaction, n)
	for i := range out {
		out[i] = &cassette.Interaction{
			ID: i,
			Request: cassette.Request{Method: http.MethodGet, URL: url(urlFormat, i),
				Headers: http.Header{}, Form: map[string][]string{}, ContentLength: 0},
			Response: cassette.Response{Code: 200, Status: "200 OK", ContentLength: int64(len(bomb)),
				Headers: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}},
				Body:    string(bomb)},
		}
	}
	return out
}

// Cassette encodes interactions as a go-vcr version 2 YAML cassette; the
// gzip bodies (not UTF-8) come out as !!binary base64, as recorder.Marshal
// writes them.
func Cassette(its []*cassette.Interaction) ([]byte, error) {
	doc := struct {
		Version      int                     `yaml:"version"`
		Interactions []*cassette.Interaction `yaml:"interactions"`
	}{Version: 2, Interactions: its}
	data, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("bombtest: encode cassette: %w", err)
	}
	return data, nil
}

// Usage is what Measure saw while its function ran.
type Usage struct {
	// PeakHeap is the highest HeapAlloc sampled, less HeapAlloc before.
	PeakHeap uint64
	// TotalAlloc is the bytes allocated while f ran (live or not).
	TotalAlloc uint64
}

// String renders u in MiB.
func (u Usage) String() string {
	return fmt.Sprintf("peak heap +%d MiB, allocated %d MiB", u.PeakHeap>>20, u.TotalAlloc>>20)
}

// Measure runs f after a GC and samples HeapAlloc every millisecond until
// it returns.
func Measure(f func()) Usage {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapAlloc)
	u := Usage{TotalAlloc: after.TotalAlloc - before.TotalAlloc}
	if peak > before.HeapAlloc {
		u.PeakHeap = peak - before.HeapAlloc
	}
	return u
}

func url(format string, i int) string {
	if !strings.Contains(format, "%d") {
		return format
	}
	return fmt.Sprintf(format, i)
}
