package contract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// ReportVersion is the version of the JSON report schema (Result). It
// changes only when a field is removed or changes meaning.
const ReportVersion = 1

// maxOccurrences is how many occurrences of a finding a group keeps.
const maxOccurrences = 3

// Group is one deduplicated finding: identical findings (same check id,
// operation, spec location, instance path pattern and message) across
// interactions, with a count and the first occurrences.
type Group struct {
	Finding     Finding           `json:"finding"`     // the first occurrence
	Count       int               `json:"count"`       // how many times it occurred
	Occurrences []recorder.Source `json:"occurrences"` // the first three, in traffic order

	seqs []int64
}

// Result is the outcome of a contract check: deduplicated findings and
// coverage. Encoded as JSON it is the stable report (see ReportVersion).
type Result struct {
	Version      int       `json:"version"`
	Spec         string    `json:"spec"`
	Interactions int       `json:"interactions"` // read from the traffic
	Ignored      int       `json:"ignored"`      // skipped by CheckConfig.IgnorePaths
	Errors       int       `json:"errors"`       // occurrences of error findings
	Warnings     int       `json:"warnings"`
	Infos        int       `json:"infos"`
	Groups       []*Group  `json:"findings"`
	Coverage     *Coverage `json:"coverage"`
	Gate         *Gate     `json:"gate,omitempty"`
}

// Gate records the CI thresholds applied by Evaluate and why it failed.
type Gate struct {
	MinCoverage     float64  `json:"minCoverage,omitempty"`
	RequireStatus   bool     `json:"requireStatus,omitempty"`
	MissingStatuses []string `json:"missingStatuses,omitempty"`
	Failures        []string `json:"failures,omitempty"`
	Passed          bool     `json:"passed"`
}

// Thresholds are the CI gate Result.Evaluate applies.
type Thresholds struct {
	// MinCoverage fails the gate when operation coverage (percent) is
	// below it; 0 disables it.
	MinCoverage float64
	// RequireStatus fails the gate when a declared status (other than
	// "default") was never seen.
	RequireStatus bool
	// OptionNames names these options in the gate's failures.
	OptionNames OptionNames
}

// Evaluate applies the thresholds: error findings, operation coverage below
// t.MinCoverage, and with t.RequireStatus any declared status never seen.
// It stores and returns the gate.
func (r *Result) Evaluate(t Thresholds) *Gate {
	minCoverage, requireStatus := t.MinCoverage, t.RequireStatus
	g := &Gate{MinCoverage: minCoverage, RequireStatus: requireStatus}
	if r.Errors > 0 {
		g.Failures = append(g.Failures, fmt.Sprintf("%d error finding(s)", r.Errors))
	}
	if minCoverage > 0 && r.Coverage.Percent+1e-9 < minCoverage {
		g.Failures = append(g.Failures, fmt.Sprintf("operation coverage %.1f%% is below %s %.1f%%", r.Coverage.Percent, t.OptionNames.name(OptionMinCoverage), minCoverage))
	}
	if requireStatus {
		g.MissingStatuses = r.Coverage.MissingStatuses()
		if len(g.MissingStatuses) > 0 {
			g.Failures = append(g.Failures, fmt.Sprintf("%d declared status(es) never seen (%s)", len(g.MissingStatuses), t.OptionNames.name(OptionRequireStatus)))
		}
	}
	g.Passed = len(g.Failures) == 0
	r.Gate = g
	return g
}

// Collector aggregates outcomes into a Result; safe for concurrent use.
// Its memory grows with the number of distinct findings and endpoints, not
// with the number of interactions.
type Collector struct {
	mu       sync.Mutex
	spec     *validator.Spec
	groups   map[string]*Group
	coverage *Coverage
	n        int
	ignored  int
	counts   map[validator.Severity]int
}

// NewCollector starts an empty aggregation for spec.
func NewCollector(spec *validator.Spec) *Collector {
	return &Collector{spec: spec, groups: map[string]*Group{}, coverage: NewCoverage(spec), counts: map[validator.Severity]int{}}
}

// Add records the outcome of the interaction with sequence number seq
// (traffic order; it decides which occurrences are "first").
func (c *Collector) Add(seq int64, o *Outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if o.Ignored {
		c.ignored++
		return
	}
	c.coverage.Add(o)
	for i := range o.Findings {
		f := &o.Findings[i]
		c.counts[f.Severity]++
		k := dedupKey(f)
		g, ok := c.groups[k]
		if !ok {
			g = &Group{Finding: *f}
			c.groups[k] = g
		}
		g.Count++
		if f.Source != nil {
			g.addOccurrence(seq, *f)
		}
	}
}

func (g *Group) addOccurrence(seq int64, f Finding) {
	pos := sort.Search(len(g.seqs), func(i int) bool { return g.seqs[i] > seq })
	if pos >= maxOccurrences {
		return
	}
	g.seqs = append(g.seqs, 0)
	copy(g.seqs[pos+1:], g.seqs[pos:])
	g.seqs[pos] = seq
	g.Occurrences = append(g.Occurrences, recorder.Source{})
	copy(g.Occurrences[pos+1:], g.Occurrences[pos:])
	g.Occurrences[pos] = *f.Source
	if pos == 0 {
		g.Finding = f
	}
	if len(g.seqs) > maxOccurrences {
		g.seqs = g.seqs[:maxOccurrences]
		g.Occurrences = g.Occurrences[:maxOccurrences]
	}
}

