package contract_test

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/contract"
)

var _ = Describe("option names in messages", func() {
	flags := contract.OptionNames{
		contract.OptionServer:        "--server",
		contract.OptionStrictServers: "--strict-servers",
		contract.OptionIgnorePaths:   "--ignore",
		contract.OptionMinCoverage:   "--min-coverage",
		contract.OptionRequireStatus: "--require-status",
	}

	It("names a bad option by its Go name, or by the caller's name", func() {
		spec := loadContractSpec()
		_, err := contract.NewChecker(spec, contract.CheckConfig{Server: "http://[::1"})
		Expect(err).To(MatchError(ContainSubstring(`CheckConfig.Server "http://[::1"`)))
		_, err = contract.NewChecker(spec, contract.CheckConfig{Server: "http://[::1", OptionNames: flags})
		Expect(err).To(MatchError(ContainSubstring(`--server "http://[::1"`)))
		_, err = contract.NewChecker(spec, contract.CheckConfig{IgnorePaths: []string{" "}})
		Expect(err).To(MatchError(ContainSubstring(`CheckConfig.IgnorePaths " "`)))
		_, err = contract.NewChecker(spec, contract.CheckConfig{IgnorePaths: []string{" "}, OptionNames: flags})
		Expect(err).To(MatchError(ContainSubstring(`--ignore " "`)))
	})

	It("names the server options in server findings and hints", func() {
		spec := loadContractSpec()
		for _, c := range []struct {
			names         contract.OptionNames
			message, hint string
		}{
			{nil, "not the CheckConfig.Server host", "pass CheckConfig.Server URL (or drop CheckConfig.StrictServers)"},
			{flags, "not the --server host", "pass --server URL (or drop --strict-servers)"},
		} {
			checker := newChecker(spec, contract.CheckConfig{Server: "https://gw.internal/api", StrictServers: true, OptionNames: c.names})
			out := checker.Check(ix("GET", "https://other.internal/api/books", nil, "", 200, map[string]string{"Content-Type": "application/json"}, "[]"))
			Expect(out.Findings).NotTo(BeEmpty())
			Expect(out.Findings[0].Message).To(ContainSubstring(c.message))
			Expect(out.Findings[0].Hint).To(ContainSubstring(c.hint))
		}
		out := newChecker(spec, contract.CheckConfig{OptionNames: flags}).Check(ix("GET", "http://localhost/authors/1", nil, "", 200, nil, ""))
		Expect(out.Findings[0].Hint).To(HaveSuffix("(see --server)"))
	})

	It("names the thresholds in gate failures", func() {
		spec := loadContractSpec()
		r := runPaths(newChecker(spec, contract.CheckConfig{}), 1, filepath.Join(fixtureDir, "clean", "browser.har"))
		g := r.Evaluate(contract.Thresholds{MinCoverage: 100, RequireStatus: true})
		Expect(g.Failures).To(ContainElements(ContainSubstring("below Thresholds.MinCoverage 100.0%"), ContainSubstring("(Thresholds.RequireStatus)")))
		g = r.Evaluate(contract.Thresholds{MinCoverage: 100, RequireStatus: true, OptionNames: flags})
		Expect(g.Failures).To(ContainElements(ContainSubstring("below --min-coverage 100.0%"), ContainSubstring("(--require-status)")))
	})
})
