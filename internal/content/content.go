package content

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Sentinel errors; test them with errors.Is.
var (
	// ErrUnsupported: a coding this decoder does not know (compress, a typo...).
	ErrUnsupported = errors.New("unsupported content encoding")
	// ErrTooLarge: the decoded body exceeds Limits.MaxBytes.
	ErrTooLarge = errors.New("decoded body exceeds the per-body limit")
	// ErrRatio: the body inflates more than Limits.MaxRatio times its
	// encoded size (beyond Limits.RatioFloor bytes): a decompression bomb.
	ErrRatio = errors.New("compression ratio exceeds the limit")
	// ErrBudget: the run's shared inflation Budget is spent.
	ErrBudget = errors.New("inflation budget of the run is spent")
	// ErrCorrupt: the bytes are not valid for their coding.
	ErrCorrupt = errors.New("body does not decode")
)

// Error is the error of Decode and Check: Kind is one of the sentinels
// above, Coding the coding that failed, Err the underlying reason (if any).
type Error struct {
	Coding string
	Kind   error
	Detail string
	Err    error
}

// Error names the coding and the reason.
func (e *Error) Error() string {
	msg := "Content-Encoding " + e.Coding + ": "
	if e.Kind == ErrCorrupt && e.Err != nil {
		return msg + e.Err.Error()
	}
	msg += e.Kind.Error()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is matches the sentinel Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying reason.
func (e *Error) Unwrap() error { return e.Err }

// Default limits.
const (
	// DefaultMaxBytes is the default per-body output limit (32 MiB).
	DefaultMaxBytes = 32 << 20
	// DefaultMaxRatio is the default output/input ratio limit. Real JSON
	// compresses 5–50×; a gzip bomb inflates ~1000×.
	DefaultMaxRatio = 200
	// DefaultRatioFloor is the output size below which the ratio is not
	// checked (a small, very repetitive body is no threat).
	DefaultRatioFloor = 1 << 20
	// DefaultRunBudget is the default inflation budget of one run (256 MiB).
	DefaultRunBudget = 256 << 20
)

// Limits bound one body's decoding. Zero fields take the defaults.
type Limits struct {
	// MaxBytes is the largest decoded body accepted.
	MaxBytes int64
	// MaxRatio is the largest decoded/encoded size ratio accepted once the
	// output passes RatioFloor.
	MaxRatio int64
	// RatioFloor is the output size under which the ratio is not checked.
	RatioFloor int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.RatioFloor <= 0 {
		l.RatioFloor = DefaultRatioFloor
	}
	return l
}

// Budget is the inflation allowance of one run (one contract check, one
// cassette load), shared by every body decoded in it. It is safe for
// concurrent use. A nil *Budget is unlimited.
type Budget struct {
	left atomic.Int64
}

// NewBudget returns a Budget of total decoded bytes (<= 0: DefaultRunBudget).
func NewBudget(total int64) *Budget {
	if total <= 0 {
		total = DefaultRunBudget
	}
	b := &Budget{}
	b.left.Store(total)
	return b
}

// Remaining reports the bytes left in the budget.
func (b *Budget) Remaining() int64 {
	if b == nil {
		return -1
	}
	return b.left.Load()
}

func (b *Budget) take(n int64) bool {
	if b == nil {
		return true
	}
	for {
		cur := b.left.Load()
		if cur < n {
			return false
		}
		if b.left.CompareAndSwap(cur, cur-n) {
			return true
		}
	}
}

// Codings returns the Content-Encoding codings of h in the order they were
// applied, lower-cased, without "identity".
func Codings(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c != "" && c != "identity" {
				out = append(out, c)
			}
		}
	}
	return out
}

// Supported reports whether coding can be decoded.
func Supported(coding string) bool {
	switch strings.ToLower(strings.TrimSpace(coding)) {
	case "", "identity", "gzip", "x-gzip", "deflate", "br", "zstd":
		return true
	}
	return false
}

// DecodeHeader decodes body by the Content-Encoding of h; see Decode.
func DecodeHeader(h http.Header, body []byte, lim Limits, b *Budget) ([]byte, error) {
	return Decode(Codings(h), body, lim, b)
}

// Decode undoes codings (in applied order: the last is undone first) under
// lim and the shared budget b (nil: unlimited). An empty body or no codings
// returns body as is. Errors wrap one of the sentinels above and name the
// coding.
func Decode(codings []string, body []byte, lim Limits, b *Budget) ([]byte, error) {
	if len(codings) == 0 || len(body) == 0 {
		return body, nil
	}
	lim = lim.withDefaults()
	for _, c := range codings {
		if !Supported(c) {
			return nil, &Error{Coding: c, Kind: ErrUnsupported, Detail: "supported: gzip, deflate, br, zstd"}
		}
	}
	data := body
	encoded := int64(len(body))
	for i := len(codings) - 1; i >= 0; i-- {
		out, err := decodeOne(codings[i], data, encoded, lim, b)
		if err != nil {
			return nil, withCoding(err, codings[i])
		}
		data = out
	}
	return data, nil
}

