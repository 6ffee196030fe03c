package state

import (
	"container/list"
	"net/http"
	"sync"
	"time"
)

// DefaultIdempotencyHeader is the request header that carries the key.
const DefaultIdempotencyHeader = "Idempotency-Key"

// ReplayedHeader marks a replayed answer.
const ReplayedHeader = "Idempotent-Replayed"

// Defaults of the Idempotency-Key memory.
const (
	DefaultIdempotencyTTL   = 24 * time.Hour
	DefaultIdempotencyBytes = 16 << 20
)

// Verdict is what Begin decides for a request with a key.
type Verdict int

// Verdicts.
const (
	// Proceed: a new key; answer, then Finish (or Abort).
	Proceed Verdict = iota
	// Replay: the key's answer is stored; send it again.
	Replay
	// Mismatch: the key was used with another request.
	Mismatch
	// InFlight: the key's first request is still being answered.
	InFlight
)

// Recorded is an answer as it went out.
type Recorded struct {
	Status int
	Header http.Header
	Body   []byte
}

// size is what a recorded answer costs in memory, roughly.
func (r *Recorded) size(key, fingerprint string) int64 {
	n := int64(len(r.Body) + len(key) + len(fingerprint) + 64)
	for k, vs := range r.Header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v))
		}
	}
	return n
}

// Idempotency remembers answers by Idempotency-Key: bounded in bytes (the
// oldest go first) and in time (TTL). Safe for concurrent use.
type Idempotency struct {
	mu       sync.Mutex
	ttl      time.Duration
	maxBytes int64
	bytes    int64
	entries  map[string]*list.Element
	lru      *list.List // front: newest
	now      func() time.Time
}

type idemEntry struct {
	key, fingerprint string
	rec              *Recorded // nil: in flight
	expires          time.Time
	size             int64
}

// NewIdempotency makes the memory (ttl, maxBytes ≤ 0: the defaults).
func NewIdempotency(ttl time.Duration, maxBytes int64, now func() time.Time) *Idempotency {
	if ttl <= 0 {
		ttl = DefaultIdempotencyTTL
	}
	if maxBytes <= 0 {
		maxBytes = DefaultIdempotencyBytes
	}
	if now == nil {
		now = time.Now
	}
	return &Idempotency{ttl: ttl, maxBytes: maxBytes, entries: map[string]*list.Element{}, lru: list.New(), now: now}
}

// Begin looks the key up. fingerprint identifies the request (method, path,
// body): the same key with another fingerprint is a Mismatch. On Proceed
// the key is held in flight until Finish or Abort.
func (m *Idempotency) Begin(key, fingerprint string) (*Recorded, Verdict) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if el, ok := m.entries[key]; ok {
		e := el.Value.(*idemEntry)
		switch {
		case e.rec != nil && now.After(e.expires):
			m.drop(el)
		case e.fingerprint != fingerprint:
			return nil, Mismatch
		case e.rec == nil:
			return nil, InFlight
		default:
			return e.rec, Replay
		}
	}
	e := &idemEntry{key: key, fingerprint: fingerprint}
	m.entries[key] = m.lru.PushFront(e)
	return nil, Proceed
}

// Finish stores the answer to the key's request; an answer larger than the
// whole budget is not kept (the key is released).
func (m *Idempotency) Finish(key string, rec *Recorded) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.entries[key]
	if !ok {
		return
	}
	e := el.Value.(*idemEntry)
	e.size = rec.size(key, e.fingerprint)
	if e.size > m.maxBytes {
		m.drop(el)
		return
	}
	e.rec, e.expires = rec, m.now().Add(m.ttl)
	m.bytes += e.size
	m.lru.MoveToFront(el)
	for m.bytes > m.maxBytes {
		oldest := m.lru.Back()
		for oldest != nil && oldest.Value.(*idemEntry).rec == nil {
			oldest = oldest.Prev() // never evict a key in flight
		}
		if oldest == nil {
			break
		}
		m.drop(oldest)
	}
}

// Abort releases a key whose request failed (a server error: the client
// may retry it for real).
func (m *Idempotency) Abort(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.entries[key]; ok && el.Value.(*idemEntry).rec == nil {
		m.drop(el)
	}
}

// Bytes is the memory the stored answers take, roughly.
func (m *Idempotency) Bytes() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

// Clear forgets every key but those in flight.
func (m *Idempotency) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for el := m.lru.Front(); el != nil; {
		next := el.Next()
		if el.Value.(*idemEntry).rec != nil {
			m.drop(el)
		}
		el = next
	}
}

func (m *Idempotency) drop(el *list.Element) {
	e := el.Value.(*idemEntry)
	if e.rec != nil {
		m.bytes -= e.size
	}
	delete(m.entries, e.key)
	m.lru.Remove(el)
}
