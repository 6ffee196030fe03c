package bombtest_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/mockd/mockd/internal/bombtest"
)

// sparse is what GzipSparse(n, every) must decode to: zeros, with every
// every-th byte of each 64 KiB chunk a varying non-zero byte.
func sparse(n int64, every int) []byte {
	out := make([]byte, n)
	for p := range out {
		if i := p % (64 << 10); every > 0 && i%every == 0 {
			out[p] = byte(i/every%251 + 1)
		}
	}
	return out
}

func TestGzipSparseDecodesToItsPattern(t *testing.T) {
	cases := []struct {
		n     int64
		every int
	}{
		{0, 0}, {1000, 0}, {1 << 20, 0}, {1<<20 + 5, 0}, {3 << 20, 0},
		{1000, 500}, {2<<20 + 70000, 500},
	}
	for _, c := range cases {
		data, err := bombtest.GzipSparse(c.n, c.every)
		if err != nil {
			t.Fatalf("GzipSparse(%d, %d): %v", c.n, c.every, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("GzipSparse(%d, %d): not gzip: %v", c.n, c.every, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("GzipSparse(%d, %d): %v", c.n, c.every, err)
		}
		if !bytes.Equal(got, sparse(c.n, c.every)) {
			t.Errorf("GzipSparse(%d, %d) decodes to %d bytes, not the pattern of %d", c.n, c.every, len(got), c.n)
		}
	}
}

// A bomb keeps a gzip bomb's ratio (~1000×) and the sparse body its ~150×.
func TestGzipRatios(t *testing.T) {
	zeros, err := bombtest.GzipZeros(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if r := (64 << 20) / len(zeros); r < 900 {
		t.Errorf("64 MiB of zeros compress to %d bytes: ratio %d×, want a bomb's ~1000×", len(zeros), r)
	}
	body, err := bombtest.GzipSparse(40<<20, 500)
	if err != nil {
		t.Fatal(err)
	}
	if r := (40 << 20) / len(body); r < 100 || r > 200 {
		t.Errorf("the sparse 40 MiB body compresses %d×, want between 100× and 200× (under the checker's 200× limit)", r)
	}
}
