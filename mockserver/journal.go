package mockserver

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/internal/reqlog"
)

// DefaultJournalSize is how many requests the journal keeps by default.
const DefaultJournalSize = 10_000

// DefaultJournalBytes bounds the journal's memory by default (64 MiB): the
// oldest entries go first when either bound is reached.
const DefaultJournalBytes = 64 << 20

// Per-entry caps: what one journalled request may hold, whatever the client
// sent. Longer values are cut and end with a marker naming the bytes cut;
// the entry records the sizes before cutting and which fields were cut.
const (
	MaxEntryHeaderValue = 4 << 10  // one header value
	MaxEntryHeaderName  = 256      // one header name
	MaxEntryHeaders     = 16 << 10 // all header names and values together; later headers are dropped
	MaxEntryQuery       = 4 << 10  // the raw query
	MaxEntryPath        = 4 << 10  // the path
	MaxEntryError       = 1 << 10  // the error text
)

// entryOverhead approximates the bytes an entry costs besides its strings
// (the struct, the map and its buckets).
const entryOverhead = 512

// Entry is one request in the journal: what the client sent, what mockd
// decided and what went out on the wire.
type Entry struct {
	Seq       uint64 `json:"seq"`        // 1-based, in arrival order
	Cursor    uint64 `json:"cursor"`     // 1-based, in completion order: poll with after=<cursor>
	ConnID    uint64 `json:"conn_id"`    // connection the request came on
	ConnIndex int    `json:"conn_index"` // 0-based index of the request on its connection (>0: reused)

	Received time.Time     `json:"received"`          // when the request reached the handler
	Started  time.Time     `json:"started,omitzero"`  // when the status line was written (zero: never)
	Finished time.Time     `json:"finished,omitzero"` // when the handler returned
	Elapsed  time.Duration `json:"elapsed_ns"`        // Finished - Received (monotonic)

	Method      string            `json:"method"`
	Path        string            `json:"path"`
	Query       string            `json:"query,omitempty"`     // redacted
	Operation   string            `json:"operation,omitempty"` // operationId (or "METHOD /path")
	Headers     map[string]string `json:"headers,omitempty"`   // request headers, secrets redacted
	HeaderBytes int               `json:"header_bytes,omitempty"`
	QueryBytes  int               `json:"query_bytes,omitempty"`
	Truncated   []string          `json:"truncated,omitempty"` // fields cut to the per-entry caps: path, query, headers
	BodyHash    string            `json:"body_sha256,omitempty"`
	BodyBytes   int64             `json:"body_bytes"`

	Rule    string `json:"rule,omitempty"`  // fault rule that decided (matched) the request
	Key     string `json:"key,omitempty"`   // the rule's key value
	Ordinal uint64 `json:"ordinal"`         // request ordinal within (rule, key)
	Seed    uint64 `json:"seed"`            // fault engine seed
	Fault   string `json:"fault,omitempty"` // X-Mockd-Fault label of what was applied
	Reason  string `json:"reason,omitempty"`

	Status int    `json:"status"`           // status sent, 0 when none
	Bytes  int64  `json:"bytes"`            // body bytes written
	End    string `json:"end"`              // normal, fin, rst, client_aborted, hung
	Source Source `json:"source,omitempty"` // where the answer came from
	Error  string `json:"error,omitempty"`
	// Problem is mockd's explanation of a rejected request (invalid,
	// unauthorized, unsupported or unacceptable media type), also when the
	// spec's own error response was served.
	Problem *Problem `json:"problem,omitempty"`
}

// Journal is a bounded ring of the most recent requests, bounded both in
// count and in bytes. It is safe for concurrent use.
type Journal struct {
	mu       sync.Mutex
	buf      []Entry
	sizes    []int64 // approximate bytes of buf[i]
	head     int     // oldest entry
	n        int     // entries held
	bytes    int64   // sum of sizes held
	maxBytes int64
	seq      atomic.Uint64 // last arrival sequence number given
	cursor   uint64        // last completion cursor given
	inFlight atomic.Int64
	// logger, when set, gets one info line per finished request (logEntry).
	logger *slog.Logger
}

// NewJournal keeps the last size requests (DefaultJournalSize when size <= 0)
// within DefaultJournalBytes.
func NewJournal(size int) *Journal { return NewBoundedJournal(size, 0) }

// NewBoundedJournal keeps the last size requests (DefaultJournalSize when
// size <= 0) and at most maxBytes of them (DefaultJournalBytes when
// maxBytes <= 0), evicting the oldest first.
func NewBoundedJournal(size int, maxBytes int64) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	if maxBytes <= 0 {
		maxBytes = DefaultJournalBytes
	}
	return &Journal{buf: make([]Entry, size), sizes: make([]int64, size), maxBytes: maxBytes}
}

// begin reserves the next arrival sequence number and counts the request
// as in flight until done.
func (j *Journal) begin() uint64 {
	j.inFlight.Add(1)
	return j.seq.Add(1)
}

// InFlight is the number of requests that arrived and are not journalled yet.
func (j *Journal) InFlight() int64 { return j.inFlight.Load() }

// add stores a finished entry, giving it the next completion cursor, and
// evicts the oldest entries beyond the count or byte bound.
func (j *Journal) add(e Entry) {
	capEntry(&e)
	j.logEntry(&e)
	size := e.approxBytes()
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cursor++
	e.Cursor = j.cursor
	for j.n > 0 && (j.n == len(j.buf) || j.bytes+size > j.maxBytes) {
		j.evictOldest()
	}
	i := (j.head + j.n) % len(j.buf)
	j.buf[i], j.sizes[i] = e, size
	j.n++
	j.bytes += size
}

