package fault

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Key table limits. A rule keeps one fixed-size counter per distinct key
// value, stored under a seeded 64-bit hash of the value (never the value
// itself), so a 500 KB header costs the table what a 5-byte one does.
const (
	// DefaultKeyTableBytes bounds each rule's key table (see
	// WithKeyTableBytes): about 170,000 keys.
	DefaultKeyTableBytes = 16 << 20
	// KeyEntryBytes is the accounted size of one key in a table: the
	// counter (64 B) plus its map slot and overhead.
	KeyEntryBytes = 96
	// MaxDecisionKeyLen bounds Decision.Key, the readable key kept for the
	// journal; longer values are cut and end in "…".
	MaxDecisionKeyLen = 128
)

// keyState is the fixed-size counter of one key value, linked into its
// rule's LRU list.
type keyState struct {
	hash       uint64
	ordinal    uint64
	tokens     float64
	last       time.Time
	prev, next *keyState
}

// resetKeys empties the key table. Call with s.mu held (or before sharing).
func (s *ruleState) resetKeys() {
	s.keys = map[uint64]*keyState{}
	s.lru.prev, s.lru.next = &s.lru, &s.lru
}

// touchKey returns the counter for a key hash, creating it (and forgetting
// the least recently used key when the table is full) or marking it the most
// recently used. Call with s.mu held.
func (s *ruleState) touchKey(h uint64, now time.Time) *keyState {
	if ks := s.keys[h]; ks != nil {
		if s.lru.next != ks {
			ks.prev.next, ks.next.prev = ks.next, ks.prev
			s.pushFront(ks)
		}
		return ks
	}
	if len(s.keys) >= s.maxKeys {
		old := s.lru.prev
		old.prev.next, old.next.prev = old.next, old.prev
		delete(s.keys, old.hash)
	}
	ks := &keyState{hash: h, last: now}
	if rl := s.rule.RateLimit; rl != nil {
		ks.tokens = float64(rl.Capacity)
	}
	s.keys[h] = ks
	s.pushFront(ks)
	return ks
}

// pushFront links ks in as the most recently used key. Call with s.mu held.
func (s *ruleState) pushFront(ks *keyState) {
	ks.prev, ks.next = &s.lru, s.lru.next
	s.lru.next.prev = ks
	s.lru.next = ks
}

// readableKey bounds a key value for Decision.Key: at most
// MaxDecisionKeyLen bytes, cut on a rune boundary and copied so a long
// request header is not kept alive by the journal.
func readableKey(key string) string {
	if len(key) <= MaxDecisionKeyLen {
		return key
	}
	cut := MaxDecisionKeyLen
	for cut > 0 && !utf8.RuneStart(key[cut]) {
		cut--
	}
	return key[:cut] + "…" // a new string: the long value is not retained
}

// keyOf returns the request's key for this rule.
func (ru *Rule) keyOf(r *Request) string {
	switch ru.keyKind {
	case KeyHeader:
		if vs := r.Header[ru.keyName]; len(vs) > 0 {
			return vs[0]
		}
	case KeyQuery:
		if vs := r.Query[ru.keyName]; len(vs) > 0 {
			return vs[0]
		}
	case KeyConnection:
		return strconv.FormatUint(r.ConnID, 10)
	case KeyGlobal:
	}
	return ""
}
