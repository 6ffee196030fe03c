package validator

import (
	"log/slog"
	"sync"
	"time"
)

// Load progress and phase timings. Every phase of a load is timed and
// logged at debug level ("spec load phase", with its duration), so
// `mockd serve --log-level debug` shows where a slow start goes. A load that
// takes more than progressAfter also reports, every progressEvery, what it
// is doing and roughly how far it is, so a large spec does not look hung.
const (
	progressAfter = 2 * time.Second
	progressEvery = 2 * time.Second
)

// loadPhase is one phase of Parse.
type loadPhase struct {
	key   string // name in timings and debug logs
	doing string // what the progress line says
	share int    // rough share of a large load's time, in percent
}

// loadPhases are the phases of Parse, in order. The pattern check runs
// beside the model build; its time is the time the load waits for it
// afterwards. The shares are what the phases took on GitHub's and Stripe's
// specs, rounded (BenchmarkLoadPhases).
var loadPhases = [...]loadPhase{
	{"convert", "converting Swagger 2.0 to OpenAPI 3.0", 5},
	{"parse", "parsing the document", 22},
	{"model", "indexing and building the OpenAPI model", 62},
	{"refs", "checking $refs", 1},
	{"patterns", "checking patterns", 1},
	{"operations", "indexing operations", 4},
	{"router", "building the router", 4},
	{"validator", "setting up validation", 1},
}

// phaseIndex returns the index of the phase named key.
func phaseIndex(key string) int {
	for i, p := range loadPhases {
		if p.key == key {
			return i
		}
	}
	panic("validator: unknown load phase " + key) // a programming error, caught by every test
}

// phaseTime is how long one phase of a load took.
type phaseTime struct {
	Phase string
	Took  time.Duration
}

// progress times the phases of one load and reports a slow one.
type progress struct {
	logger *slog.Logger
	file   string

	mu       sync.Mutex
	phase    int // index in loadPhases; -1 before the first
	began    time.Time
	start    time.Time
	times    []phaseTime
	done     chan struct{}
	stopOnce sync.Once
}

// startProgress starts timing a load of the spec named file and reporting
// on logger: the first report comes after `after`, then one every `every`.
func startProgress(logger *slog.Logger, file string, after, every time.Duration) *progress {
	now := time.Now()
	p := &progress{logger: logger, file: file, phase: -1, began: now, start: now, done: make(chan struct{})}
	go func() {
		t := time.NewTimer(after)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.report()
				t.Reset(every)
			}
		}
	}()
	return p
}

// report logs the current phase and how far the load is.
func (p *progress) report() {
	p.mu.Lock()
	phase := max(p.phase, 0)
	p.mu.Unlock()
	percent := 0
	for _, ph := range loadPhases[:phase] {
		percent += ph.share
	}
	p.logger.Info("loading spec", "file", p.file, "doing", loadPhases[phase].doing,
		"percent", percent, "elapsed", time.Since(p.began).Round(100*time.Millisecond).String())
}

// enter ends the current phase, if any, and starts the one named key.
func (p *progress) enter(key string) {
	i := phaseIndex(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked()
	p.phase = i
}

// record adds a phase timed elsewhere (reading the file, in Load).
func (p *progress) record(key string, took time.Duration) {
	p.mu.Lock()
	p.times = append(p.times, phaseTime{Phase: key, Took: took})
	p.mu.Unlock()
	p.logger.Debug("spec load phase", "file", p.file, "phase", key, "took", took)
}

func (p *progress) endLocked() {
	if p.phase < 0 {
		return
	}
	took := time.Since(p.start)
	key := loadPhases[p.phase].key
	p.times = append(p.times, phaseTime{Phase: key, Took: took})
	p.logger.Debug("spec load phase", "file", p.file, "phase", key, "took", took)
	p.start = time.Now()
	p.phase = -1
}

// stop ends the current phase and the reports, and returns the timings.
func (p *progress) stop() []phaseTime {
	p.stopOnce.Do(func() { close(p.done) })
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endLocked()
	return append([]phaseTime(nil), p.times...)
}
