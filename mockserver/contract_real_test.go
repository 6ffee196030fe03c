package mockserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/internal/testcorpus"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
	"github.com/mockd/mockd/validator"
)

// Large-spec traffic check: recorded traffic of at least 1,000
// interactions over at least 300 operations of GitHub's REST spec, checked
// by `contract check` in at most 2 s beyond the spec load and 600 MB, each
// operation's schemas compiled once, in parallel.
const (
	contractRealEnv      = "MOCKD_CONTRACT_REAL"       // set to run (make contract-real)
	contractRealChildEnv = "MOCKD_CONTRACT_REAL_CHILD" // the child process: the traffic folder
	contractRealSpecEnv  = "MOCKD_CONTRACT_REAL_SPEC"  // the child process: the spec
	contractRealDirEnv   = "MOCKD_CONTRACT_REAL_DIR"   // keep the traffic in this (new) folder
	contractRealOps      = 350                         // operations picked (some cannot get a request)
	contractRealPerOp    = 3                           // requests per operation
	contractRealFiles    = 10                          // cassettes the traffic is spread over

	goalCheckSeconds = 2.0
	goalPeakMB       = 600
	goalInteractions = 1000
	goalOperations   = 300
)

// contractRealFigures is what the child process measures.
type contractRealFigures struct {
	LoadSeconds   float64                `json:"load_seconds"`
	CheckSeconds  float64                `json:"check_seconds"` // NewChecker + Run: the work beyond the spec load
	CheckCPU      float64                `json:"check_cpu"`     // CPU seconds (user + system) of the check
	PeakRSSMB     float64                `json:"peak_rss_mb"`   // VmHWM of the child: load and check
	LoadRSSMB     float64                `json:"load_rss_mb"`   // VmHWM of the child after the load
	LoadHeapMB    float64                `json:"load_heap_mb"`  // live heap after the load
	PeakHeapMB    float64                `json:"peak_heap_mb"`  // highest HeapAlloc seen while checking
	Interactions  int                    `json:"interactions"`
	Operations    int                    `json:"operations"` // distinct operations in the traffic
	Errors        int                    `json:"errors"`
	Stats         validator.CompileStats `json:"stats"`
	FirstFindings []string               `json:"first_findings"`
}