var indexSegment = regexp.MustCompile(`/[0-9]+(/|$)`)

// InstancePattern replaces array indexes in an instance path with '*'.
func InstancePattern(p string) string {
	for {
		q := indexSegment.ReplaceAllString(p, "/*$1")
		if q == p {
			return p
		}
		p = q
	}
}

func dedupKey(f *Finding) string {
	return strings.Join([]string{f.Check, f.OperationID, f.Method, f.SpecPointer, InstancePattern(f.Pointer), f.Name, f.Message, f.Detail}, "\x00")
}

// Result returns the aggregation so far, groups sorted by severity, check
// id, operation and spec location.
func (c *Collector) Result() *Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Result{Version: ReportVersion, Spec: c.spec.File, Interactions: c.n, Ignored: c.ignored,
		Errors: c.counts[validator.SeverityError], Warnings: c.counts[validator.SeverityWarning], Infos: c.counts[validator.SeverityInfo]}
	cv := *c.coverage
	cv.Operations = make([]*OperationCoverage, len(c.coverage.Operations))
	for i, oc := range c.coverage.Operations {
		cp := *oc
		cp.Responses = make([]*ResponseCoverage, len(oc.Responses))
		for j, rc := range oc.Responses {
			rcp := *rc
			cp.Responses[j] = &rcp
		}
		cv.Operations[i] = &cp
	}
	cv.Undocumented = append([]*UndocumentedEndpoint(nil), c.coverage.Undocumented...)
	cv.UndocumentedStatuses = append([]*UndocumentedStatus(nil), c.coverage.UndocumentedStatuses...)
	cv.summarise()
	r.Coverage = &cv
	for _, g := range c.groups {
		cp := *g
		cp.Occurrences = append([]recorder.Source(nil), g.Occurrences...)
		if cp.Occurrences == nil {
			cp.Occurrences = []recorder.Source{}
		}
		r.Groups = append(r.Groups, &cp)
	}
	if r.Groups == nil {
		r.Groups = []*Group{}
	}
	order := map[string]int{}
	for i, id := range CheckIDs {
		order[id] = i
	}
	sort.SliceStable(r.Groups, func(i, j int) bool {
		a, b := r.Groups[i].Finding, r.Groups[j].Finding
		if sa, sb := severityRank(a.Severity), severityRank(b.Severity); sa != sb {
			return sa < sb
		}
		if a.Check != b.Check {
			oa, okA := order[a.Check]
			ob, okB := order[b.Check]
			if okA && okB {
				return oa < ob
			}
			return a.Check < b.Check
		}
		if a.OperationID != b.OperationID {
			return a.OperationID < b.OperationID
		}
		if a.SpecPointer != b.SpecPointer {
			return a.SpecPointer < b.SpecPointer
		}
		if a.Pointer != b.Pointer {
			return a.Pointer < b.Pointer
		}
		return a.Message+a.Detail < b.Message+b.Detail
	})
	return r
}

func severityRank(s validator.Severity) int {
	switch s {
	case validator.SeverityError:
		return 0
	case validator.SeverityWarning:
		return 1
	default:
	}
	return 2
}

// RunOptions configures Checker.Run.
type RunOptions struct {
	// Workers validating in parallel (default GOMAXPROCS).
	Workers int
	// Logger gets progress and per-file problems at debug level (nil: discard).
	Logger *slog.Logger
}

// Run checks the interactions read emits (for example ReadTraffic or
// ReadTrafficConcurrent over files; emit is safe for concurrent use) with a
// pool of workers and returns the aggregated result.
// Interactions flow through a bounded queue, so memory does not grow with
// the traffic. The first error from read stops the run and is returned.
func (c *Checker) Run(ctx context.Context, read func(ctx context.Context, emit func(*recorder.Interaction) error) error, opts RunOptions) (*Result, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		seq int64
		ix  *recorder.Interaction
	}
	jobs := make(chan job, workers*8)
	col := NewCollector(c.spec)
	// Pre-compile pass: an operation's schemas are compiled once, by a
	// pool of workers, as soon as its first interaction is read, so the
	// operations in the traffic compile in parallel, ahead of their checks
	// (a check of an operation still compiling waits for it). Each
	// operation is queued once, so the queue never blocks the readers.
	compile := make(chan *validator.Operation, len(c.spec.Operations))
	var queued sync.Map
	var compilers, wg sync.WaitGroup
	for range workers {
		compilers.Go(func() {
			for op := range compile {
				c.spec.Prepare(op)
			}
		})
		wg.Go(func() {
			for j := range jobs {
				o := c.Check(j.ix)
				col.Add(j.seq, &o)
			}
		})
	}
	var arrived atomic.Int64
	err := read(ctx, func(ix *recorder.Interaction) error {
		if op := c.operationOf(ix); op != nil {
			if _, dup := queued.LoadOrStore(op, true); !dup {
				compile <- op
			}
		}
		n := arrived.Add(1)
		seq := ix.Seq
		if seq == 0 {
			seq = n
		}
		select {
		case jobs <- job{seq: seq, ix: ix}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	close(compile)
	wg.Wait()
	compilers.Wait()
	logger.Debug("contract: checked traffic", "interactions", arrived.Load())
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		return nil, ctx.Err()
	}
	return col.Result(), nil
}