// logEntry writes the request line of a finished entry (method, path with
// the redacted query, status, source, fault rule and fault, duration) at
// info level; nothing is formatted when the logger does not log info.
func (j *Journal) logEntry(e *Entry) {
	ctx := context.Background()
	if j.logger == nil || !j.logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	l := reqlog.Line{Method: e.Method, Path: e.Path, Query: e.Query, Status: e.Status, Source: e.Source.String(),
		Rule: e.Rule, Fault: e.Fault, Duration: e.Elapsed}
	if l.Source == "" && e.Fault != "" {
		l.Source = SourceFault.String() // the fault answered: nothing else did
	}
	if e.End != "" && e.End != fault.EndNormal.String() {
		l.End = e.End
	}
	if e.Problem != nil {
		l.Attrs = []slog.Attr{slog.String("problem", strings.TrimPrefix(e.Problem.Type, "urn:mockd:problem:"))}
	}
	reqlog.Log(ctx, j.logger, &l)
}

// done marks a request begun with begin as no longer in flight.
func (j *Journal) done() { j.inFlight.Add(-1) }

func (j *Journal) evictOldest() {
	j.bytes -= j.sizes[j.head]
	j.buf[j.head], j.sizes[j.head] = Entry{}, 0
	j.head = (j.head + 1) % len(j.buf)
	j.n--
}

// Filter selects journal entries; zero fields match everything.
type Filter struct {
	Path      string    // exact request path, or a prefix ending in "*"
	Method    string    // case-insensitive
	Operation string    // operation id
	Rule      string    // fault rule name
	Key       string    // the rule's key value
	Header    string    // "Name: value" a request header must have
	Since     time.Time // received at or after
	AfterSeq  uint64    // arrival sequence number greater than (for assertions once requests are done)
	After     uint64    // completion cursor greater than (for polling: never misses a slow request)
	Limit     int       // at most this many (the most recent); 0 = all
}

func (f Filter) match(e *Entry) bool {
	switch {
	case f.Path != "" && !matchPath(f.Path, e.Path),
		f.Method != "" && !strings.EqualFold(f.Method, e.Method),
		f.Operation != "" && f.Operation != e.Operation,
		f.Rule != "" && f.Rule != e.Rule,
		f.Key != "" && f.Key != e.Key,
		!f.Since.IsZero() && e.Received.Before(f.Since),
		f.AfterSeq != 0 && e.Seq <= f.AfterSeq,
		f.After != 0 && e.Cursor <= f.After:
		return false
	}
	if f.Header != "" {
		name, value, _ := strings.Cut(f.Header, ":")
		if e.Headers[http.CanonicalHeaderKey(strings.TrimSpace(name))] != strings.TrimSpace(value) {
			return false
		}
	}
	return true
}

func matchPath(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(path, prefix)
	}
	return pattern == path
}

// Entries returns the entries that match f, oldest arrival first.
func (j *Journal) Entries(f Filter) []Entry {
	j.mu.Lock()
	var out []Entry
	for k := range j.n {
		e := &j.buf[(j.head+k)%len(j.buf)]
		if f.match(e) {
			out = append(out, *e)
		}
	}
	j.mu.Unlock()
	// Entries are added when requests finish; present them by arrival.
	sort.SliceStable(out, func(a, b int) bool { return out[a].Seq < out[b].Seq })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

// Page is one page of the journal in completion order, for polling and
// paging through it with a cursor.
type Page struct {
	Entries []Entry
	Next    uint64 // the cursor to pass as After for the next page
	More    bool   // more matching entries follow Next
}

// Page returns at most limit entries matching f in completion order. With
// forward set it returns the first ones after f.After (page forward from a
// cursor); otherwise the most recent ones. Next is the cursor of the last
// entry returned (or, with nothing returned, where to continue polling).
func (j *Journal) Page(f Filter, limit int, forward bool) Page {
	j.mu.Lock()
	defer j.mu.Unlock()
	var p Page
	if forward {
		p.Next = f.After
		for k := range j.n {
			e := &j.buf[(j.head+k)%len(j.buf)]
			if !f.match(e) {
				continue
			}
			if len(p.Entries) == limit {
				p.More = true
				break
			}
			p.Entries = append(p.Entries, *e)
			p.Next = e.Cursor
		}
		return p
	}
	p.Next = j.cursor
	for k := j.n - 1; k >= 0; k-- {
		e := &j.buf[(j.head+k)%len(j.buf)]
		if !f.match(e) {
			continue
		}
		if len(p.Entries) == limit {
			p.More = true
			break
		}
		p.Entries = append(p.Entries, *e)
	}
	for a, b := 0, len(p.Entries)-1; a < b; a, b = a+1, b-1 {
		p.Entries[a], p.Entries[b] = p.Entries[b], p.Entries[a]
	}
	if len(p.Entries) > 0 {
		p.Next = p.Entries[len(p.Entries)-1].Cursor
	}
	return p
}

// Clear forgets every entry (sequence numbers and cursors keep counting).
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.buf)
	clear(j.sizes)
	j.head, j.n, j.bytes = 0, 0, 0
}

// Len is the number of entries held.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Bytes is the approximate memory the held entries take.
func (j *Journal) Bytes() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bytes
}

// approxBytes estimates the memory an entry holds.
func (e *Entry) approxBytes() int64 {
	n := entryOverhead + len(e.Method) + len(e.Path) + len(e.Query) + len(e.Operation) + len(e.BodyHash) +
		len(e.Rule) + len(e.Key) + len(e.Fault) + len(e.Reason) + len(e.End) + len(e.Source) + len(e.Error)
	for k, v := range e.Headers {
		n += len(k) + len(v) + 32
	}
	for _, t := range e.Truncated {
		n += len(t) + 16
	}
	return int64(n)
}
