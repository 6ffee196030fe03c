//go:build unix

package readmetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// blockTimeout bounds one block: its servers, curls and timeouts together.
const blockTimeout = 2 * time.Minute

// runEnv is what every run block gets: the repository and the built binaries.
type runEnv struct {
	Root string // repository root (its fixtures/ is copied into each block's directory)
	Bin  string // directory holding the mockd and contract binaries
}

// command is one line the generated script runs: a README step, or a
// marker's `before` command (Shown false: its output is not checked).
type command struct {
	ID    string
	Line  int
	Cmd   string
	Want  []string
	Shown bool
}

// runBlock runs a block's commands in one bash process, in a fresh directory
// with a copy of fixtures/, and returns every disagreement with the README.
func runBlock(ctx context.Context, env runEnv, m *marker, steps []step, files map[string]string) ([]string, error) {
	cmds, err := blockCommands(m, steps)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "readme-block-")
	if err != nil {
		return nil, fmt.Errorf("readme test: creating the block's directory: %w", err)
	}
	defer os.RemoveAll(work)
	rt := filepath.Join(work, ".readme-test")
	if err := os.MkdirAll(rt, 0o755); err != nil {
		return nil, fmt.Errorf("readme test: %w", err)
	}
	dir, extraEnv := work, []string(nil)
	if m.Checkout {
		// The repository itself: `make install` there reuses the build
		// cache of the binaries built for the test.
		dir, extraEnv = env.Root, []string{"GOBIN=" + filepath.Join(rt, "gobin")}
	} else if err := os.CopyFS(filepath.Join(work, "fixtures"), os.DirFS(filepath.Join(env.Root, "fixtures"))); err != nil {
		return nil, fmt.Errorf("readme test: copying fixtures/ into the block's directory: %w", err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(work, name), []byte(content), 0o644); err != nil {
			return nil, fmt.Errorf("readme test: writing %s: %w", name, err)
		}
	}
	// A terminal shows curl without its progress meter; so does a .curlrc.
	if err := os.WriteFile(filepath.Join(rt, ".curlrc"), []byte("no-progress-meter\n"), 0o644); err != nil {
		return nil, fmt.Errorf("readme test: %w", err)
	}
	script, err := buildScript(rt, cmds)
	if err != nil {
		return nil, err
	}
	scriptLog, err := runScript(ctx, env, dir, rt, script, extraEnv)
	if err != nil {
		return nil, err
	}
	return checkResults(rt, cmds, scriptLog), nil
}

// blockCommands applies the marker to the steps: free ports for the listed
// ones, then the `before` commands ahead of the README's.
func blockCommands(m *marker, steps []step) ([]command, error) {
	ports, err := freePorts(m.Ports)
	if err != nil {
		return nil, err
	}
	subst := func(s string) string {
		for from, to := range ports {
			s = regexp.MustCompile(`\b`+regexp.QuoteMeta(from)+`\b`).ReplaceAllString(s, to)
		}
		return s
	}
	listed := map[string]bool{}
	for _, p := range m.Ports {
		listed[p] = true
	}
	for _, s := range steps {
		for _, pm := range portUse.FindAllStringSubmatch(s.Cmd, -1) {
			if !listed[pm[1]] {
				return nil, fmt.Errorf("README.md:%d: port %s is not in the marker's `ports`: list it, so the test gives it a free port and never talks to another server on the machine", s.Line, pm[1])
			}
		}
	}
	var cmds []command
	for i, b := range m.Before {
		cmds = append(cmds, command{ID: "before" + strconv.Itoa(i), Line: m.Line, Cmd: subst(b)})
	}
	for i, s := range steps {
		c := command{ID: "step" + strconv.Itoa(i), Line: s.Line, Cmd: subst(s.Cmd), Shown: true}
		for _, w := range s.Want {
			c.Want = append(c.Want, subst(w))
		}
		cmds = append(cmds, c)
	}
	return cmds, nil
}

// portUse finds the ports a command listens on or talks to.
var portUse = regexp.MustCompile(`(?:--port[= ]|localhost:|127\.0\.0\.1:)(\d+)`)

