package content

import (
	"bytes"
	"errors"
	"net/http"
	"runtime"
	"testing"
)

func mustEncode(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	out, err := Encode(coding, data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeCodings(t *testing.T) {
	plain := []byte(`{"token":"s3cr3t","items":[1,2,3]}`)
	for _, c := range []string{"gzip", "x-gzip", "deflate", "br", "zstd"} {
		t.Run(c, func(t *testing.T) {
			got, err := Decode([]string{c}, mustEncode(t, c, plain), Limits{}, nil)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("Decode(%s) = %q, %v", c, got, err)
			}
		})
	}
	t.Run("stacked gzip, br", func(t *testing.T) {
		enc := mustEncode(t, "br", mustEncode(t, "gzip", plain))
		h := http.Header{"Content-Encoding": {"gzip, br"}}
		got, err := DecodeHeader(h, enc, Limits{}, nil)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("stacked = %q, %v", got, err)
		}
	})
	t.Run("raw deflate", func(t *testing.T) {
		zl := mustEncode(t, "deflate", plain)
		// strip zlib header (2 bytes) and adler32 trailer (4 bytes)
		got, err := Decode([]string{"deflate"}, zl[2:len(zl)-4], Limits{}, nil)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("raw deflate = %q, %v", got, err)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	zeros := make([]byte, 64<<20)
	bomb := mustEncode(t, "gzip", zeros)
	big := bytes.Repeat([]byte(`{"a":"0123456789abcdef"},`), 200000) // ~5 MB, compresses well but < 200×
	bigGz := mustEncode(t, "gzip", big)
	cases := []struct {
		name    string
		codings []string
		body    []byte
		lim     Limits
		budget  *Budget
		want    error
	}{
		{"unsupported", []string{"compress"}, []byte("x"), Limits{}, nil, ErrUnsupported},
		{"stack with unsupported", []string{"gzip", "lzma"}, []byte("x"), Limits{}, nil, ErrUnsupported},
		{"corrupt gzip", []string{"gzip"}, []byte("not gzip"), Limits{}, nil, ErrCorrupt},
		{"corrupt zstd", []string{"zstd"}, []byte("not zstd at all"), Limits{}, nil, ErrCorrupt},
		{"bomb ratio", []string{"gzip"}, bomb, Limits{}, nil, ErrRatio},
		{"too large", []string{"gzip"}, bigGz, Limits{MaxBytes: 1 << 20, MaxRatio: 100000}, nil, ErrTooLarge},
		{"budget", []string{"gzip"}, bigGz, Limits{MaxRatio: 100000}, NewBudget(1 << 20), ErrBudget},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.codings, tc.body, tc.lim, tc.budget)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBudgetShared(t *testing.T) {
	plain := bytes.Repeat([]byte("abcdefgh"), 1<<15) // 256 KiB
	enc := mustEncode(t, "gzip", plain)
	b := NewBudget(600 << 10)
	for i := range 2 {
		if _, err := Decode([]string{"gzip"}, enc, Limits{}, b); err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
	}
	if _, err := Decode([]string{"gzip"}, enc, Limits{}, b); !errors.Is(err, ErrBudget) {
		t.Fatalf("third body: err = %v, want ErrBudget", err)
	}
}

// TestBombHeap decodes 10 gzip bombs of 64 MiB each (640 MiB in all) under
// one run budget: each must fail, and the heap in use must stay below one
// bomb's inflated size (a decoder that inflated a bomb whole needs more).
func TestBombHeap(t *testing.T) {
	const bombs, inflated = 10, 64 << 20
	bomb := gzipZeros(t, inflated)
	b := NewBudget(0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var peak uint64
	for range bombs {
		if _, err := Decode([]string{"gzip"}, bomb, Limits{}, b); err == nil {
			t.Fatal("a 64 MiB bomb decoded")
		}
		runtime.ReadMemStats(&after)
		peak = max(peak, after.HeapInuse)
	}
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d × 64 MiB gzip bombs (%d bytes each): %d MiB allocated in total, heap in use at most %d MiB", bombs, len(bomb), grew>>20, peak>>20)
	if peak > before.HeapInuse+inflated {
		t.Fatalf("heap in use reached %d MiB decoding bombs (started at %d MiB)", peak>>20, before.HeapInuse>>20)
	}
}

// gzipZeros builds a gzip stream of n zero bytes without holding n bytes.
func gzipZeros(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := newGzipWriter(&buf)
	chunk := make([]byte, 1<<20)
	for i := 0; i < n; i += len(chunk) {
		if _, err := zw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheck(t *testing.T) {
	plain := []byte(`{"ok":true}`)
	if err := Check([]string{"gzip", "br"}, mustEncode(t, "br", mustEncode(t, "gzip", plain)), Limits{}); err != nil {
		t.Fatalf("valid stack: %v", err)
	}
	if err := Check([]string{"zstd"}, []byte("garbage"), Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("garbage zstd: %v", err)
	}
	if err := Check([]string{"gzip"}, gzipZeros(t, 64<<20), Limits{}); !errors.Is(err, ErrRatio) {
		t.Fatalf("bomb: %v", err)
	}
}
