package mockserver

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultJournalSize is how many requests the journal keeps by default.
const DefaultJournalSize = 10_000

// Entry is one request in the journal: what the client sent, what mockd
// decided and what went out on the wire.
type Entry struct {
	Seq       uint64 `json:"seq"`        // 1-based, in arrival order
	ConnID    uint64 `json:"conn_id"`    // connection the request came on
	ConnIndex int    `json:"conn_index"` // 0-based index of the request on its connection (>0: reused)

	Received time.Time     `json:"received"`          // when the request reached the handler
	Started  time.Time     `json:"started,omitzero"`  // when the status line was written (zero: never)
	Finished time.Time     `json:"finished,omitzero"` // when the handler returned
	Elapsed  time.Duration `json:"elapsed_ns"`        // Finished - Received (monotonic)

	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Query     string            `json:"query,omitempty"`     // redacted
	Operation string            `json:"operation,omitempty"` // operationId (or "METHOD /path")
	Headers   map[string]string `json:"headers,omitempty"`   // request headers, secrets redacted
	BodyHash  string            `json:"body_sha256,omitempty"`
	BodyBytes int64             `json:"body_bytes"`

	Rule    string `json:"rule,omitempty"`  // fault rule that decided (matched) the request
	Key     string `json:"key,omitempty"`   // the rule's key value
	Ordinal uint64 `json:"ordinal"`         // request ordinal within (rule, key)
	Seed    uint64 `json:"seed"`            // fault engine seed
	Fault   string `json:"fault,omitempty"` // X-Mockd-Fault label of what was applied
	Reason  string `json:"reason,omitempty"`

	Status int    `json:"status"` // status sent, 0 when none
	Bytes  int64  `json:"bytes"`  // body bytes written
	End    string `json:"end"`    // normal, fin, rst, client_aborted, hung
	Source string `json:"source,omitempty"`
	Error  string `json:"error,omitempty"`
	// Problem is mockd's explanation of a rejected request (invalid,
	// unauthorized, unsupported or unacceptable media type), also when the
	// spec's own error response was served.
	Problem *Problem `json:"problem,omitempty"`
}

// Journal is a bounded ring of the most recent requests. It is safe for
// concurrent use.
type Journal struct {
	mu   sync.Mutex
	buf  []Entry
	next int    // where the next entry goes
	full bool   // the ring has wrapped
	seq  uint64 // last sequence number given
}

// NewJournal keeps the last size requests (DefaultJournalSize when size <= 0).
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{buf: make([]Entry, size)}
}

// nextSeq reserves the next sequence number.
func (j *Journal) nextSeq() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	return j.seq
}

// add stores a finished entry.
func (j *Journal) add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf[j.next] = e
	j.next++
	if j.next == len(j.buf) {
		j.next, j.full = 0, true
	}
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
	AfterSeq  uint64    // sequence number greater than
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
		f.AfterSeq != 0 && e.Seq <= f.AfterSeq:
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

// Entries returns the entries that match f, oldest first.
func (j *Journal) Entries(f Filter) []Entry {
	j.mu.Lock()
	var all []Entry
	if j.full {
		all = append(all, j.buf[j.next:]...)
	}
	all = append(all, j.buf[:j.next]...)
	j.mu.Unlock()
	out := all[:0]
	for i := range all {
		if f.match(&all[i]) {
			out = append(out, all[i])
		}
	}
	// Entries are added when requests finish; present them by arrival.
	sort.SliceStable(out, func(a, b int) bool { return out[a].Seq < out[b].Seq })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

// Clear forgets every entry (sequence numbers keep counting).
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.buf)
	j.next, j.full = 0, false
}

// Len is the number of entries held.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.full {
		return len(j.buf)
	}
	return j.next
}
