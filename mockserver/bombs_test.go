package mockserver_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/internal/bombtest"
)

// Regression: a cassette of gzip bombs once made `mockd serve --cassette` use
// 2.4 GB. Loading checks each encoded body with the bounded decoder
// (output discarded); playback never decodes: it replays the recorded
// bytes with their Content-Encoding, so the client meets the bomb it
// recorded, and the server's memory stays flat.
var _ = Describe("Playback of a cassette of gzip bombs", func() {
	It("loads and replays 20 bombs verbatim (gzip bytes, Content-Encoding kept) within 300 MiB of heap", func() {
		const n = 20
		bomb, err := bombtest.GzipZeros(64 << 20)
		Expect(err).NotTo(HaveOccurred())
		data, err := bombtest.Cassette(bombtest.Interactions(n, "http://127.0.0.1/bomb/%d", bomb))
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "bombs.yaml")
		Expect(os.WriteFile(path, data, 0o600)).To(Succeed())
		data = nil

		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		defer client.CloseIdleConnections()
		type answer struct {
			status   int
			encoding string
			body     []byte
		}
		answers := make([]answer, 0, n)
		use := bombtest.Measure(func() {
			ts := httptest.NewServer(playbackServer([]string{path}))
			defer ts.Close()
			for i := range n {
				resp, err := client.Get(fmt.Sprintf("%s/bomb/%d", ts.URL, i))
				Expect(err).NotTo(HaveOccurred())
				body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
				Expect(err).NotTo(HaveOccurred())
				Expect(resp.Body.Close()).To(Succeed())
				answers = append(answers, answer{resp.StatusCode, resp.Header.Get("Content-Encoding"), body})
			}
		})
		GinkgoWriter.Printf("playback of %d gzip bombs: %s\n", n, use)
		Expect(use.PeakHeap).To(BeNumerically("<", 300<<20), use.String())
		Expect(answers).To(HaveLen(n))
		for i, a := range answers {
			Expect(a.status).To(Equal(http.StatusOK), "bomb %d", i)
			Expect(a.encoding).To(Equal("gzip"), "bomb %d", i)
			Expect(bytes.Equal(a.body, bomb)).To(BeTrue(), "bomb %d is replayed byte for byte, not decoded", i)
		}
	})
})
