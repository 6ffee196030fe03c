package mockserver_test

import (
	"bytes"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/redact"
)

// serveOne sends GET target with an Authorization header to srv.
func serveOne(srv http.Handler, target string) int {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer tok-s3cret")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code
}

var _ = Describe("the request log line", func() {
	It("is written at info level for each finished request, the query redacted", func() {
		var buf bytes.Buffer
		logger := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), nil))
		srv, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.Logger(logger), mockserver.Seed(1))
		Expect(err).NotTo(HaveOccurred())
		Expect(serveOne(srv, "/v1/books?api_key=q-s3cret")).To(Equal(http.StatusOK))
		Expect(serveOne(srv, "/books?limit=1000")).To(Equal(http.StatusBadRequest))
		Expect(serveOne(srv, "/no/such/path")).To(Equal(http.StatusNotFound))
		Expect(serveOne(srv, "/__mockd/health")).To(Equal(http.StatusOK))
		var lines []string
		for _, l := range strings.Split(buf.String(), "\n") {
			if strings.Contains(l, "msg=request ") {
				lines = append(lines, l)
			}
		}
		Expect(lines).To(HaveLen(3), "one line per request, none for the admin API:\n%s", buf.String())
		Expect(lines[0]).To(MatchRegexp(`method=GET path="/v1/books\?api_key=REDACTED" status=200 source=example:two-books duration=\S+$`))
		Expect(lines[1]).To(MatchRegexp(`method=GET path="/books\?limit=1000" status=400 source=generated duration=\S+ problem=invalid-request$`))
		Expect(lines[2]).To(MatchRegexp(`method=GET path=/no/such/path status=404 source=problem duration=\S+$`))
		Expect(buf.String()).NotTo(ContainSubstring("s3cret"))
	})

	It("costs nothing more than no logger when the level is above info", func() {
		quiet := slog.New(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
		allocs := map[string]float64{}
		for name, opts := range map[string][]mockserver.Option{
			"no logger":   {mockserver.SpecFile(bookstore), mockserver.Seed(1)},
			"warn logger": {mockserver.SpecFile(bookstore), mockserver.Seed(1), mockserver.Logger(quiet)},
		} {
			srv, err := mockserver.New(opts...)
			Expect(err).NotTo(HaveOccurred())
			serveOne(srv, "/v1/books?limit=1") // warm the caches
			// The least of five averages, and one allocation of slack
			// under -race (see raceDetector). An enabled request line
			// costs 2 more, every time.
			allocs[name] = math.Inf(1)
			for range 5 {
				allocs[name] = min(allocs[name], testing.AllocsPerRun(50, func() { serveOne(srv, "/v1/books?limit=1") }))
			}
		}
		slack := 0.0
		if raceDetector {
			slack = 1
		}
		Expect(allocs["warn logger"]).To(BeNumerically("<=", allocs["no logger"]+slack), "allocations per request: %v", allocs)
	})
})
