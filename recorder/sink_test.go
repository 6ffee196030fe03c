package recorder_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
)

var _ = Describe("Sink", func() {
	var path string
	BeforeEach(func() { path = filepath.Join(GinkgoT().TempDir(), "nested", "s.yaml") })

	It("writes an empty, loadable cassette at once and every interaction before Append returns", func() {
		s, err := recorder.NewSink(path, recorder.SinkConfig{})
		Expect(err).NotTo(HaveOccurred())
		c, err := recorder.LoadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Interactions).To(BeEmpty())
		orig := interaction("GET", "http://h/x?token=t1", "", 200, "ok", map[string]string{"Authorization": "Bearer t2"})
		Expect(s.Append(context.Background(), orig)).To(Succeed())
		Expect(orig.Request.Headers.Get("Authorization")).To(Equal("Bearer t2"), "caller's interaction untouched")
		c, err = recorder.LoadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Interactions).To(HaveLen(1))
		Expect(c.Interactions[0].Request.URL).To(Equal("http://h/x?token=REDACTED"))
		Expect(s.Close()).To(Succeed())
		Expect(s.Close()).To(Succeed())
		Expect(s.Append(context.Background(), orig)).To(MatchError(recorder.ErrSinkClosed))
	})

	It("flushes on a timer under concurrent appends, continues an existing cassette, and honours ctx", func() {
		s, err := recorder.NewSink(path, recorder.SinkConfig{FlushInterval: 30 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer GinkgoRecover()
				defer wg.Done()
				for i := 0; i < 25; i++ {
					Expect(s.Append(context.Background(), interaction("GET", fmt.Sprintf("http://h/%d/%d", g, i), "", 200, "b", nil))).To(Succeed())
				}
			}(g)
		}
		wg.Wait()
		Eventually(func() int {
			c, err := recorder.LoadFile(path)
			if err != nil {
				return -1
			}
			return len(c.Interactions)
		}).WithTimeout(2 * time.Second).Should(Equal(200))
		Expect(s.Close()).To(Succeed())

		s2, err := recorder.NewSink(path, recorder.SinkConfig{Append: true})
		Expect(err).NotTo(HaveOccurred())
		Expect(s2.Len()).To(Equal(200))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		Expect(s2.Append(ctx, interaction("GET", "http://h/late", "", 200, "", nil))).To(MatchError(context.Canceled))
		Expect(s2.Close()).To(Succeed())

		_, err = recorder.NewSink(path, recorder.SinkConfig{FlushInterval: -time.Second})
		Expect(err).To(HaveOccurred())
		Expect(os.WriteFile(path, []byte("version: 9\n"), 0o644)).To(Succeed())
		_, err = recorder.NewSink(path, recorder.SinkConfig{Append: true})
		Expect(err).To(MatchError(recorder.ErrUnsupportedVersion))
	})
})

var _ = Describe("ServeInteraction", func() {
	It("never double-compresses and fixes a stale Content-Length", func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte("hello"))
		_ = zw.Close()
		gz := &cassette.Interaction{Response: cassette.Response{Code: 200, Body: buf.String(),
			Headers: http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {fmt.Sprint(buf.Len())}}}}
		rec := httptest.NewRecorder()
		Expect(recorder.ServeInteraction(rec, gz)).To(Succeed())
		Expect(rec.Body.Bytes()).To(Equal(buf.Bytes()))
		Expect(rec.Header().Get("Content-Encoding")).To(Equal("gzip"))

		plain := &cassette.Interaction{Response: cassette.Response{Code: 200, Body: "hello", Uncompressed: true,
			Headers: http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"99"}}}}
		rec = httptest.NewRecorder()
		Expect(recorder.ServeInteraction(rec, plain)).To(Succeed())
		Expect(rec.Body.String()).To(Equal("hello"))
		Expect(rec.Header().Get("Content-Encoding")).To(BeEmpty())
		Expect(rec.Header().Values("Content-Length")).To(BeEmpty())
	})

	It("replays trailers and refuses interactions it cannot replay", func() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = recorder.ServeInteraction(w, &cassette.Interaction{Response: cassette.Response{Code: 200, Body: "b",
				ContentLength: -1, Trailer: http.Header{"X-Checksum": {"abc"}}}})
		}))
		defer srv.Close()
		resp, err := http.Get(srv.URL)
		Expect(err).NotTo(HaveOccurred())
		_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
		resp.Body.Close()
		Expect(resp.Trailer.Get("X-Checksum")).To(Equal("abc"))
		Expect(resp.Header).NotTo(HaveKey("Date"), "net/http adds no header the recording lacks")
		Expect(resp.Header).NotTo(HaveKey("Content-Type"))

		Expect(recorder.ServeInteraction(httptest.NewRecorder(), nil)).To(HaveOccurred())
		Expect(recorder.ServeInteraction(httptest.NewRecorder(), &cassette.Interaction{Response: cassette.Response{Code: 101}})).
			To(MatchError(ContainSubstring("status 101 cannot be replayed")))
		Expect(recorder.ServeInteraction(httptest.NewRecorder(), &cassette.Interaction{Response: cassette.Response{Code: 5000}})).
			To(HaveOccurred())
	})
})
