//go:build unix

package readmetest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/yaml.v3"
)

// ghWorkflow is the part of a GitHub Actions workflow the test checks.
type ghWorkflow struct {
	Name string `yaml:"name"`
	On   any    `yaml:"on"`
	Jobs map[string]struct {
		RunsOn      string            `yaml:"runs-on"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// glJob is the part of a GitLab CI job the test checks.
type glJob struct {
	Image     string   `yaml:"image"`
	Script    []string `yaml:"script"`
	Artifacts struct {
		When    string            `yaml:"when"`
		Reports map[string]string `yaml:"reports"`
		Paths   []string          `yaml:"paths"`
	} `yaml:"artifacts"`
}

// formatFile finds `--format KIND=FILE` in a contract command.
func formatFile(cmd, kind string) string {
	m := regexp.MustCompile(`--format[= ]` + kind + `=(\S+)`).FindStringSubmatch(cmd)
	if m == nil {
		return ""
	}
	return m[1]
}

// toolCommands keeps the lines that run mockd or contract, normalised.
func toolCommands(lines []string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "contract" || f[0] == "mockd") {
			out = append(out, normalizeCmd(l))
		}
	}
	return out
}

// readmeCommands lists the normalised commands of the README's run blocks.
func readmeCommands(doc readme) map[string]bool {
	out := map[string]bool{}
	for _, b := range doc.Blocks {
		if b.Marker == nil || !b.Marker.Run {
			continue
		}
		steps, err := parseTranscript(b)
		Expect(err).NotTo(HaveOccurred())
		for _, s := range steps {
			out[normalizeCmd(s.Cmd)] = true
		}
	}
	return out
}

// goVersion reads the go directive of go.mod ("1.26").
func goVersion(root string) string {
	GinkgoHelper()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	Expect(err).NotTo(HaveOccurred())
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	Expect(m).NotTo(BeNil(), "go.mod has no go directive")
	return string(m[1])
}

var _ = Describe("examples/ci", func() {
	doc := loadReadme()

	It("has a GitHub Actions workflow that runs the README's contract check and publishes its reports", func() {
		Expect(doc.Err).NotTo(HaveOccurred())
		raw, err := os.ReadFile(filepath.Join(doc.Root, "examples/ci/github-actions.yml"))
		Expect(err).NotTo(HaveOccurred())
		var wf ghWorkflow
		Expect(yaml.Unmarshal(raw, &wf)).To(Succeed(), "examples/ci/github-actions.yml is not YAML")
		Expect(wf.Name).NotTo(BeEmpty())
		Expect(wf.On).To(ConsistOf("push", "pull_request"))
		Expect(wf.Jobs).To(HaveKey("contract"))
		job := wf.Jobs["contract"]
		Expect(job.RunsOn).To(Equal("ubuntu-latest"))
		Expect(job.Permissions).To(HaveKeyWithValue("security-events", "write"))
		var runs []string
		uses := map[string]map[string]string{}
		ifs := map[string]string{}
		for _, s := range job.Steps {
			Expect(s.Uses == "").NotTo(Equal(s.Run == ""), "a step has either uses or run")
			if s.Run != "" {
				runs = append(runs, s.Run)
				continue
			}
			name, _, _ := strings.Cut(s.Uses, "@")
			uses[name], ifs[name] = s.With, s.If
		}
		Expect(uses).To(HaveKey("actions/checkout"))
		Expect(uses).To(HaveKeyWithValue("actions/setup-go", HaveKeyWithValue("go-version-file", "go.mod")))
		Expect(runs).To(ContainElement("go install ./cmd/contract"))
		check := checkCommand(runs)
		Expect(readmeCommands(doc)).To(HaveKey(check), "the workflow's command is not one the README runs")
		Expect(uses).To(HaveKeyWithValue("github/codeql-action/upload-sarif", HaveKeyWithValue("sarif_file", formatFile(check, "sarif"))))
		Expect(uses).To(HaveKeyWithValue("mikepenz/action-junit-report", HaveKeyWithValue("report_paths", formatFile(check, "junit"))))
		Expect(ifs["github/codeql-action/upload-sarif"]).To(Equal("always()"), "reports are published when the check fails")
		Expect(ifs["mikepenz/action-junit-report"]).To(Equal("always()"), "reports are published when the check fails")
	})

	It("has a GitLab CI job that runs the README's contract check and keeps its JUnit report", func() {
		Expect(doc.Err).NotTo(HaveOccurred())
		raw, err := os.ReadFile(filepath.Join(doc.Root, "examples/ci/gitlab-ci.yml"))
		Expect(err).NotTo(HaveOccurred())
		var jobs map[string]glJob
		Expect(yaml.Unmarshal(raw, &jobs)).To(Succeed(), "examples/ci/gitlab-ci.yml is not YAML")
		Expect(jobs).To(HaveKey("contract"))
		job := jobs["contract"]
		Expect(job.Image).To(Equal("golang:" + goVersion(doc.Root)))
		Expect(job.Script).To(ContainElement("go install ./cmd/contract"))
		check := checkCommand(job.Script)
		Expect(readmeCommands(doc)).To(HaveKey(check), "the job's command is not one the README runs")
		Expect(job.Artifacts.When).To(Equal("always"))
		Expect(job.Artifacts.Reports).To(HaveKeyWithValue("junit", formatFile(check, "junit")))
		Expect(job.Artifacts.Paths).To(ContainElement(filepath.Dir(formatFile(check, "junit")) + "/"))
	})
})

// checkCommand returns the one mockd/contract command of a CI job, which
// must be a `contract check` that writes JUnit and SARIF.
func checkCommand(lines []string) string {
	GinkgoHelper()
	cmds := toolCommands(lines)
	Expect(cmds).To(HaveLen(1), "one contract command per CI job")
	Expect(cmds[0]).To(HavePrefix("contract check "))
	Expect(formatFile(cmds[0], "junit")).NotTo(BeEmpty(), "the job writes a JUnit report")
	Expect(formatFile(cmds[0], "sarif")).NotTo(BeEmpty(), "the job writes a SARIF report")
	return cmds[0]
}
