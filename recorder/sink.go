package recorder

import (
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
	// FlushInterval 0 writes the file after every Append (the default; a
	// kill loses at most the interactions in flight). A positive interval
	// writes at most that often, plus on Flush and Close.
	FlushInterval time.Duration
	// Append keeps the interactions of an existing cassette at the path
	// (format 1 or 2; it is rewritten as format 2). Otherwise the file is
	// replaced by an empty cassette as soon as the Sink opens.
	Append bool
	// Redactor is applied to every interaction before it is stored (nil:
	// DefaultRedactor). Redacting twice is harmless.
	Redactor *redact.Redactor
	// Logger receives flush errors from the background timer (nil: discard).
	Logger *slog.Logger
}

// Sink is a cassette file that grows one interaction at a time. Every write
// replaces the file atomically (temporary file, fsync, rename), so the file
// on disk always loads, whatever happens to the process. Safe for concurrent
// use.
type Sink struct {
	path     string
	cfg      SinkConfig
	redactor *redact.Redactor
	logger   *slog.Logger

	mu           sync.Mutex // guards interactions, gen, closed
	interactions []*cassette.Interaction
	gen          uint64
	closed       bool

	writeMu sync.Mutex // serialises file writes; guards written
	written uint64

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
	if cfg.Append {
		c, err := LoadFile(path)
		switch {
		case err == nil:
			for _, it := range c.Interactions {
				cp := cloneInteraction(it)
				s.redactor.Interaction(cp)
				s.interactions = append(s.interactions, cp)
			}
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, fmt.Errorf("recorder: continue cassette: %w", err)
		}
	}
	s.gen = 1
	if err := s.Flush(); err != nil {
		return nil, err
	}
	if cfg.FlushInterval > 0 {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.loop()
	}
	return s, nil
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

// Len returns the number of interactions held.
func (s *Sink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.interactions)
}

// Append redacts a copy of i and adds it to the cassette; with
// FlushInterval 0 the file is rewritten before Append returns. The caller
// keeps ownership of i.
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
	if s.closed {
		s.mu.Unlock()
		return ErrSinkClosed
	}
	cp.ID = len(s.interactions)
	s.interactions = append(s.interactions, cp)
	s.gen++
	s.mu.Unlock()
	if s.cfg.FlushInterval == 0 {
		return s.Flush()
	}
	return nil
}

// Flush writes the current interactions to disk if they changed since the
// last write.
func (s *Sink) Flush() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	gen := s.gen
	snapshot := append([]*cassette.Interaction(nil), s.interactions...)
	s.mu.Unlock()
	if gen == s.written {
		return nil
	}
	data, err := Marshal(snapshot)
	if err != nil {
		return fmt.Errorf("recorder: flush %s: %w", s.path, err)
	}
	if err := writeFileAtomic(s.path, data); err != nil {
		return err
	}
	s.written = gen
	return nil
}

// Close stops the timer, writes the file a last time and refuses further
// appends. It is safe to call more than once. When a Proxy feeds the sink,
// shut the HTTP server down first (http.Server.Shutdown waits for handlers):
// the proxy appends just after the client has received the last byte.
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
	return s.Flush()
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
