package diff

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	cases := []struct {
		arg, ref, path string
		ok             bool
	}{
		{"main:openapi.yaml", "main", "openapi.yaml", true},
		{"origin/main:api/openapi.yaml", "origin/main", "api/openapi.yaml", true},
		{"v1.2.0:spec.json", "v1.2.0", "spec.json", true},
		{"HEAD~1:spec.json", "HEAD~1", "spec.json", true},
		{"openapi.yaml", "", "", false},
		{":openapi.yaml", "", "", false},
		{"main:", "", "", false},
		{"--output=x:y", "", "", false},
		{`C:\specs\api.yaml`, "", "", false},
		{"my branch:api.yaml", "", "", false},
	}
	for _, tc := range cases {
		ref, path, ok := ParseRef(tc.arg)
		if ref != tc.ref || path != tc.path || ok != tc.ok {
			t.Errorf("ParseRef(%q) = %q, %q, %v; want %q, %q, %v", tc.arg, ref, path, ok, tc.ref, tc.path, tc.ok)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"main:openapi.yaml", "a:b:c", "-x:y", `C:\x`, "", ":", "HEAD~2:x", "ref:\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		ref, path, ok := ParseRef(arg)
		if !ok {
			if ref != "" || path != "" {
				t.Fatalf("not ok but %q %q", ref, path)
			}
			return
		}
		if ref+":"+path != arg || ref == "" || path == "" || strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, " \t\n:") {
			t.Fatalf("ParseRef(%q) = %q, %q", arg, ref, path)
		}
	})
}

// gitRepo makes a repository in a temporary folder with pets.yaml
// committed on branch main.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/pets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pets.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"}, {"add", "pets.yaml"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "spec"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

func TestReadSourceFromGit(t *testing.T) {
	dir := gitRepo(t)
	src, err := ReadSource(context.Background(), dir, "main:pets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if src.Name != "main:pets.yaml" || src.Path != "pets.yaml" || !strings.Contains(string(src.Data), "openapi: 3.0.3") {
		t.Fatalf("source %q %q %d bytes", src.Name, src.Path, len(src.Data))
	}
	for arg, want := range map[string]string{
		"nosuchbranch:pets.yaml": `is "nosuchbranch" a branch`,
		"main:missing.yaml":      `"missing.yaml" a file in it`,
		"missing.yaml":           "name a file, or REF:PATH",
	} {
		_, err := ReadSource(context.Background(), dir, arg)
		var se *SpecError
		if !errors.As(err, &se) || se.Name != arg || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadSource(%q): %v; want a *SpecError naming it and saying %q", arg, err, want)
		}
	}
}

func TestReadSourceWithoutGit(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := ReadSource(context.Background(), ".", "main:pets.yaml")
	if !errors.Is(err, ErrNoGit) || !strings.Contains(err.Error(), "main:pets.yaml") {
		t.Fatalf("err %v, want ErrNoGit naming the source", err)
	}
}
