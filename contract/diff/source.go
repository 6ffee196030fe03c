package diff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
)

// ErrNoGit is returned when a REF:PATH source needs git and git is not
// on PATH.
var ErrNoGit = errors.New("git is not installed (or not on PATH)")

// ParseRef splits a git source "REF:PATH" (main:openapi.yaml,
// origin/main:api/openapi.yaml, HEAD~1:spec.json). ok is false for
// anything else: no colon, an empty side, a ref that could be taken for a
// git option (leading '-') or holds spaces or control characters, or a
// Windows drive (C:\api.yaml).
func ParseRef(arg string) (ref, path string, ok bool) {
	ref, path, found := strings.Cut(arg, ":")
	if !found || ref == "" || path == "" || strings.HasPrefix(ref, "-") {
		return "", "", false
	}
	if len(ref) == 1 && (path[0] == '\\' || path[0] == '/') {
		return "", "", false
	}
	for _, r := range ref {
		if r <= ' ' || r == 0x7f {
			return "", "", false
		}
	}
	return ref, path, true
}

// ReadSource reads a spec named on the command line: an existing file,
// else REF:PATH read with `git show REF:PATH` in dir. Errors name arg and
// say what to fix.
func ReadSource(ctx context.Context, dir, arg string) (Source, error) {
	data, err := os.ReadFile(arg)
	if err == nil {
		return Source{Name: arg, Data: data}, nil
	}
	ref, path, ok := ParseRef(arg)
	if !ok || !errors.Is(err, fs.ErrNotExist) {
		return Source{}, &SpecError{Name: arg, Err: fmt.Errorf("read the spec: %w (name a file, or REF:PATH for a git revision)", err)}
	}
	if _, lerr := exec.LookPath("git"); lerr != nil {
		return Source{}, &SpecError{Name: arg, Err: fmt.Errorf("no file of that name, and reading %s from git: %w", arg, ErrNoGit)}
	}
	cmd := exec.CommandContext(ctx, "git", "show", ref+":"+path)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Source{}, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return Source{}, &SpecError{Name: arg, Err: fmt.Errorf("no file of that name, and `git show %s:%s` failed: %s (is %q a branch, tag or commit of the repository here, and %q a file in it?)",
			ref, path, msg, ref, path)}
	}
	return Source{Name: arg, Data: stdout.Bytes(), Path: path}, nil
}