// TestContractRealGitHub generates the traffic with mockd's own request
// generator (validRequest) against an in-process mockd serving GitHub's
// spec, recording it into go-vcr cassettes in a temporary folder (nothing
// is committed), then runs the check in a fresh child process (this test
// binary again), so that its peak RSS is the check's alone, and prints
// each figure next to its goal. It runs when MOCKD_CONTRACT_REAL=1 and the
// spec is cached or npm can fetch it; MOCKD_CONTRACT_REAL_DIR=FOLDER keeps
// the traffic (for `contract check --spec ... FOLDER` by hand).
func TestContractRealGitHub(t *testing.T) {
	if os.Getenv(contractRealEnv) == "" {
		t.Skip("set " + contractRealEnv + "=1 to run (make contract-real)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	specPath, err := testcorpus.GitHubSpec(ctx)
	if err != nil {
		t.Skipf("GitHub's spec is not cached and cannot be fetched (set %s to a cache that has it): %v", testcorpus.CacheEnv, err)
	}
	dir := t.TempDir()
	if keep := os.Getenv(contractRealDirEnv); keep != "" {
		if err := os.Mkdir(keep, 0o755); err != nil {
			t.Fatalf("%s=%s: %v (name a folder that does not exist yet)", contractRealDirEnv, keep, err)
		}
		dir = keep
	}
	started := time.Now()
	interactions, ops := generateGitHubTraffic(t, specPath, dir)
	t.Logf("generated %d interactions over %d operations into %d cassettes in %s", interactions, ops, contractRealFiles, time.Since(started).Round(time.Millisecond))

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestContractRealChild$", "-test.v")
	cmd.Env = append(os.Environ(), contractRealChildEnv+"="+dir, contractRealSpecEnv+"="+specPath)
	// The collector settings cmd/contract runs with (unless set).
	if os.Getenv("GOGC") == "" {
		cmd.Env = append(cmd.Env, "GOGC=400")
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT=550MiB")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the check process failed: %v\n%s", err, out)
	}
	var f contractRealFigures
	found := false
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if js, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "contract-real: "); ok {
			if err := json.Unmarshal([]byte(js), &f); err != nil {
				t.Fatalf("figures %q: %v", js, err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("the check process printed no figures:\n%s", out)
	}
	row := func(name, value, goal string, met bool) {
		verdict := "met"
		if !met {
			verdict = "NOT met"
		}
		t.Logf("%-48s %14s   goal %-10s %s", name, value, goal, verdict)
	}
	t.Logf("GitHub traffic check (GOMAXPROCS %d; times depend on the machine's load):", runtime.GOMAXPROCS(0))
	row("interactions checked", strconv.Itoa(f.Interactions), ">= "+strconv.Itoa(goalInteractions), f.Interactions >= goalInteractions)
	row("distinct operations", strconv.Itoa(f.Operations), ">= "+strconv.Itoa(goalOperations), f.Operations >= goalOperations)
	t.Logf("%-48s %12.2f s", "spec load (not counted)", f.LoadSeconds)
	row("check beyond the spec load", fmt.Sprintf("%.2f s", f.CheckSeconds), fmt.Sprintf("<= %.0f s", goalCheckSeconds), f.CheckSeconds <= goalCheckSeconds)
	t.Logf("%-48s %12.2f s (CPU, all cores; hardly depends on other load)", "  its CPU time", f.CheckCPU)
	row("peak RSS of the check process (load included)", fmt.Sprintf("%.0f MB", f.PeakRSSMB), fmt.Sprintf("<= %d MB", goalPeakMB), f.PeakRSSMB <= goalPeakMB)
	t.Logf("%-48s %12.0f MB (the spec load's own peak)", "peak RSS when the spec was loaded", f.LoadRSSMB)
	t.Logf("%-48s %12.0f MB (peak heap while checking %.0f MB, MemStats.HeapAlloc)", "live heap after the load", f.LoadHeapMB, f.PeakHeapMB)
	row("operations compiled once each", fmt.Sprintf("%d of %d", f.Stats.Operations, f.Operations), "all", f.Stats.Operations == int64(f.Operations))
	row("schemas compiled / distinct", fmt.Sprintf("%d / %d", f.Stats.Schemas, f.Stats.Distinct), "equal", f.Stats.Schemas == f.Stats.Distinct)
	row("schemas the library compiled itself", strconv.FormatInt(f.Stats.Library, 10), "0", f.Stats.Library == 0)
	t.Logf("error findings: %d (generated requests and mock answers should conform; first: %v)", f.Errors, f.FirstFindings)

	// Counts are facts of the code, not of the machine: they must hold.
	if f.Interactions != interactions || f.Operations != ops {
		t.Errorf("checked %d interactions over %d operations, generated %d over %d", f.Interactions, f.Operations, interactions, ops)
	}
	if f.Stats.Operations != int64(f.Operations) || f.Stats.Schemas != f.Stats.Distinct || f.Stats.Library != 0 {
		t.Errorf("compilation: %+v, want each of the %d operations compiled once, no schema twice, none by the library", f.Stats, f.Operations)
	}
}

// TestContractRealChild is the check process of TestContractRealGitHub: it
// does what `contract check --spec SPEC DIR` does (load, NewChecker, Run
// over the folder with GOMAXPROCS readers and workers) and prints its
// figures as one JSON line.
func TestContractRealChild(t *testing.T) {
	dir, specPath := os.Getenv(contractRealChildEnv), os.Getenv(contractRealSpecEnv)
	if dir == "" || specPath == "" {
		t.Skip("the check process of TestContractRealGitHub")
	}
	var f contractRealFigures
	started := time.Now()
	spec, err := validator.Load(specPath, validator.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	f.LoadSeconds = time.Since(started).Seconds()
	f.LoadRSSMB = peakRSSMB(t)
	f.LoadHeapMB = heapMB(true)

	stop := make(chan struct{})
	var sampler sync.WaitGroup
	var peakHeap float64
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			peakHeap = max(peakHeap, heapMB(false))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	started = time.Now()
	cpu0 := cpuSeconds()
	checker, err := contract.NewChecker(spec, contract.CheckConfig{})
	if err != nil {
		t.Fatal(err)
	}
	result, err := checker.Run(context.Background(), func(ctx context.Context, emit func(*recorder.Interaction) error) error {
		return recorder.ReadTrafficConcurrent(ctx, []string{dir}, runtime.GOMAXPROCS(0), emit)
	}, contract.RunOptions{})
	f.CheckSeconds = time.Since(started).Seconds()
	f.CheckCPU = cpuSeconds() - cpu0
	close(stop)
	sampler.Wait()
	if err != nil {
		t.Fatal(err)
	}
	f.PeakHeapMB = peakHeap
	f.PeakRSSMB = peakRSSMB(t)
	f.Interactions, f.Errors = result.Interactions, result.Errors
	for _, oc := range result.Coverage.Operations {
		if oc.Count > 0 {
			f.Operations++
		}
	}
	for _, g := range result.Groups {
		if g.Finding.Severity == validator.SeverityError && len(f.FirstFindings) < 3 {
			f.FirstFindings = append(f.FirstFindings, fmt.Sprintf("%s %s: %s", g.Finding.OperationID, g.Finding.Check, g.Finding.Message))
		}
	}
	f.Stats = spec.CompileStats()
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("contract-real: %s\n", js)
}

// generateGitHubTraffic serves specPath with mockd and records requests
// built by validRequest for contractRealOps operations (every k-th by id,
// so the set is fixed) into contractRealFiles cassettes under dir. It
// returns the interactions recorded and the operations they cover.
func generateGitHubTraffic(t *testing.T, specPath, dir string) (interactions, operations int) {
	t.Helper()
	spec, err := validator.Load(specPath, validator.WithFormatAssertions(), validator.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mockserver.New(mockserver.WithSpec(spec), mockserver.Seed(1))
	if err != nil {
		t.Fatal(err)
	}
	in, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()

	ops := append([]*validator.Operation(nil), spec.Operations...)
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	stride := max(1, len(ops)/contractRealOps)
	var picked []*validator.Operation
	for i := 0; i < len(ops) && len(picked) < contractRealOps; i += stride {
		picked = append(picked, ops[i])
	}
	// The traffic is synthetic (no real secrets): recorded as sent, so that
	// redaction does not change bodies and the check sees conforming traffic
	// (the default names redact e.g. GitHub's "secret_scanning": "enabled",
	// which then breaks the field's enum).
	plain, err := redact.New(redact.Config{DisableDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	perFile := (len(picked) + contractRealFiles - 1) / contractRealFiles
	for n := 0; n*perFile < len(picked); n++ {
		path := filepath.Join(dir, fmt.Sprintf("github-%02d.yaml", n))
		rt, stop, err := recorder.NewRoundTripper(path, http.DefaultTransport, recorder.WithRedactor(plain))
		if err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Transport: rt, Timeout: 30 * time.Second,
			// Redirects are recorded as answered, never followed (their
			// example Locations point at the real GitHub).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, op := range picked[n*perFile : min((n+1)*perFile, len(picked))] {
			sent := 0
			for try := range contractRealPerOp {
				req, err := validRequest(op, rand.New(rand.NewPCG(uint64(try), 15)))
				if err != nil {
					t.Logf("%s: no request: %v", op.ID, err)
					break
				}
				if err := send(client, in.URL, req); err != nil {
					t.Fatalf("%s %s: %v", req.Method, req.URL, err)
				}
				sent++
			}
			interactions += sent
			if sent > 0 {
				operations++
			}
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
	return interactions, operations
}

// send replays a generated request (built for http://mockd.test) against
// base and reads the answer whole.
func send(client *http.Client, base string, gen *http.Request) error {
	req, err := http.NewRequest(gen.Method, base+gen.URL.RequestURI(), gen.Body)
	if err != nil {
		return err
	}
	req.Header = gen.Header
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// cpuSeconds is the CPU time the process has used (user + system).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// heapMB is the live heap (after a collection when gc is set), in MB.
func heapMB(gc bool) float64 {
	if gc {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// peakRSSMB is the process's peak resident set (VmHWM), in MB.
func peakRSSMB(t *testing.T) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Logf("no /proc/self/status (peak RSS not measured): %v", err)
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
