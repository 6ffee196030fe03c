package recorder_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/redact"
)

// upstreamHandler answers deterministically from the request, except
// /counter/* which counts calls so repeats differ.
func upstreamHandler() http.Handler {
	var counters sync.Map
	mux := http.NewServeMux()
	mux.HandleFunc("/items/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Item", r.PathValue("n"))
		fmt.Fprintf(w, `{"id":%s,"q":%q}`, r.PathValue("n"), r.URL.RawQuery)
	})
	mux.HandleFunc("/gz/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprintf(zw, "compressed %s %s", r.PathValue("n"), strings.Repeat("z", 500))
		_ = zw.Close()
	})
	mux.HandleFunc("/bin/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i * (n + 1))
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/stream/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 4; i++ {
			fmt.Fprintf(w, "chunk %d of %s %s\n", i, r.PathValue("n"), strings.Repeat(".", 3000))
			http.NewResponseController(w).Flush()
		}
	})
	mux.HandleFunc("POST /echo/{n}", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	})
	mux.HandleFunc("DELETE /items/{n}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/counter/{name}", func(w http.ResponseWriter, r *http.Request) {
		v, _ := counters.LoadOrStore(r.PathValue("name"), new(atomic.Int64))
		fmt.Fprintf(w, "call %d", v.(*atomic.Int64).Add(1))
	})
	mux.HandleFunc("/secret", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "setcookie-secret-CCC", Path: "/", HttpOnly: true})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"resp-token-secret-JJJ","token_type":"bearer","n":1}`)
	})
	return mux
}

type exchange struct {
	method, path, ctype, accept string
	body                        []byte
}

type answer struct {
	status  int
	header  http.Header
	body    []byte
	length  int64
	chunked bool
}

func do(client *http.Client, base string, ex exchange) answer {
	GinkgoHelper()
	var body io.Reader
	if ex.body != nil {
		body = bytes.NewReader(ex.body)
	}
	req, err := http.NewRequest(ex.method, base+ex.path, body)
	Expect(err).NotTo(HaveOccurred())
	if ex.ctype != "" {
		req.Header.Set("Content-Type", ex.ctype)
	}
	if ex.accept != "" {
		req.Header.Set("Accept-Encoding", ex.accept)
	}
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return answer{resp.StatusCode, resp.Header, b, resp.ContentLength,
		len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"}
}

func rawClient() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
}

func exchanges() []exchange {
	var out []exchange
	for n := 0; n < 45; n++ {
		switch n % 7 {
		case 0:
			out = append(out, exchange{method: "GET", path: fmt.Sprintf("/items/%d?b=2&a=%d", n, n)})
		case 1:
			out = append(out, exchange{method: "GET", path: fmt.Sprintf("/gz/%d", n), accept: "gzip"})
		case 2:
			out = append(out, exchange{method: "GET", path: fmt.Sprintf("/bin/%d", n)})
		case 3:
			out = append(out, exchange{method: "POST", path: fmt.Sprintf("/echo/%d", n), ctype: "application/json",
				body: []byte(fmt.Sprintf(`{"n":%d,"name":"item-%d"}`, n, n))})
		case 4:
			out = append(out, exchange{method: "DELETE", path: fmt.Sprintf("/items/%d", n)})
		case 5:
			out = append(out, exchange{method: "GET", path: fmt.Sprintf("/stream/%d", n)})
		case 6:
			out = append(out, exchange{method: "HEAD", path: fmt.Sprintf("/items/%d", n)})
		}
	}
	return out
}

var _ = Describe("recording proxy", func() {
	var (
		dir      string
		upstream *httptest.Server
	)
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		upstream = httptest.NewServer(upstreamHandler())
		DeferCleanup(upstream.Close)
	})

	newProxy := func(sink recorder.InteractionSink, red *redact.Redactor, logger *slog.Logger, maxBody int64) *httptest.Server {
		u, err := url.Parse(upstream.URL)
		Expect(err).NotTo(HaveOccurred())
		p, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: u, Sink: sink, Redactor: red, Logger: logger, MaxBodyBytes: maxBody})
		Expect(err).NotTo(HaveOccurred())
		srv := httptest.NewServer(p)
		DeferCleanup(srv.Close)
		return srv
	}

	It("records 50 concurrent exchanges and replays them byte for byte with the upstream gone", func() {
		path := filepath.Join(dir, "rec.yaml")
		sink, err := recorder.NewSink(path, recorder.SinkConfig{FlushInterval: 20 * time.Millisecond})
		Expect(err).NotTo(HaveOccurred())
		proxy := newProxy(sink, nil, nil, 0)
		client := rawClient()

		exs := exchanges()
		originals := make([]answer, len(exs))
		var wg sync.WaitGroup
		for w := 0; w < 5; w++ {
			wg.Add(1)
			go func(w int) {
				defer GinkgoRecover()
				defer wg.Done()
				for i := w; i < len(exs); i += 5 {
					originals[i] = do(client, proxy.URL, exs[i])
				}
			}(w)
		}
		// 5 sequential calls to one URL: repeats must replay in order.
		var counterAnswers []answer
		for i := 0; i < 5; i++ {
			counterAnswers = append(counterAnswers, do(client, proxy.URL, exchange{method: "GET", path: "/counter/c"}))
		}
		wg.Wait()
		proxy.Close() // waits for the handlers, which append after the client got its answer
		Expect(sink.Close()).To(Succeed())
		Expect(sink.Len()).To(Equal(50))
		Expect(counterAnswers[4].body).To(Equal([]byte("call 5")))

		upstream.Close()
		proxy.Close()

		player, err := recorder.LoadPlayer([]string{path})
		Expect(err).NotTo(HaveOccurred())
		Expect(player.Len()).To(Equal(50))
		replay := httptest.NewServer(player)
		defer replay.Close()
		for i, ex := range exs {
			got := do(client, replay.URL, ex)
			Expect(got.status).To(Equal(originals[i].status), ex.path)
			Expect(got.body).To(Equal(originals[i].body), ex.path)
			Expect(got.header).To(Equal(originals[i].header), ex.path)
			Expect(got.length).To(Equal(originals[i].length), ex.path)
			Expect(got.chunked).To(Equal(originals[i].chunked), ex.path)
		}
		for i := 0; i < 6; i++ {
			want := counterAnswers[min(i, 4)]
			got := do(client, replay.URL, exchange{method: "GET", path: "/counter/c"})
			Expect(got.body).To(Equal(want.body))
			Expect(got.header).To(Equal(want.header))
		}
		By("matching the query order-insensitively")
		got := do(client, replay.URL, exchange{method: "GET", path: "/items/0?a=0&b=2"})
		Expect(got.body).To(Equal(originals[0].body))
	})

	It("answers 502 problem+json when the upstream is down, and records nothing", func() {
		path := filepath.Join(dir, "down.yaml")
		sink, err := recorder.NewSink(path, recorder.SinkConfig{})
		Expect(err).NotTo(HaveOccurred())
		defer sink.Close()
		proxy := newProxy(sink, nil, nil, 0)
		upstream.Close()
		resp, err := rawClient().Get(proxy.URL + "/items/1?api_key=down-secret")
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		Expect(resp.StatusCode).To(Equal(http.StatusBadGateway))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
		Expect(string(body)).To(ContainSubstring(`"status":502`))
		Expect(string(body)).To(ContainSubstring(`"title":"Bad Gateway"`))
		Expect(string(body)).To(ContainSubstring(`"type":"about:blank"`))
		Expect(string(body)).To(ContainSubstring(`"detail":"upstream http://127.0.0.1:`))
		Expect(string(body)).NotTo(ContainSubstring("down-secret"))
		Expect(sink.Len()).To(Equal(0))
	})

	It("relays a body over the cap in full but records it truncated and marked", func() {
		path := filepath.Join(dir, "cap.yaml")
		sink, err := recorder.NewSink(path, recorder.SinkConfig{})
		Expect(err).NotTo(HaveOccurred())
		proxy := newProxy(sink, nil, nil, 1000)
		got := do(rawClient(), proxy.URL, exchange{method: "GET", path: "/stream/1"})
		Expect(got.body).To(HaveLen(4 * len("chunk 0 of 1 \n"+strings.Repeat(".", 3000))))
		proxy.Close()
		Expect(sink.Close()).To(Succeed())
		c, err := recorder.LoadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Interactions).To(HaveLen(1))
		Expect(c.Interactions[0].Response.Body).To(HaveLen(1000))
		Expect(c.Interactions[0].Response.Headers.Get(recorder.TruncatedHeader)).To(Equal(strconv.Itoa(len(got.body))))
	})

	It("keeps 10 kinds of secrets out of the cassette and the logs", func() {
		path := filepath.Join(dir, "secrets.yaml")
		red, err := redact.New(redact.Config{
			Headers:   []string{"X-Custom-Auth", "X-Acme-Signature"}, // --redact-header, spec apiKey header
			JSONPaths: []string{"$.password", "$.user.pin"},
		})
		Expect(err).NotTo(HaveOccurred())
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		sink, err := recorder.NewSink(path, recorder.SinkConfig{Redactor: red})
		Expect(err).NotTo(HaveOccurred())
		seen := make(chan http.Header, 10)
		upstream.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen <- r.Header.Clone()
			upstreamHandler().ServeHTTP(w, r)
		})
		proxy := newProxy(sink, red, logger, 0)

		basic := base64.StdEncoding.EncodeToString([]byte("alice:basic-password-LLL"))
		secrets := []string{"s3cr3t-bearer-AAA", basic, "basic-password-LLL", "cookie-secret-BBB", "setcookie-secret-CCC",
			"apikey-secret-DDD", "query-secret-EEE", "query-secret-FFF", "custom-secret-GGG", "json-secret-HHH",
			"spec-secret-III", "resp-token-secret-JJJ", "pin-secret-KKK"}

		send := func(method, target string, hdr map[string]string, body string) *http.Response {
			var rd io.Reader
			if body != "" {
				rd = strings.NewReader(body)
			}
			req, err := http.NewRequest(method, proxy.URL+target, rd)
			Expect(err).NotTo(HaveOccurred())
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := rawClient().Do(req)
			Expect(err).NotTo(HaveOccurred())
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp
		}
		resp := send("GET", "/secret?api_key=query-secret-EEE&access_token=query-secret-FFF&page=2", map[string]string{
			"Authorization": "Bearer s3cr3t-bearer-AAA", "Cookie": "session=cookie-secret-BBB; theme=dark",
			"X-Api-Key": "apikey-secret-DDD", "X-Custom-Auth": "custom-secret-GGG", "X-Acme-Signature": "spec-secret-III",
		}, "")
		Expect(resp.Header.Get("Set-Cookie")).To(ContainSubstring("setcookie-secret-CCC"), "the client gets the real answer")
		Expect((<-seen).Get("Authorization")).To(Equal("Bearer s3cr3t-bearer-AAA"), "the upstream gets the real request")
		send("POST", "/echo/1", map[string]string{"Authorization": "Basic " + basic, "Content-Type": "application/json"},
			`{"user":{"name":"alice","pin":"pin-secret-KKK"},"password":"json-secret-HHH"}`)
		<-seen
		proxy.Close()
		Expect(sink.Close()).To(Succeed())

		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		for _, s := range secrets {
			Expect(string(data)).NotTo(ContainSubstring(s), "cassette leaks "+s)
			Expect(logs.String()).NotTo(ContainSubstring(s), "log leaks "+s)
		}
		Expect(logs.String()).To(ContainSubstring("Bearer REDACTED"), "headers were logged (redacted)")
		for _, want := range []string{"Bearer REDACTED", "Basic REDACTED", "session=REDACTED; theme=REDACTED",
			"sid=REDACTED; Path=/; HttpOnly", "api_key=REDACTED&access_token=REDACTED&page=2",
			`"password":"REDACTED"`, `"pin":"REDACTED"`, `"name":"alice"`, `resp-token`[:0] + `"access_token":"REDACTED"`} {
			Expect(string(data)).To(ContainSubstring(want))
		}
	})

	It("leaves a loadable cassette when the recording process is killed with SIGKILL", func() {
		path := filepath.Join(dir, "killed.yaml")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=1", helperUpstreamEnv+"="+upstream.URL, helperCassetteEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		Expect(cmd.Start()).To(Succeed())
		killed := false
		defer func() {
			if !killed {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
		}()
		line, err := bufio.NewReader(stdout).ReadString('\n')
		Expect(err).NotTo(HaveOccurred())
		addr := strings.TrimSpace(strings.TrimPrefix(line, "LISTEN "))
		base := "http://" + addr

		const n = 30
		var done atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		client := rawClient()
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := client.Get(fmt.Sprintf("%s/items/%d?w=%d", base, i, w))
					if err != nil {
						return // the proxy died under us
					}
					_, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
					if done.Add(1) >= n {
						return
					}
				}
			}(w)
		}
		Eventually(done.Load).WithTimeout(8 * time.Second).Should(BeNumerically(">=", n))
		Expect(cmd.Process.Kill()).To(Succeed()) // SIGKILL while clients are still sending
		_ = cmd.Wait()
		killed = true
		close(stop)
		wg.Wait()

		c, err := recorder.LoadFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(len(c.Interactions)).To(BeNumerically(">=", n-4))
		upstream.Close()
		player, err := recorder.NewPlayer([]*cassette.Cassette{c})
		Expect(err).NotTo(HaveOccurred())
		replay := httptest.NewServer(player)
		defer replay.Close()
		for _, it := range c.Interactions {
			u, err := url.Parse(it.Request.URL)
			Expect(err).NotTo(HaveOccurred())
			want := fmt.Sprintf(`{"id":%s,"q":%q}`, strings.TrimPrefix(u.Path, "/items/"), u.RawQuery)
			got := do(client, replay.URL, exchange{method: "GET", path: u.RequestURI()})
			Expect(got.status).To(Equal(200))
			Expect(string(got.body)).To(Equal(want))
		}
	})
})
