//go:build unix

package readmetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestReadme(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "README.md")
}

// env is set by BeforeSuite: the repository root and the built binaries.
var env runEnv

var _ = BeforeSuite(func() {
	root, err := moduleRoot()
	Expect(err).NotTo(HaveOccurred())
	for _, tool := range []string{"bash", "curl"} {
		_, err := exec.LookPath(tool)
		Expect(err).NotTo(HaveOccurred(),
			"the README's commands need %s: install it (apt-get install -y %s; `make test` does it)", tool, tool)
	}
	goTool, err := exec.LookPath("go")
	Expect(err).NotTo(HaveOccurred(), "the README test builds mockd and contract with the go command")
	bin, err := os.MkdirTemp("", "readme-bin-")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(os.RemoveAll, bin)
	build := exec.Command(goTool, "build", "-o", bin+string(os.PathSeparator), "./cmd/mockd", "./cmd/contract")
	build.Dir = root
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "go build ./cmd/mockd ./cmd/contract:\n%s", out)
	env = runEnv{Root: root, Bin: bin}
})

// moduleRoot walks up from the working directory to the folder with go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("readme test: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("readme test: no go.mod above the working directory: run it with go test inside the module")
		}
		dir = parent
	}
}
