package diff

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockd/mockd/internal/testcorpus"
)

// oldGitHubVersion is the release of @octokit/openapi compared with
// testcorpus.GitHubVersion (23.0.2): a major version apart.
const oldGitHubVersion = "22.0.0"

// githubSpecAt returns GitHub's REST spec from @octokit/openapi@version,
// fetched with npm into the test cache the first time.
func githubSpecAt(t testing.TB, version string) Source {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tgz, err := testcorpus.Fetch(ctx, testcorpus.GitHubPackage, version)
	if err != nil {
		t.Fatalf("fetch %s@%s: %v", testcorpus.GitHubPackage, version, err)
	}
	files, err := testcorpus.Extract(tgz, func(name string, _ int64) bool { return name == testcorpus.GitHubFile })
	if err != nil || len(files) != 1 {
		t.Fatalf("extract %s from %s: %v", testcorpus.GitHubFile, tgz, err)
	}
	data, err := os.ReadFile(files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	return Source{Name: fmt.Sprintf("octokit-%s/%s", version, testcorpus.GitHubFile), Data: data}
}

// TestGitHubReleasesPair compares two published releases of GitHub's REST
// spec (about 12 MB of JSON each): it must finish within 10 s on a quiet
// machine and list breaking changes.
func TestGitHubReleasesPair(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("the GitHub spec pair takes seconds (and minutes under -race): run without -short and -race")
	}
	if _, err := exec.LookPath("npm"); err != nil && os.Getenv("CI") == "" {
		t.Skip("npm is not installed, and CI is not set: the GitHub spec pair needs npm to fetch @octokit/openapi")
	}
	old, new := githubSpecAt(t, oldGitHubVersion), githubSpecAt(t, testcorpus.GitHubVersion)
	runtime.GC()
	load := loadAverage()
	cpu0, start := cpuTime(), time.Now()
	r, err := Compare(context.Background(), old, new)
	took, cpu := time.Since(start), cpuTime()-cpu0
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %v (CPU %v, load average %.1f on %d CPUs), peak RSS %s",
		r.Summary(), took.Round(time.Millisecond), cpu.Round(time.Millisecond), load, runtime.NumCPU(), peakRSS())
	switch {
	case load >= float64(runtime.NumCPU()):
		t.Logf("the machine is busy (load %.1f): the 10 s bound is not checked", load)
	case took > 10*time.Second:
		t.Errorf("took %v, want under 10 s on a quiet machine", took)
	}
	if r.Breaking() == 0 {
		t.Fatalf("no breaking change between %s and %s", old.Name, new.Name)
	}
	var sample []string
	for _, f := range r.Findings {
		if f.Class.Breaking() && (f.Old == nil || f.Old.Line == 0) && (f.New == nil || f.New.Line == 0) {
			t.Errorf("breaking finding without a location: %+v", f)
		}
		if f.Class.Breaking() && len(sample) < 10 {
			sample = append(sample, fmt.Sprintf("%s %s %s: %s", f.Class, f.ID, f.Subject(), f.Message))
		}
	}
	t.Logf("first breaking changes:\n%s", strings.Join(sample, "\n"))

	// what-changed reports some changes a varying number of times and with
	// varying values: a second run must say exactly the same.
	again, err := Compare(context.Background(), old, new)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := findingLines(r), findingLines(again); !slices.Equal(a, b) {
		t.Errorf("a second run differs: %d findings, then %d; first difference:\n%s", len(a), len(b), firstDifference(a, b))
	}
}

// findingLines is one line per finding, with everything it says.
func findingLines(r *Result) []string {
	lines := make([]string, len(r.Findings))
	for i := range r.Findings {
		lines[i] = strings.ReplaceAll(r.Findings[i].key(), "\x00", " | ")
	}
	return lines
}

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] + "\n" + b[i]
		}
	}
	return "one list is longer"
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the 1-minute load average (0 where /proc has none).
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var load float64
	if _, err := fmt.Sscan(string(data), &load); err != nil {
		return 0
	}
	return load
}

// peakRSS is the process's peak resident set (VmHWM), where /proc has it.
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// BenchmarkCompareGitHubReleases is Compare on two GitHub releases (about
// 12 MB of JSON each): parse, model, what-changed and classification.
func BenchmarkCompareGitHubReleases(b *testing.B) {
	if _, err := exec.LookPath("npm"); err != nil {
		b.Skip("npm is not installed: the GitHub spec pair needs npm to fetch @octokit/openapi")
	}
	old, new := githubSpecAt(b, oldGitHubVersion), githubSpecAt(b, testcorpus.GitHubVersion)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(context.Background(), old, new); err != nil {
			b.Fatal(err)
		}
	}
}
