package mockserver

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/recorder"
)

// maxSharedAnswer bounds the answer of a leader that was not recorded (an
// upstream error, say) kept in memory to hand to the identical requests that
// waited for it. mockd's own error answers are far smaller; a larger
// unrecorded answer is not shared, the waiters forward again one at a time.
const maxSharedAnswer = 64 << 10

// recordOnce makes `--on-miss record` forward and record each request once,
// also when identical requests arrive together (a singleflight keyed by what
// the player matches on, recorder.MissError.Key). The first request of a key
// forwards and records; the others wait for it and replay what it recorded.
// When it recorded nothing, they get its answer (the same 502 when the
// upstream failed) instead of forwarding again; when its client left before
// the answer was complete, one of them forwards in its place. A waiting
// request stops waiting when its own client leaves.
type recordOnce struct {
	player  *recorder.Player
	forward http.Handler // the recording proxy

	mu      sync.Mutex
	flights map[string]*recordFlight
	waiting atomic.Int64 // requests waiting for a leader (for tests)
}

// recordFlight is one forward in progress. Its results are set by the
// leader before done is closed, and only read after.
type recordFlight struct {
	done chan struct{}
	// it is the interaction the leader recorded (redacted), nil if none.
	it *cassette.Interaction
	// answer is the leader's answer when nothing was recorded, nil when it
	// cannot be shared (too large, hijacked, or the leader's client left).
	answer *sharedAnswer
}

// sharedAnswer is a complete response held in memory.
type sharedAnswer struct {
	status int
	header http.Header
	body   []byte
}

type flightKey struct{}

func newRecordOnce(player *recorder.Player, forward http.Handler) *recordOnce {
	return &recordOnce{player: player, forward: forward, flights: map[string]*recordFlight{}}
}

// join returns the flight for key and whether the caller leads it (and must
// call land).
func (ro *recordOnce) join(key string) (*recordFlight, bool) {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	if f, ok := ro.flights[key]; ok {
		return f, false
	}
	f := &recordFlight{done: make(chan struct{})}
	ro.flights[key] = f
	return f, true
}

// land ends the leader's flight and wakes its waiters.
func (ro *recordOnce) land(key string, f *recordFlight) {
	ro.mu.Lock()
	delete(ro.flights, key)
	ro.mu.Unlock()
	close(f.done)
}

// serve answers a miss whose player key is key. It returns the journal's
// source: "recorded" (forwarded, or the leader's unrecorded answer) or
// "cassette" (replayed).
func (ro *recordOnce) serve(w http.ResponseWriter, r *http.Request, key string) Source {
	for {
		f, leader := ro.join(key)
		if leader {
			return ro.lead(w, r, key, f)
		}
		ro.waiting.Add(1)
		select {
		case <-f.done:
			ro.waiting.Add(-1)
		case <-r.Context().Done():
			ro.waiting.Add(-1)
			return SourceRecorded // the client left while waiting: nothing to answer
		}
		switch {
		case f.it != nil:
			replay(w, f.it)
			return SourceCassette
		case f.answer != nil:
			f.answer.writeTo(w)
			return SourceRecorded
		}
		// The leader's client left first: forward in its place (or wait for
		// whoever got there first).
	}
}

// lead forwards and records r, unless an identical request was recorded
// between the caller's miss and now: then it replays that.
func (ro *recordOnce) lead(w http.ResponseWriter, r *http.Request, key string, f *recordFlight) Source {
	defer ro.land(key, f)
	if it, err := ro.player.Match(r); err == nil {
		replay(w, it)
		return SourceCassette
	}
	cw := &captureWriter{ResponseWriter: w}
	ro.forward.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), flightKey{}, f)))
	if f.it == nil && r.Context().Err() == nil && cw.status != 0 && !cw.overflow {
		f.answer = &sharedAnswer{status: cw.status, header: cw.header, body: cw.body}
	}
	return SourceRecorded
}

// recorded notes, on the flight of the request being recorded (found in
// ctx), the interaction the sink stored for it.
func recorded(ctx context.Context, it *cassette.Interaction) {
	if f, ok := ctx.Value(flightKey{}).(*recordFlight); ok {
		f.it = it
	}
}

func replay(w http.ResponseWriter, it *cassette.Interaction) {
	_ = recorder.ServeInteraction(w, it) // only fails on a 1xx status, which is never recorded
}

// writeTo sends the shared answer: its headers (not the leader's fault label;
// CORS headers are the waiter's own, set by its writer), status and body.
func (a *sharedAnswer) writeTo(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range a.header {
		if k != fault.HeaderName {
			h[k] = append([]string(nil), vs...)
		}
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// captureWriter passes a response through and keeps a copy of its status,
// headers and first maxSharedAnswer body bytes.
type captureWriter struct {
	http.ResponseWriter
	status   int
	header   http.Header
	body     []byte
	overflow bool
}

// WriteHeader notes the status and the headers as the handler set them.
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status, c.header = code, c.ResponseWriter.Header().Clone()
	}
	c.ResponseWriter.WriteHeader(code)
}

// Write copies p, up to the bound, then writes it.
func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if len(c.body)+len(p) > maxSharedAnswer {
		c.overflow, c.body = true, nil
	} else if !c.overflow {
		c.body = append(c.body, p...)
	}
	return c.ResponseWriter.Write(p)
}

// Flush forwards to the wrapped writer when it can flush.
func (c *captureWriter) Flush() { _ = http.NewResponseController(c.ResponseWriter).Flush() }

// Unwrap gives http.ResponseController the wrapped writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
