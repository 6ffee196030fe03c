package webhook

import (
	"hash/fnv"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/mockd/mockd/fault"
)

// Fault kinds, as written in the webhooks file.
const (
	FaultDuplicate    = "duplicate"       // the same signed message again (same id)
	FaultOutOfOrder   = "out_of_order"    // held and sent after the next event
	FaultBadSignature = "bad_signature"   // a well-formed signature over other bytes
	FaultStale        = "stale_timestamp" // signed correctly, at a time long past (a replay)
	FaultTimeout      = "timeout"         // the first attempt gives up early (slow receiver)
)

// faultKinds lists the kinds in messages.
var faultKinds = []string{FaultDuplicate, FaultOutOfOrder, FaultBadSignature, FaultStale, FaultTimeout}

// DefaultStale is how old a stale_timestamp fault's timestamp is by default.
const DefaultStale = time.Hour

// DefaultHold is how long an out_of_order message waits for a next event.
const DefaultHold = time.Second

// Fault is what a delivery fault does to one event. Several may combine.
type Fault struct {
	// Duplicate sends this many extra copies of the signed message.
	Duplicate int `json:"duplicate,omitempty"`
	// OutOfOrder holds the message until the next event has been sent (or
	// Hold has passed: DefaultHold when 0).
	OutOfOrder bool          `json:"out_of_order,omitempty"`
	Hold       time.Duration `json:"hold,omitempty"`
	// BadSignature signs other bytes than the body sent.
	BadSignature bool `json:"bad_signature,omitempty"`
	// Stale signs with a timestamp this far in the past.
	Stale time.Duration `json:"stale_timestamp,omitempty"`
	// Timeout is the first attempt's timeout (a slow receiver): mockd gives
	// up after it and retries with the normal timeout.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Names lists the kinds f applies, comma-separated.
func (f *Fault) Names() string {
	if f == nil {
		return ""
	}
	var n []string
	for _, x := range []struct {
		on   bool
		name string
	}{{f.Duplicate > 0, FaultDuplicate}, {f.OutOfOrder, FaultOutOfOrder}, {f.BadSignature, FaultBadSignature},
		{f.Stale > 0, FaultStale}, {f.Timeout > 0, FaultTimeout}} {
		if x.on {
			n = append(n, x.name)
		}
	}
	return strings.Join(n, ",")
}

// Rule picks the events a Fault applies to: those whose name matches
// Webhook (a path.Match glob; "" matches all), with probability Rate,
// at most Times times (0: no limit). The choice is deterministic: from the
// seed, the rule's name and the ordinal of the matching event.
type Rule struct {
	Name    string   `json:"name"`
	Webhook string   `json:"webhook,omitempty"`
	Rate    *float64 `json:"rate,omitempty"`
	Times   int      `json:"times,omitempty"`
	Fault   Fault    `json:"fault"`
	// Pos is where the rule is in the webhooks file (fault's Position).
	Pos fault.Position `json:"pos"`
}

// picker decides which rule applies to each event.
type picker struct {
	seed  uint64
	rules []Rule
	mu    sync.Mutex
	seen  []uint64 // matching events per rule
	fired []int    // applications per rule
}

func newPicker(seed uint64, rules []Rule) *picker {
	return &picker{seed: seed, rules: rules, seen: make([]uint64, len(rules)), fired: make([]int, len(rules))}
}

// pick returns the first rule that applies to an event named name, or nil.
func (p *picker) pick(name string) *Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.rules {
		r := &p.rules[i]
		if r.Webhook != "" {
			if ok, _ := path.Match(r.Webhook, name); !ok {
				continue
			}
		}
		n := p.seen[i]
		p.seen[i]++
		if r.Times > 0 && p.fired[i] >= r.Times {
			continue
		}
		if r.Rate != nil && draw(p.seed, r.Name, n) >= *r.Rate {
			continue
		}
		p.fired[i]++
		return r
	}
	return nil
}

// reset rewinds the counters.
func (p *picker) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.seen)
	clear(p.fired)
}

// draw is a uniform number in [0,1) from (seed, label, n).
func draw(seed uint64, label string, n uint64) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(label))
	return rand.New(rand.NewPCG(seed^h.Sum64(), n)).Float64()
}
