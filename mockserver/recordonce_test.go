package mockserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/recorder"
)

// answer is what one client got.
type answer struct {
	status int
	body   string
	err    error
}

// fetch sends GET base+path with its own connection, bounded in time.
func fetch(ctx context.Context, base, path string) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	Expect(err).NotTo(HaveOccurred())
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(body), err: err}
}

// fetchAll sends n concurrent GET base+path and returns the answers.
func fetchAll(base, path string, n int) []answer {
	out := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fetch(context.Background(), base, path)
		}()
	}
	wg.Wait()
	return out
}

// waitFor polls cond for at most 5 s (the upstreams below use it to hold
// their first answer until the test's requests are all in).
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

var _ = Describe("--on-miss record under concurrency", func() {
	var cassettePath string
	BeforeEach(func() {
		cassettePath = filepath.Join(GinkgoT().TempDir(), "c.yaml")
		writeCassette(cassettePath, [4]string{"GET", "http://h/recorded", "200", `{}`})
	})

	// start serves cassettePath with misses recorded into it, as
	// `mockd serve --cassette c.yaml --on-miss record --upstream U` does.
	start := func(upstream string) (*mockserver.Server, *mockserver.Instance, *recorder.Sink) {
		player, err := recorder.LoadPlayer([]string{cassettePath})
		Expect(err).NotTo(HaveOccurred())
		sink, err := recorder.NewSink(cassettePath, recorder.SinkConfig{Append: true})
		Expect(err).NotTo(HaveOccurred())
		srv, err := mockserver.New(mockserver.Cassettes(player), mockserver.OnMiss(mockserver.MissRecord),
			mockserver.Upstream(upstream), mockserver.RecordTo(sink), mockserver.Logger(slog.New(slog.DiscardHandler)))
		Expect(err).NotTo(HaveOccurred())
		in, err := srv.Start("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Close)
		DeferCleanup(sink.Close)
		return srv, in, sink
	}
	// recordedURLs closes the sink and lists the URLs in the cassette file.
	recordedURLs := func(sink *recorder.Sink) []string {
		Expect(sink.Close()).To(Succeed())
		c, err := recorder.LoadFile(cassettePath)
		Expect(err).NotTo(HaveOccurred())
		var urls []string
		for _, it := range c.Interactions {
			u, err := url.Parse(it.Request.URL)
			Expect(err).NotTo(HaveOccurred())
			urls = append(urls, u.RequestURI())
		}
		return urls
	}

	// burst starts an upstream that counts its hits and holds the first
	// one until the 7 other requests wait for it in mockd, then lets reply
	// answer, and sends 8 identical concurrent requests for path.
	burst := func(path string, reply func(w http.ResponseWriter, hit int32)) (*mockserver.Server, *recorder.Sink, []answer, int32) {
		var hits atomic.Int32
		var srv *mockserver.Server
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := hits.Add(1)
			if n == 1 {
				waitFor(func() bool { return mockserver.RecordWaitersForTest(srv) == 7 })
			}
			reply(w, n)
		}))
		DeferCleanup(upstream.Close)
		srv, in, sink := start(upstream.URL)
		answers := fetchAll(in.URL, path, 8)
		for i, a := range answers {
			Expect(a.err).NotTo(HaveOccurred(), "client %d", i)
			Expect(a).To(Equal(answers[0]), "client %d gets the same answer as client 0", i)
		}
		return srv, sink, answers, hits.Load()
	}

	It("forwards 8 identical concurrent requests once, records one interaction and answers all 8 alike", func() {
		srv, sink, answers, hits := burst("/authors/1?x=1", func(w http.ResponseWriter, hit int32) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"hit":`+strconv.Itoa(int(hit))+`}`)
		})
		Expect(answers[0]).To(Equal(answer{status: http.StatusOK, body: `{"hit":1}`}))
		Expect(hits).To(Equal(int32(1)), "the upstream must see the request once")
		Expect(recordedURLs(sink)).To(Equal([]string{"/recorded", "/authors/1?x=1"}), "one new interaction in the cassette")
		sources := map[string]int{}
		for _, e := range srv.Journal().Entries(mockserver.Filter{}) {
			sources[e.Source.String()]++
		}
		Expect(sources).To(Equal(map[string]int{"recorded": 1, "cassette": 7}))
	})

	It("gives the waiters the leader's error answer when the upstream fails, without forwarding again", func() {
		_, sink, answers, hits := burst("/authors/2", func(w http.ResponseWriter, _ int32) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = c.Close() // no answer: the recording proxy's 502
			}
		})
		Expect(answers[0].status).To(Equal(http.StatusBadGateway))
		Expect(answers[0].body).To(ContainSubstring("did not answer"))
		Expect(hits).To(Equal(int32(1)), "a failed forward is not repeated by the waiters")
		Expect(recordedURLs(sink)).To(Equal([]string{"/recorded"}), "nothing recorded")
	})

	It("forwards different requests in parallel", func() {
		var mu sync.Mutex
		arrived := map[string]bool{}
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			arrived[r.URL.Path] = true
			mu.Unlock()
			// Answer only once both requests reached the upstream.
			if !waitFor(func() bool { mu.Lock(); defer mu.Unlock(); return len(arrived) == 2 }) {
				w.WriteHeader(http.StatusGatewayTimeout)
				return
			}
			_, _ = io.WriteString(w, r.URL.Path)
		}))
		DeferCleanup(upstream.Close)
		srv, in, sink := start(upstream.URL)

		var a, b answer
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); a = fetch(context.Background(), in.URL, "/a") }()
		go func() { defer wg.Done(); b = fetch(context.Background(), in.URL, "/b") }()
		wg.Wait()
		Expect(a).To(Equal(answer{status: 200, body: "/a"}))
		Expect(b).To(Equal(answer{status: 200, body: "/b"}))
		// A client may have its answer before the handler appended it to the
		// cassette: the journal entry completes after the append.
		Eventually(func() int { return len(srv.Journal().Entries(mockserver.Filter{})) }).Should(Equal(2))
		Expect(recordedURLs(sink)).To(ConsistOf("/recorded", "/a", "/b"))
	})

	It("stops a waiter whose client left, and lets a waiter forward when the leader's client left", func() {
		var hits atomic.Int32
		release := make(chan struct{})
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := hits.Add(1)
			if r.URL.Path == "/slow" && n == 1 {
				select { // the leader's client leaves: the proxy cancels this request
				case <-r.Context().Done():
					return
				case <-release:
				}
			}
			_, _ = io.WriteString(w, `{"hit":`+strconv.Itoa(int(n))+`}`)
		}))
		DeferCleanup(upstream.Close)
		srv, in, sink := start(upstream.URL)

		leaderCtx, cancelLeader := context.WithCancel(context.Background())
		defer cancelLeader()
		leader := make(chan answer, 1)
		go func() { leader <- fetch(leaderCtx, in.URL, "/slow") }()
		Eventually(hits.Load).WithTimeout(5 * time.Second).Should(Equal(int32(1)))

		// A waiter whose client gives up stops waiting (and is journalled)
		// while the leader is still forwarding.
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		Expect(fetch(ctx, in.URL, "/slow").err).To(MatchError(ContainSubstring("deadline exceeded")))
		Eventually(srv.Journal().Len).WithTimeout(5 * time.Second).Should(Equal(1))
		Expect(srv.Journal().InFlight()).To(Equal(int64(1)), "only the leader is in flight")

		// A waiter outlives its leader's client: it forwards in its place.
		waiter := make(chan answer, 1)
		go func() { waiter <- fetch(context.Background(), in.URL, "/slow") }()
		Eventually(func() int64 { return mockserver.RecordWaitersForTest(srv) }).WithTimeout(5 * time.Second).Should(Equal(int64(1)))
		cancelLeader()
		var got answer
		Eventually(leader).WithTimeout(5 * time.Second).Should(Receive(&got))
		Expect(got.err).To(MatchError(context.Canceled))
		Eventually(waiter).WithTimeout(5 * time.Second).Should(Receive(Equal(answer{status: 200, body: `{"hit":2}`})))
		Expect(hits.Load()).To(Equal(int32(2)))
		close(release)
		Expect(recordedURLs(sink)).To(Equal([]string{"/recorded", "/slow"}))
	})
})
