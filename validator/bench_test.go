package validator_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/mockd/mockd/internal/testcorpus"
	"github.com/mockd/mockd/validator"
)

// GitHub's REST description (about 13 MB of JSON, 1,000+ operations) from
// the npm package @octokit/openapi, pinned.
const (
	githubPackage = "@octokit/openapi"
	githubVersion = "23.0.2"
	githubFile    = "generated/api.github.com.json"
)

// BenchmarkLoadSmall loads the bookstore fixture (8 operations) from disk.
func BenchmarkLoadSmall(b *testing.B) {
	const path = "../fixtures/bookstore.yaml"
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		spec, err := validator.Load(path, validator.WithFormatAssertions())
		if err != nil {
			b.Fatal(err)
		}
		if len(spec.Operations) != 8 {
			b.Fatalf("%d operations, want 8", len(spec.Operations))
		}
	}
}

// githubSpec returns the path of GitHub's REST spec in the test cache,
// fetching it with npm the first time; the benchmark is skipped when npm or
// the registry is unavailable.
func githubSpec(b *testing.B) string {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tgz, err := testcorpus.Fetch(ctx, githubPackage, githubVersion)
	if err != nil {
		b.Skipf("GitHub's spec is not cached and npm cannot fetch %s@%s (set %s to a cache that has it): %v",
			githubPackage, githubVersion, testcorpus.CacheEnv, err)
	}
	files, err := testcorpus.Extract(tgz, func(name string, _ int64) bool { return name == githubFile })
	if err != nil {
		b.Fatalf("extract %s from %s: %v", githubFile, tgz, err)
	}
	if len(files) != 1 {
		b.Fatalf("%s has no %s", tgz, githubFile)
	}
	return files[0].Path
}

// BenchmarkLoadGitHub loads GitHub's REST spec: parse, model, index and
// router, with schemas compiled lazily on first use (not here).
func BenchmarkLoadGitHub(b *testing.B) {
	path := githubSpec(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		spec, err := validator.Load(path, validator.WithFormatAssertions())
		if err != nil {
			b.Fatal(err)
		}
		if len(spec.Operations) < 1000 {
			b.Fatalf("%d operations, want more than 1000", len(spec.Operations))
		}
	}
}
