package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/redact"
)

// ErrSinkClosed is returned by Append after Close.
var ErrSinkClosed = errors.New("recorder: cassette sink is closed")

// InteractionSink receives recorded interactions; the recording Proxy
// appends to one. Implementations must be safe for concurrent use.
type InteractionSink interface {
	Append(ctx context.Context, i *cassette.Interaction) error
}

// SinkConfig configures a Sink.
type SinkConfig struct {
	// FlushInterval 0 writes (and fsyncs) each interaction before Append
	// returns (the default; a kill loses at most the interactions in
	// flight). A positive interval buffers new interactions and writes them
	// at most that often, plus on Flush and Close.
	FlushInterval time.Duration
	// Append keeps the interactions of an existing cassette at the path
	// (format 1 or 2; it is rewritten once, as format 2, when the Sink
	// opens). Otherwise the file is replaced by an empty cassette as soon as
	// the Sink opens.
	Append bool
	// Redactor is applied to every interaction before it is stored (nil:
	// DefaultRedactor). Redacting twice is harmless.
	Redactor *redact.Redactor
	// Logger receives flush errors from the background timer (nil: discard).
	Logger *slog.Logger
}

// appendHeader starts a version 2 cassette whose interactions are appended
// one YAML list item at a time: the file is a valid cassette after every
// item, so whatever prefix of appends reached the disk loads.
const appendHeader = "---\nversion: 2\ninteractions:\n"

// Sink is a cassette file that grows one interaction at a time. It appends
// each interaction to the file as one write of a complete YAML list item
// (never rewriting what is there), so recording costs O(bytes recorded) in
// writes and holds no interactions in memory. Because each item is a single
// write and the cassette's interaction list is the last thing in the file,
// the file on disk always loads, even after a SIGKILL mid-recording; a
// failed write is cut off again. Safe for concurrent use.
type Sink struct {
	path     string
	cfg      SinkConfig
	redactor *redact.Redactor
	logger   *slog.Logger

	mu      sync.Mutex // guards everything below
	f       *os.File
	size    int64  // bytes of the file that are complete items
	n       int    // interactions in the file or pending
	pending []byte // encoded items not yet written (FlushInterval > 0)
	closed  bool

	stop chan struct{}
	done chan struct{}
}

// NewSink opens a cassette for recording at path and writes it at once (an
// empty cassette unless cfg.Append finds one to continue).
func NewSink(path string, cfg SinkConfig) (*Sink, error) {
	if path == "" {
		return nil, errors.New("recorder: NewSink: empty cassette path (pass --cassette FILE)")
	}
	if cfg.FlushInterval < 0 {
		return nil, fmt.Errorf("recorder: NewSink: negative flush interval %v (use 0 to flush after every interaction)", cfg.FlushInterval)
	}
	s := &Sink{path: path, cfg: cfg, redactor: cfg.Redactor, logger: cfg.Logger}
	if s.redactor == nil {
		s.redactor = redact.Default()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	data := []byte(appendHeader)
	if cfg.Append {
		c, err := LoadFile(path)
		switch {
		case err == nil:
			for _, it := range c.Interactions {
				if it == nil || it.DiscardOnSave {
					continue
				}
				cp := cloneInteraction(it)
				s.redactor.Interaction(cp)
				item, err := encodeItem(cp, s.n)
				if err != nil {
					return nil, fmt.Errorf("recorder: continue cassette %s: %w", path, err)
				}
				data = append(data, item...)
				s.n++
			}
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, fmt.Errorf("recorder: continue cassette: %w", err)
		}
	}
	if err := writeFileAtomic(path, data); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("recorder: open %s to append: %w", path, err)
	}
	s.f, s.size = f, int64(len(data))
	if cfg.FlushInterval > 0 {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.loop()
	}
	return s, nil
}

