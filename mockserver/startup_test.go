package mockserver_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

// specWithOperations is a spec of n GET operations, each with an example
// that violates its schema (ok must be true).
func specWithOperations(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, "  /op%d:\n    get:\n      responses:\n        '200':\n          description: ok\n"+
			"          content:\n            application/json:\n              schema: {type: object, properties: {ok: {type: boolean, enum: [true]}}}\n"+
			"              example: {ok: false}\n", i)
	}
	return b.String()
}

var _ = Describe("ReportStartupWarnings", func() {
	report := func(operations int) string {
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv := newServer(mockserver.SpecBytes([]byte(specWithOperations(operations))), mockserver.Logger(logger))
		srv.ReportStartupWarnings()
		return buf.String()
	}

	It("checks every example of a spec up to 300 operations and sums them up in one warning", func() {
		out := report(300)
		Expect(strings.Count(out, `msg="invalid example"`)).To(Equal(300))
		Expect(out).To(ContainSubstring(`level=WARN msg="spec loaded with warnings" spec_warnings=0 invalid_examples=300`))
		Expect(out).NotTo(ContainSubstring("large spec"))
	})

	It("leaves a larger spec's examples to when they are first served", func() {
		out := report(301)
		Expect(out).To(ContainSubstring(`level=INFO msg="large spec: examples are checked when first served" operations=301`))
		Expect(out).NotTo(ContainSubstring("invalid example"))
		Expect(out).NotTo(ContainSubstring("spec loaded with warnings"))
	})
})