// freePorts maps each README port to a free loopback port.
func freePorts(readmePorts []string) (map[string]string, error) {
	out := map[string]string{}
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for _, p := range readmePorts {
		if _, err := strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("readme test: `ports %s`: not a port number", p)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("readme test: finding a free port: %w", err)
		}
		held = append(held, l)
		out[p] = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// scriptHead defines the helpers: readme_wait PID PORT polls until the
// background command listens (or exits), and the exit trap stops every
// background command with SIGTERM so servers shut down as after a Ctrl-C.
const scriptHead = `readme_wait() {
	local i
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$1" 2>/dev/null || return 1
		(: <>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
readme_cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait
}
trap readme_cleanup EXIT
`

// buildScript writes each command so that its output lands in RT/out.ID and
// its exit status in RT/rc.ID. A background command (`… &`) is waited for
// until it listens on its --port; its output is a log, not checked.
func buildScript(rt string, cmds []command) (string, error) {
	var b strings.Builder
	b.WriteString(scriptHead)
	for _, c := range cmds {
		out, rc := shellQuote(filepath.Join(rt, "out."+c.ID)), shellQuote(filepath.Join(rt, "rc."+c.ID))
		bg, isBg := background(c.Cmd)
		if !isBg {
			fmt.Fprintf(&b, "{ %s\n} >%s 2>&1 </dev/null\necho $? >%s\n", c.Cmd, out, rc)
			continue
		}
		if len(c.Want) > 0 {
			return "", fmt.Errorf("README.md:%d: a background command (`… &`) shows no output; move the lines %q", c.Line, c.Want)
		}
		pm := portFlag.FindStringSubmatch(bg)
		if pm == nil {
			return "", fmt.Errorf("README.md:%d: a background command needs --port N so the test can wait until it listens: %s", c.Line, c.Cmd)
		}
		// The capture comes first, so a redirection the README writes
		// (`2>mockd.log`) still applies.
		fmt.Fprintf(&b, ">%s 2>&1 %s &\nif readme_wait $! %s; then echo 0 >%s; else\n"+
			"\techo 'readme test: it never listened on 127.0.0.1:%s' >>%s; echo 1 >%s; exit 0\nfi\n",
			out, bg, pm[1], rc, pm[1], out, rc)
	}
	return b.String(), nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runScript runs the script with bash in its own process group, with the
// binaries first on PATH, and kills the whole group when it ends or times
// out. It returns bash's own output (syntax errors, job notices).
func runScript(ctx context.Context, env runEnv, work, rt, script string, extraEnv []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, blockTimeout)
	defer cancel()
	path := filepath.Join(rt, "script.sh")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", fmt.Errorf("readme test: %w", err)
	}
	logPath := filepath.Join(rt, "script.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("readme test: %w", err)
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir = work
	// Loopback traffic never goes through a proxy the machine may set.
	cmd.Env = append(os.Environ(), "PATH="+env.Bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CURL_HOME="+rt,
		"no_proxy=127.0.0.1,localhost", "NO_PROXY=127.0.0.1,localhost")
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever the trap left behind
	}
	log, _ := os.ReadFile(logPath)
	if ctx.Err() != nil {
		return string(log), fmt.Errorf("readme test: the block did not finish within %s (a command hangs: add curl -m or a timeout); bash said:\n%s", blockTimeout, log)
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return string(log), fmt.Errorf("readme test: running bash: %w", runErr)
	}
	return string(log), nil
}

// checkResults compares what each command printed and returned with the
// README. Later commands are not judged once one did not run.
func checkResults(rt string, cmds []command, scriptLog string) []string {
	var problems []string
	for _, c := range cmds {
		where := fmt.Sprintf("README.md:%d", c.Line)
		if !c.Shown {
			where += " (marker `before`)"
		}
		out, _ := os.ReadFile(filepath.Join(rt, "out."+c.ID))
		rcText, err := os.ReadFile(filepath.Join(rt, "rc."+c.ID))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: `%s` did not run; bash said:\n%s", where, c.Cmd, scriptLog))
			break
		}
		rc, _ := strconv.Atoi(strings.TrimSpace(string(rcText)))
		if _, isBg := background(c.Cmd); isBg && rc != 0 {
			problems = append(problems, fmt.Sprintf("%s: `%s` exited or never listened; output:\n%s", where, c.Cmd, out))
			continue
		}
		if rc != 0 {
			problems = append(problems, fmt.Sprintf("%s: `%s` exited %d (when the README means a failure, write `|| echo \"exit $?\"` and show it); output:\n%s",
				where, c.Cmd, rc, out))
			continue
		}
		if missing := matchOutput(c.Want, string(out)); missing != "" {
			problems = append(problems, fmt.Sprintf("%s: `%s` did not print %q (after the lines before it); it printed:\n%s",
				where, c.Cmd, missing, out))
		}
	}
	if len(problems) > 0 {
		problems = append(problems, backgroundLogs(rt, cmds))
	}
	return problems
}

// backgroundLogs gathers the output of the background commands, to explain
// a failure.
func backgroundLogs(rt string, cmds []command) string {
	var b strings.Builder
	for _, c := range cmds {
		if _, isBg := background(c.Cmd); !isBg {
			continue
		}
		out, _ := os.ReadFile(filepath.Join(rt, "out."+c.ID))
		fmt.Fprintf(&b, "log of `%s`:\n%s\n", c.Cmd, out)
	}
	return b.String()
}
