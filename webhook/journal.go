package webhook

import (
	"sync"
	"time"
)

// DefaultJournalSize bounds the delivery journal when Config.JournalSize is 0.
const DefaultJournalSize = 1000

// Outcomes of an attempt.
const (
	OutcomeDelivered = "delivered" // the receiver answered 2xx
	OutcomeRetry     = "retry"     // 5xx, 429, timeout or a connection error: tried again
	OutcomeFailed    = "failed"    // the last attempt failed that way too
	OutcomeRejected  = "rejected"  // the receiver answered another status: not retried
)

// Attempt is one HTTP request sent to a receiver, as the journal keeps it.
// It holds the signature header sent, never the secret; the URL is
// redacted.
type Attempt struct {
	// Seq numbers attempts in the order they were sent (from 1).
	Seq uint64 `json:"seq"`
	// Webhook is the event's name (a 3.1 webhook or a callback).
	Webhook string `json:"webhook"`
	// ID is the message id, the same on every attempt and copy.
	ID string `json:"id"`
	// URL is the receiver, redacted.
	URL string `json:"url"`
	// Attempt counts the tries of one copy (from 1).
	Attempt int `json:"attempt"`
	// Copy is 0 for the message, 1.. for the copies a duplicate fault sent.
	Copy int `json:"copy,omitempty"`
	// Sent is when the request went out.
	Sent time.Time `json:"sent"`
	// WaitMS is the backoff waited before this attempt, in milliseconds.
	WaitMS float64 `json:"wait_ms"`
	// Status is the receiver's status (0: no answer).
	Status int `json:"status"`
	// LatencyMS is the time to the receiver's answer or to the failure.
	LatencyMS float64 `json:"latency_ms"`
	// Outcome is one of the Outcome constants.
	Outcome string `json:"outcome"`
	// Error says why no answer came (timeout, refused, ...).
	Error string `json:"error,omitempty"`
	// Signature is the signature header sent, "Name: value".
	Signature string `json:"signature"`
	// Timestamp is the signed timestamp (unix seconds).
	Timestamp int64 `json:"timestamp"`
	// Fault names the delivery faults applied ("" when none) and Rule the
	// rule that chose them.
	Fault string `json:"fault,omitempty"`
	Rule  string `json:"rule,omitempty"`
}

// Journal is the bounded delivery journal: the newest attempts, oldest
// dropped first. It is safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	buf  []Attempt
	next int  // where the next attempt goes
	full bool // buf has wrapped
	seq  uint64
}

// NewJournal returns a journal that keeps the last size attempts
// (DefaultJournalSize when size <= 0).
func NewJournal(size int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	return &Journal{buf: make([]Attempt, size)}
}

func (j *Journal) add(a Attempt) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	a.Seq = j.seq
	j.buf[j.next] = a
	j.next = (j.next + 1) % len(j.buf)
	if j.next == 0 {
		j.full = true
	}
}

// Attempts returns the kept attempts, oldest first; webhook filters by
// event name ("" for all).
func (j *Journal) Attempts(webhook string) []Attempt {
	j.mu.Lock()
	defer j.mu.Unlock()
	var all []Attempt
	if j.full {
		all = append(all, j.buf[j.next:]...)
	}
	all = append(all, j.buf[:j.next]...)
	out := all[:0]
	for _, a := range all {
		if webhook == "" || a.Webhook == webhook {
			out = append(out, a)
		}
	}
	return out
}

// Clear empties the journal (sequence numbers go on).
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.buf)
	j.next, j.full = 0, false
}
