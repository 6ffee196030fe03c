package recorder_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/internal/bombtest"
	"github.com/mockd/mockd/recorder"
)

// Regression: a 20 KB gzip request through `mockd record` once used 494 MB. The
// proxy forwards the bytes unchanged; the redactor decodes the body for
// the cassette under the per-body and ratio limits, so a bomb is stored as
// a short marker, not inflated.
var _ = Describe("Recording a gzip-bomb request body", func() {
	It("forwards it untouched, stays within bounded heap and stores a marker in the cassette", func() {
		bomb, err := bombtest.GzipZeros(20 << 20)
		Expect(err).NotTo(HaveOccurred())
		Expect(len(bomb)).To(BeNumerically("<", 32<<10))

		var upstreamGot []byte
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			upstreamGot, _ = io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true}`)
		}))
		defer upstream.Close()
		u, err := url.Parse(upstream.URL)
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "rec.yaml")
		sink, err := recorder.NewSink(path, recorder.SinkConfig{})
		Expect(err).NotTo(HaveOccurred())
		p, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: u, Sink: sink})
		Expect(err).NotTo(HaveOccurred())
		proxy := httptest.NewServer(p)
		defer proxy.Close()

		var status int
		use := bombtest.Measure(func() {
			req, err := http.NewRequest(http.MethodPost, proxy.URL+"/upload", bytes.NewReader(bomb))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", "gzip")
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			_, _ = io.Copy(io.Discard, resp.Body)
			Expect(resp.Body.Close()).To(Succeed())
			status = resp.StatusCode
			proxy.Close() // waits for the handler, which redacts and appends after the client got its answer
		})
		Expect(sink.Close()).To(Succeed())
		GinkgoWriter.Printf("recording a %d-byte gzip bomb request: %s\n", len(bomb), use)
		Expect(status).To(Equal(http.StatusOK))
		Expect(bytes.Equal(upstreamGot, bomb)).To(BeTrue(), "the upstream gets the request bytes unchanged")
		Expect(use.PeakHeap).To(BeNumerically("<", 64<<20), use.String())
		Expect(use.TotalAlloc).To(BeNumerically("<", 64<<20), use.String())

		c, err := recorder.LoadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Interactions).To(HaveLen(1))
		stored := c.Interactions[0].Request
		GinkgoWriter.Printf("stored request body: %q headers: %v\n", stored.Body, stored.Headers)
		Expect(len(stored.Body)).To(BeNumerically("<", 4<<10), "a marker, not the inflated body")
		Expect(stored.Body).To(ContainSubstring("ratio"))
		Expect(stored.Body).NotTo(HavePrefix("\x1f\x8b"), "nor the undecoded bomb")
		Expect(http.Header(stored.Headers).Get("Content-Encoding")).To(BeEmpty(), "the marker is stored plain")
	})
})