// encodeItem renders one interaction as a list item of appendHeader's
// interactions list, laid out as Marshal lays out a whole cassette.
func encodeItem(it *cassette.Interaction, id int) ([]byte, error) {
	cp := *it
	cp.ID = id
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4)
	if err := enc.Encode(&fileV2{Version: FormatV2, Interactions: []*cassette.Interaction{&cp}}); err != nil {
		return nil, fmt.Errorf("encode interaction %d: %w", id, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode interaction %d: %w", id, err)
	}
	_, item, ok := bytes.Cut(buf.Bytes(), []byte("\ninteractions:\n"))
	if !ok {
		return nil, fmt.Errorf("encode interaction %d: unexpected YAML layout", id)
	}
	return item, nil
}

func (s *Sink) loop() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if err := s.Flush(); err != nil {
				s.logger.Error("recorder: periodic cassette flush failed", "path", s.path, "err", err)
			}
		}
	}
}

// Path returns the cassette file path.
func (s *Sink) Path() string { return s.path }

// Len returns the number of interactions recorded (written or pending).
func (s *Sink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Append redacts a copy of i and adds it to the cassette; with
// FlushInterval 0 it is on disk before Append returns. The caller keeps
// ownership of i.
func (s *Sink) Append(ctx context.Context, i *cassette.Interaction) error {
	if i == nil {
		return errors.New("recorder: Sink.Append: nil interaction")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recorder: append to %s: %w", s.path, err)
	}
	cp := cloneInteraction(i)
	s.redactor.Interaction(cp)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSinkClosed
	}
	item, err := encodeItem(cp, s.n)
	if err != nil {
		return fmt.Errorf("recorder: append to %s: %w", s.path, err)
	}
	s.n++
	s.pending = append(s.pending, item...)
	if s.cfg.FlushInterval == 0 {
		return s.flushLocked()
	}
	return nil
}

// Flush writes the pending interactions to disk and fsyncs the file.
func (s *Sink) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	return s.flushLocked()
}

// flushLocked writes s.pending in one write, so a kill leaves either all of
// it or none; a failed write is truncated away. Call with s.mu held.
func (s *Sink) flushLocked() error {
	if len(s.pending) == 0 {
		return nil
	}
	if _, err := s.f.Write(s.pending); err != nil {
		if terr := s.f.Truncate(s.size); terr != nil {
			err = errors.Join(err, terr)
		}
		return fmt.Errorf("recorder: append to %s: %w (disk full? the file keeps its complete interactions)", s.path, err)
	}
	s.size += int64(len(s.pending))
	s.pending = s.pending[:0]
	if cap(s.pending) > 1<<20 {
		s.pending = nil // do not keep a large buffer for the life of the sink
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("recorder: fsync %s: %w", s.path, err)
	}
	return nil
}

// Close stops the timer, writes what is pending and closes the file; later
// appends fail with ErrSinkClosed. It is safe to call more than once. When
// a Proxy feeds the sink, shut the HTTP server down first
// (http.Server.Shutdown waits for handlers): the proxy appends just after
// the client has received the last byte.
func (s *Sink) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return nil
	}
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.flushLocked()
	if cerr := s.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("recorder: close %s: %w", s.path, cerr)
	}
	s.f = nil
	return err
}

// cloneInteraction deep-copies the maps and slices of an interaction so the
// copy can be redacted and stored without touching the original.
func cloneInteraction(i *cassette.Interaction) *cassette.Interaction {
	cp := &cassette.Interaction{ID: i.ID, Request: i.Request, Response: i.Response}
	cp.Request.Headers = cloneHeader(i.Request.Headers)
	cp.Request.Trailer = cloneHeader(i.Request.Trailer)
	cp.Request.Form = url.Values(cloneHeader(http.Header(i.Request.Form)))
	cp.Request.TransferEncoding = append([]string(nil), i.Request.TransferEncoding...)
	cp.Response.Headers = cloneHeader(i.Response.Headers)
	cp.Response.Trailer = cloneHeader(i.Response.Trailer)
	cp.Response.TransferEncoding = append([]string(nil), i.Response.TransferEncoding...)
	return cp
}

func cloneHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	return h.Clone()
}