// Check verifies that body decodes under codings and lim without keeping the
// output (nothing is buffered past the last coding, and b is not charged for
// it). Errors are those of Decode.
func Check(codings []string, body []byte, lim Limits) error {
	if len(codings) == 0 || len(body) == 0 {
		return nil
	}
	inner, err := Decode(codings[1:], body, lim, nil)
	if err != nil {
		return err
	}
	lim = lim.withDefaults()
	if err := drain(codings[0], inner, int64(len(body)), lim); err != nil {
		return withCoding(err, codings[0])
	}
	return nil
}

func drain(coding string, data []byte, encoded int64, lim Limits) error {
	if !Supported(coding) {
		return &Error{Kind: ErrUnsupported}
	}
	r, err := reader(strings.ToLower(strings.TrimSpace(coding)), data)
	if err != nil {
		return &Error{Kind: ErrCorrupt, Err: err}
	}
	defer r.Close()
	ceiling := min(lim.MaxBytes, max(lim.RatioFloor, lim.MaxRatio*encoded))
	n, err := io.Copy(io.Discard, io.LimitReader(r, ceiling+1))
	switch {
	case err != nil:
		return &Error{Kind: ErrCorrupt, Err: err}
	case n > ceiling && ceiling < lim.MaxBytes:
		return &Error{Kind: ErrRatio, Detail: fmt.Sprintf("%d encoded bytes inflate past %d, limit %d×", encoded, ceiling, lim.MaxRatio)}
	case n > ceiling:
		return &Error{Kind: ErrTooLarge, Detail: fmt.Sprintf("more than %d bytes", lim.MaxBytes)}
	}
	return nil
}

// decodeOne decodes one coding; encoded is the original body size, so the
// ratio is measured over the whole stack.
func decodeOne(coding string, data []byte, encoded int64, lim Limits, b *Budget) ([]byte, error) {
	r, err := reader(strings.ToLower(strings.TrimSpace(coding)), data)
	if err != nil {
		return nil, &Error{Kind: ErrCorrupt, Err: err}
	}
	defer r.Close()
	ceiling := lim.MaxBytes
	if byRatio := max(lim.RatioFloor, lim.MaxRatio*encoded); byRatio < ceiling {
		ceiling = byRatio
	}
	var out bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if int64(out.Len()+n) > ceiling {
				if ceiling < lim.MaxBytes {
					return nil, &Error{Kind: ErrRatio, Detail: fmt.Sprintf("%d encoded bytes inflate past %d, limit %d×", encoded, ceiling, lim.MaxRatio)}
				}
				return nil, &Error{Kind: ErrTooLarge, Detail: fmt.Sprintf("more than %d bytes", lim.MaxBytes)}
			}
			if !b.take(int64(n)) {
				return nil, &Error{Kind: ErrBudget, Detail: fmt.Sprintf("%d bytes decoded so far in this body", out.Len())}
			}
			out.Write(buf[:n])
		}
		if rerr == io.EOF {
			return out.Bytes(), nil
		}
		if rerr != nil {
			return nil, &Error{Kind: ErrCorrupt, Err: rerr}
		}
	}
}

func reader(coding string, data []byte) (io.ReadCloser, error) {
	switch coding {
	case "identity":
		return io.NopCloser(bytes.NewReader(data)), nil
	case "gzip", "x-gzip":
		return gzip.NewReader(bytes.NewReader(data))
	case "deflate":
		// RFC 9110's deflate is zlib-wrapped; some servers send raw deflate.
		if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
			return zr, nil
		}
		return flate.NewReader(bytes.NewReader(data)), nil
	case "br":
		return io.NopCloser(brotli.NewReader(bytes.NewReader(data))), nil
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(DefaultMaxBytes*2))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return nil, &Error{Kind: ErrUnsupported}
}

// withCoding names coding in err (an *Error from below).
func withCoding(err error, coding string) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Coding == "" {
			e.Coding = coding
		}
		return e
	}
	return &Error{Coding: coding, Kind: ErrCorrupt, Err: err}
}

// Encode applies one coding to data (gzip, x-gzip, deflate, br, zstd); it is
// used by tests and by anything that re-encodes a body after rewriting it.
func Encode(coding string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch strings.ToLower(strings.TrimSpace(coding)) {
	case "", "identity":
		return data, nil
	case "gzip", "x-gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w, _ = zlib.NewWriterLevel(&buf, zlib.DefaultCompression)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		zw, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("content: zstd writer: %w", err)
		}
		w = zw
	default:
		return nil, fmt.Errorf("content: encode %q: %w", coding, ErrUnsupported)
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("content: encode %s: %w", coding, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("content: encode %s: %w", coding, err)
	}
	return buf.Bytes(), nil
}
