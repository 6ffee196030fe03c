package validator

import (
	"log/slog"
	"sync"
	"time"
)

// Load progress: a spec that takes more than progressAfter to load reports,
// every progressEvery, what it is doing and roughly how far it is (by phase:
// parse, model, index, router), so a large spec does not look hung.
const (
	progressAfter = 2 * time.Second
	progressEvery = 2 * time.Second
)

// loadPhases are the phases of Parse, in order.
var loadPhases = [...]string{"parsing the document", "building the OpenAPI model", "indexing operations", "building the router"}

// progress logs the current load phase while a load is slow.
type progress struct {
	mu    sync.Mutex
	phase int
	start time.Time
	done  chan struct{}
	once  sync.Once
}

// startProgress starts reporting on logger for the spec named file.
// The first report comes after `after`, then one every `every`.
func startProgress(logger *slog.Logger, file string, after, every time.Duration) *progress {
	p := &progress{start: time.Now(), done: make(chan struct{})}
	go func() {
		t := time.NewTimer(after)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.mu.Lock()
				phase := p.phase
				p.mu.Unlock()
				logger.Info("loading spec", "file", file, "doing", loadPhases[phase],
					"percent", phase*100/len(loadPhases), "elapsed", time.Since(p.start).Round(100*time.Millisecond).String())
				t.Reset(every)
			}
		}
	}()
	return p
}

// next moves to the next phase.
func (p *progress) next() {
	p.mu.Lock()
	if p.phase < len(loadPhases)-1 {
		p.phase++
	}
	p.mu.Unlock()
}

// stop ends the reports.
func (p *progress) stop() { p.once.Do(func() { close(p.done) }) }
