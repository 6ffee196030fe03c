package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
)

var _ = Describe("goroutines", func() {
	It("leaves none behind once servers (spec, faults, journal, recording) are closed", func() {
		ignore := goleak.IgnoreCurrent()
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"up":true}`)
		}))
		dir := GinkgoT().TempDir()
		cassette := filepath.Join(dir, "c.yaml")
		writeCassette(cassette, [4]string{"GET", "http://h/recorded", "200", `{}`})
		sink, err := recorder.NewSink(filepath.Join(dir, "rec.yaml"), recorder.SinkConfig{FlushInterval: 10 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		player, err := recorder.LoadPlayer([]string{cassette})
		Expect(err).NotTo(HaveOccurred())
		rs, err := fault.ParseRules([]byte(`rules:
  - {name: slow, match: {path: /recorded}, fault: {latency: 5ms}}
  - {name: cut, match: {path: /cut}, fault: reset}
`), "leak.yaml")
		Expect(err).NotTo(HaveOccurred())
		srv, err := mockserver.New(mockserver.Cassettes(player), mockserver.OnMiss(mockserver.MissRecord),
			mockserver.Upstream(upstream.URL), mockserver.RecordTo(sink), mockserver.Faults(rs), mockserver.FaultHeader(true))
		Expect(err).NotTo(HaveOccurred())
		in, err := srv.Start("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		tr := &http.Transport{}
		client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		for _, path := range []string{"/recorded", "/new", "/new", "/cut", "/__mockd/health"} {
			resp, err := client.Get(in.URL + path)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		req, _ := http.NewRequest("GET", in.URL+"/recorded", nil)
		req.Header.Set(fault.HeaderName, "hang=200ms")
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
		resp, err := client.Get(in.URL + "/__mockd/health")
		Expect(err).NotTo(HaveOccurred())
		var health map[string]any
		Expect(json.NewDecoder(resp.Body).Decode(&health)).To(Succeed())
		resp.Body.Close()
		Expect(health).To(HaveKeyWithValue("goroutines", BeNumerically(">", 0)))

		tr.CloseIdleConnections()
		Expect(in.Close()).To(Succeed())
		Expect(sink.Close()).To(Succeed())
		upstream.Close()
		Expect(goleak.Find(ignore)).To(Succeed())
	})
})
