package main

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("help and usage errors", func() {
	It("prints usage on stdout and exits 0 for -h, --help and help COMMAND on every command", func() {
		for _, sub := range []string{"", "check", "proxy", "version"} {
			forms := [][]string{{"--help"}, {"-h"}, {"help"}}
			if sub != "" {
				forms = [][]string{{sub, "--help"}, {sub, "-h"}, {"help", sub}}
			}
			for _, args := range forms {
				code, stdout, stderr := runContract(args...)
				Expect(code).To(Equal(exitOK), "contract %q", args)
				Expect(stdout).To(ContainSubstring("Usage:"), "contract %q", args)
				Expect(stdout).To(ContainSubstring(strings.TrimSpace("contract "+sub)), "contract %q", args)
				Expect(stderr).To(BeEmpty(), "contract %q", args)
			}
		}
		_, stdout, _ := runContract("check", "--help")
		for _, flag := range []string{"-spec", "-min-coverage", "-log-format", "-log-level"} {
			Expect(stdout).To(ContainSubstring(flag))
		}
		_, stdout, _ = runContract("proxy", "--help")
		for _, flag := range []string{"-upstream", "-enforce", "-log-format", "-quiet", "-max-conns"} {
			Expect(stdout).To(ContainSubstring(flag))
		}
	})

	DescribeTable("says what is wrong in one line, points to --help and exits 2",
		func(args []string, want string) {
			code, stdout, stderr := runContract(args...)
			Expect(code).To(Equal(exitBadInput))
			Expect(stdout).To(BeEmpty())
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			Expect(lines).To(HaveLen(2), stderr)
			cmd := "contract"
			if args[0] != "frobnicate" {
				cmd += " " + args[0]
			}
			Expect(lines[0]).To(HavePrefix(cmd + ": "))
			Expect(lines[0]).To(ContainSubstring(want))
			Expect(lines[1]).To(Equal("Run '" + cmd + " --help' for usage."))
		},
		Entry("check without --spec", []string{"check", "fixtures/contract/clean"}, "--spec FILE is required"),
		Entry("check without traffic", []string{"check", "--spec", spec}, "no traffic given"),
		Entry("check with an unknown flag", []string{"check", "--spec", spec, "--frobnicate", "fixtures/contract/clean"}, "unknown flag --frobnicate"),
		Entry("check with a bad --min-coverage", []string{"check", "--spec", spec, "--min-coverage", "150", "fixtures/contract/clean"}, "--min-coverage 150: use a percentage from 0 to 100"),
		Entry("check with a non-number --min-coverage", []string{"check", "--spec", spec, "--min-coverage", "most", "fixtures/contract/clean"}, `invalid value "most" for --min-coverage: want a number`),
		Entry("check with a bad --format", []string{"check", "--spec", spec, "--format", "pdf", "fixtures/contract/clean"}, `--format "pdf"`),
		Entry("check with a bad --color", []string{"check", "--spec", spec, "--color", "rainbow", "fixtures/contract/clean"}, `--color "rainbow": use auto, always or never`),
		Entry("check with a bad --log-level", []string{"check", "--spec", spec, "--log-level", "loud", "fixtures/contract/clean"},
			`--log-level "loud" is not a log level: use one of debug, info, warn, error`),
		Entry("check with a bad --log-format", []string{"check", "--spec", spec, "--log-format", "xml", "fixtures/contract/clean"},
			`--log-format "xml" is not a log format: use one of text, json`),
		Entry("check with negative --workers", []string{"check", "--spec", spec, "--workers", "-1", "fixtures/contract/clean"}, "--workers -1 must not be negative"),
		Entry("proxy without --spec", []string{"proxy", "--upstream", "http://127.0.0.1:9"}, "--spec FILE is required"),
		Entry("proxy without --upstream", []string{"proxy", "--spec", spec}, "--upstream URL is required"),
		Entry("proxy with a relative --upstream", []string{"proxy", "--spec", spec, "--upstream", "not-a-url"}, `--upstream "not-a-url" must be an absolute URL`),
		Entry("proxy --port out of range", []string{"proxy", "--spec", spec, "--upstream", "http://127.0.0.1:9", "--port", "99999"}, "--port 99999: invalid port"),
		Entry("proxy with a stray argument", []string{"proxy", "--spec", spec, "--upstream", "http://127.0.0.1:9", "traffic.yaml"}, `unexpected argument "traffic.yaml"`),
		Entry("version with an argument", []string{"version", "now"}, `unexpected argument "now"`),
		Entry("unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`),
	)
})
