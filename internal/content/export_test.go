package content

import (
	"compress/gzip"
	"io"
)

func newGzipWriter(w io.Writer) *gzip.Writer {
	return func() *gzip.Writer { z, _ := gzip.NewWriterLevel(w, gzip.BestCompression); return z }()
}
