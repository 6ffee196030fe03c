package fault_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/fault"
)

const backendBody = `{"id":1,"name":"dune","tags":["a","b"],"ok":true,"price":9.5,"note":null}`

type server struct {
	addr     string
	url      string
	engine   *fault.Engine
	listener *fault.Listener
	outcomes chan fault.Outcome
	client   *http.Client
}

func startServer(rules string) *server {
	GinkgoHelper()
	l, err := fault.NewListener("127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	e := fault.NewEngine(mustRules(rules), fault.WithSeed(1), fault.WithHeaderFaults(true), fault.WithListener(l),
		fault.WithLogger(discardLogger()), fault.WithHangMax(3*time.Second))
	s := &server{addr: l.Addr().String(), url: "http://" + l.Addr().String(), engine: e, listener: l,
		outcomes: make(chan fault.Outcome, 64)}
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, backendBody)
	})
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.outcomes <- e.Decide(fault.NewRequest(r)).Serve(w, r, backend)
		}),
		ConnContext: e.ConnContext,
		ErrorLog:    log.New(io.Discard, "", 0),
	}
	go func() { _ = hs.Serve(l) }()
	tr := &http.Transport{}
	s.client = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	DeferCleanup(func() {
		tr.CloseIdleConnections()
		_ = hs.Close()
	})
	return s
}

func (s *server) outcome() fault.Outcome {
	GinkgoHelper()
	var o fault.Outcome
	Eventually(s.outcomes).WithTimeout(5 * time.Second).Should(Receive(&o))
	return o
}

// raw sends one request on a new connection and reads until the server ends
// the stream (or wait elapses), returning the bytes and the final read error.
func (s *server) raw(faultHeader string, wait time.Duration) ([]byte, error) {
	GinkgoHelper()
	c, err := net.Dial("tcp", s.addr)
	Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	hdr := ""
	if faultHeader != "" {
		hdr = "X-Mockd-Fault: " + faultHeader + "\r\n"
	}
	_, err = fmt.Fprintf(c, "GET /books/1 HTTP/1.1\r\nHost: t\r\n%s\r\n", hdr)
	Expect(err).NotTo(HaveOccurred())
	Expect(c.SetReadDeadline(time.Now().Add(wait))).To(Succeed())
	var buf bytes.Buffer
	_, err = io.Copy(&buf, c)
	if err == nil {
		err = io.EOF // io.Copy turns EOF into nil
	}
	return buf.Bytes(), err
}

func (s *server) get(faultHeader string) (*http.Response, error) {
	r, err := http.NewRequest(http.MethodGet, s.url+"/books/1", nil)
	Expect(err).NotTo(HaveOccurred())
	if faultHeader != "" {
		r.Header.Set("X-Mockd-Fault", faultHeader)
	}
	return s.client.Do(r)
}

func splitHead(b []byte) (head string, body []byte) {
	h, rest, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	Expect(ok).To(BeTrue(), "no end of headers in %q", b)
	return string(h), rest
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var _ = Describe("wire faults", func() {
	var s *server
	BeforeEach(func() {
		s = startServer(`rules:
  - {name: zero-reset, match: {path: /zero}, rate: 0, fault: reset}
  - {name: reused-only, match: {path: /reused}, connection: reused, fault: 503}
`)
	})

	It("passes through with no fault and counts the bytes", func() {
		resp, err := s.get("")
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		Expect(string(body)).To(Equal(backendBody))
		Expect(resp.Header.Get("X-Mockd-Fault")).To(BeEmpty())
		o := s.outcome()
		Expect(o.Status).To(Equal(200))
		Expect(o.BytesWritten).To(Equal(int64(len(backendBody))))
		Expect(o.End).To(Equal(fault.EndNormal))
	})

	Describe("close", func() {
		It("sends no bytes then FIN (io.EOF); Go sees EOF", func() {
			b, err := s.raw("close", 10*time.Second)
			Expect(b).To(BeEmpty())
			Expect(err).To(MatchError(io.EOF))
			Expect(s.outcome().End).To(Equal(fault.EndFIN))
			_, err = s.get("close")
			Expect(err).To(MatchError(HaveSuffix(": EOF")))
		})
	})

	Describe("reset", func() {
		It("sends RST (ECONNRESET); Go sees connection reset by peer", func() {
			b, err := s.raw("reset", 10*time.Second)
			Expect(b).To(BeEmpty())
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "got %v", err)
			Expect(s.outcome().End).To(Equal(fault.EndRST))
			_, err = s.get("reset")
			Expect(err).To(MatchError(ContainSubstring("connection reset by peer")))
		})
		It("with probability 0 changes nothing: keep-alive works and the close is a FIN", func() {
			c, err := net.Dial("tcp", s.addr)
			Expect(err).NotTo(HaveOccurred())
			defer c.Close()
			_, err = io.WriteString(c, "GET /zero HTTP/1.1\r\nHost: t\r\n\r\nGET /zero HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
			Expect(err).NotTo(HaveOccurred())
			Expect(c.SetReadDeadline(time.Now().Add(3 * time.Second))).To(Succeed())
			all, err := io.ReadAll(c)
			Expect(err).NotTo(HaveOccurred(), "a clean FIN, not a reset")
			Expect(bytes.Count(all, []byte("HTTP/1.1 200 OK"))).To(Equal(2))
			Expect(bytes.Count(all, []byte(backendBody))).To(Equal(2))
			Expect(string(all)).NotTo(ContainSubstring("X-Mockd-Fault"))
		})
	})

	Describe("hang", func() {
		It("sends nothing until its max, then FIN; Go times out awaiting headers", func() {
			start := time.Now()
			b, err := s.raw("hang=400ms", 10*time.Second)
			Expect(b).To(BeEmpty())
			Expect(err).To(MatchError(io.EOF))
			Expect(time.Since(start)).To(BeNumerically(">=", 400*time.Millisecond))
			Expect(s.outcome().End).To(Equal(fault.EndHung))

			s.client.Timeout = 200 * time.Millisecond
			_, err = s.get("hang")
			Expect(err).To(MatchError(ContainSubstring("Client.Timeout exceeded while awaiting headers")))
			Expect(s.outcome().End).To(Equal(fault.EndClientAborted), "stops waiting when the client leaves")
		})
	})

	Describe("garbage", func() {
		It("sends seeded bytes that are no status line, then FIN; Go sees malformed HTTP response", func() {
			b, err := s.raw("garbage=40", 10*time.Second)
			Expect(err).To(MatchError(io.EOF))
			Expect(b).To(HaveLen(40))
			Expect(bytes.HasPrefix(b, []byte("HTTP/"))).To(BeFalse())
			again, _ := s.raw("garbage=40", 10*time.Second)
			Expect(again).To(Equal(b), "same seed, same header → same bytes")
			_, err = s.get("garbage")
			Expect(err).To(MatchError(ContainSubstring("malformed HTTP response")))
		})
	})

	Describe("truncate", func() {
		It("declares Content-Length L, sends fewer bytes, then FIN; Go sees unexpected EOF", func() {
			b, err := s.raw("truncate.bytes=10", 10*time.Second)
			Expect(err).To(MatchError(io.EOF))
			head, body := splitHead(b)
			Expect(head).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
			Expect(head).To(ContainSubstring("Content-Length: " + strconv.Itoa(len(backendBody))))
			Expect(head).To(ContainSubstring("X-Mockd-Fault: header/truncate"))
			Expect(string(body)).To(Equal(backendBody[:10]))
			o := s.outcome()
			Expect(o.End).To(Equal(fault.EndFIN))
			Expect(o.BytesWritten).To(Equal(int64(10)))

			resp, err := s.get("truncate")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_, err = io.ReadAll(resp.Body)
			Expect(err).To(MatchError(io.ErrUnexpectedEOF))
		})
		It("ends with RST when end is reset; Go sees a reset", func() {
			b, err := s.raw("truncate.bytes=5; truncate.end=reset", 10*time.Second)
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "got %v", err)
			Expect(len(b)).To(BeNumerically("<", 200+len(backendBody)))
			Expect(s.outcome().End).To(Equal(fault.EndRST))
			resp, err := s.get("truncate.end=reset")
			if err == nil {
				_, err = io.ReadAll(resp.Body)
			}
			Expect(err).To(MatchError(ContainSubstring("connection reset by peer")))
		})
		It("sends Fraction of the body when set from the Go API (Bytes left at 0)", func() {
			Expect(s.engine.SetRules(&fault.RuleSet{Rules: []fault.Rule{{Name: "half",
				Fault: &fault.Fault{Truncate: &fault.Truncate{Fraction: 0.5}}}}})).To(Succeed())
			b, err := s.raw("", 10*time.Second)
			Expect(err).To(MatchError(io.EOF))
			_, body := splitHead(b)
			Expect(string(body)).To(Equal(backendBody[:len(backendBody)/2]))
			Expect(s.outcome().BytesWritten).To(Equal(int64(len(backendBody) / 2)))
		})
		It("composes with latency", func() {
			start := time.Now()
			resp, err := s.get("latency=150ms; truncate")
			Expect(err).NotTo(HaveOccurred())
			Expect(time.Since(start)).To(BeNumerically(">=", 150*time.Millisecond))
			_, err = io.ReadAll(resp.Body)
			Expect(err).To(MatchError(io.ErrUnexpectedEOF))
			Expect(resp.Header.Get("X-Mockd-Fault")).To(Equal("header/latency+truncate"))
		})
	})

	Describe("malformed_chunk", func() {
		It("sends chunked encoding with an invalid chunk, then FIN; Go sees a body error", func() {
			b, err := s.raw("malformed_chunk", 10*time.Second)
			Expect(err).To(MatchError(io.EOF))
			head, body := splitHead(b)
			Expect(head).To(HavePrefix("HTTP/1.1 200 OK\r\n"))
			Expect(head).To(ContainSubstring("Transfer-Encoding: chunked"))
			Expect(head).NotTo(ContainSubstring("Content-Length"))
			half := backendBody[:len(backendBody)/2]
			Expect(string(body)).To(Equal(fmt.Sprintf("%x\r\n%s\r\nzz\r\nnot a chunk\r\n", len(half), half)))
			resp, err := s.get("malformed_chunk")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(200))
			_, err = io.ReadAll(resp.Body)
			Expect(err).To(MatchError(ContainSubstring("invalid byte in chunk length")))
		})
	})

	Describe("stall_body", func() {
		It("sends headers at once and then no body bytes; Go's deadline fires while reading the body", func() {
			c, err := net.Dial("tcp", s.addr)
			Expect(err).NotTo(HaveOccurred())
			defer c.Close()
			_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: t\r\nX-Mockd-Fault: stall_body=2s\r\n\r\n")
			Expect(err).NotTo(HaveOccurred())
			br := bufio.NewReader(c)
			Expect(c.SetReadDeadline(time.Now().Add(time.Second))).To(Succeed())
			resp, err := http.ReadResponse(br, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.ContentLength).To(Equal(int64(len(backendBody))))
			Expect(c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))).To(Succeed())
			n, err := br.Read(make([]byte, 10))
			Expect(n).To(Equal(0))
			Expect(isTimeout(err)).To(BeTrue(), "got %v", err)
			c.Close()
			Expect(s.outcome().End).To(Equal(fault.EndClientAborted))

			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
			r.Header.Set("X-Mockd-Fault", "stall_body")
			resp, err = s.client.Do(r)
			Expect(err).NotTo(HaveOccurred())
			_, err = io.ReadAll(resp.Body)
			Expect(err).To(MatchError(context.DeadlineExceeded))
		})
	})

	Describe("dribble and throttle", func() {
		It("dribbles the whole body over the duration", func() {
			start := time.Now()
			resp, err := s.get("dribble.chunks=4; dribble.duration=400ms")
			Expect(err).NotTo(HaveOccurred())
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(body)).To(Equal(backendBody))
			Expect(time.Since(start)).To(BeNumerically(">=", 380*time.Millisecond))
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		})
		It("throttles the body to bytes per second", func() {
			start := time.Now()
			resp, err := s.get("throttle=150")
			Expect(err).NotTo(HaveOccurred())
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(body)).To(Equal(backendBody))
			// len(body) ≈ 75 bytes at 150 B/s ≈ 0.5 s (the last slice is not waited for)
			Expect(time.Since(start)).To(BeNumerically(">=", 350*time.Millisecond))
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		})
	})

	Describe("status and Retry-After", func() {
		It("replaces the response with a problem+json 503 and Retry-After", func() {
			resp, err := s.get("status=503; retry_after=2")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(503))
			Expect(resp.Header.Get("Retry-After")).To(Equal("2"))
			Expect(resp.Header.Get("X-Mockd-Fault")).To(Equal("header/status+retry_after"))
			Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
			var p map[string]any
			Expect(json.NewDecoder(resp.Body).Decode(&p)).To(Succeed())
			Expect(p["status"]).To(BeNumerically("==", 503))
			Expect(s.outcome().Status).To(Equal(503))
		})
		DescribeTable("Retry-After values as sent",
			func(h, want string) {
				resp, err := s.get("status=429; retry_after=" + h)
				Expect(err).NotTo(HaveOccurred())
				Expect(resp.StatusCode).To(Equal(429))
				Expect(resp.Header.Get("Retry-After")).To(Equal(want))
			},
			Entry("zero", "0", "0"),
			Entry("past date", "past", "Sun, 06 Nov 1994 08:49:37 GMT"),
			Entry("explicit date", "Wed, 21 Oct 2037 07:28:00 GMT", "Wed, 21 Oct 2037 07:28:00 GMT"),
			Entry("huge", "huge", "31536000000"),
			Entry("invalid", "invalid", "soon"),
		)
		It("sends custom headers and body", func() {
			resp, err := s.get("status.code=418; status.body=short and stout")
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			Expect(resp.StatusCode).To(Equal(418))
			Expect(string(body)).To(Equal("short and stout"))
		})
		It("composes latency with 503", func() {
			start := time.Now()
			resp, err := s.get("latency=200ms; status=503")
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.StatusCode).To(Equal(503))
			Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
		})
		It("stops waiting out latency when the client leaves", func() {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
			r.Header.Set("X-Mockd-Fault", "latency=3s")
			start := time.Now()
			_, err := s.client.Do(r)
			Expect(err).To(MatchError(context.DeadlineExceeded))
			o := s.outcome()
			Expect(o.End).To(Equal(fault.EndClientAborted))
			Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		})
		It("faults only reused connections when the rule says so", func() {
			c, err := net.Dial("tcp", s.addr)
			Expect(err).NotTo(HaveOccurred())
			defer c.Close()
			_, err = io.WriteString(c, "GET /reused HTTP/1.1\r\nHost: t\r\n\r\nGET /reused HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
			Expect(err).NotTo(HaveOccurred())
			Expect(c.SetReadDeadline(time.Now().Add(3 * time.Second))).To(Succeed())
			all, _ := io.ReadAll(c)
			first := bytes.Index(all, []byte("HTTP/1.1 200 OK"))
			second := bytes.Index(all, []byte("HTTP/1.1 503 Service Unavailable"))
			Expect(first).To(Equal(0))
			Expect(second).To(BeNumerically(">", first))
		})
	})

	Describe("corrupt faults", func() {
		It("changes the content type", func() {
			resp, err := s.get("corrupt=wrong_content_type")
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			Expect(resp.Header.Get("Content-Type")).To(Equal("text/plain; charset=utf-8"))
			Expect(string(body)).To(Equal(backendBody))
		})
		It("breaks the JSON", func() {
			resp, err := s.get("corrupt=invalid_json")
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			Expect(json.Valid(body)).To(BeFalse())
			Expect(string(body)).To(Equal(strings.TrimSuffix(backendBody, "}")))
		})
		It("keeps valid JSON but changes every value's type", func() {
			resp, err := s.get("corrupt=schema_violation")
			Expect(err).NotTo(HaveOccurred())
			body, _ := io.ReadAll(resp.Body)
			var got map[string]any
			Expect(json.Unmarshal(body, &got)).To(Succeed())
			Expect(got).To(HaveKeyWithValue("id", "1"))
			Expect(got).To(HaveKeyWithValue("name", BeNumerically("==", 12345)))
			Expect(got).To(HaveKeyWithValue("ok", "true"))
			Expect(got).To(HaveKeyWithValue("tags", HaveKey("0")))
			Expect(got).To(HaveKeyWithValue("note", BeNumerically("==", 0)))
			Expect(resp.Header.Get("Content-Length")).To(Equal(strconv.Itoa(len(body))))
		})
	})

	Describe("refuse", func() {
		It("takes the listener down for the window (connection refused), then listens again", func() {
			_, err := s.raw("refuse=600ms", 10*time.Second)
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "the triggering connection is reset, got %v", err)
			Expect(s.listener.Refusing()).To(BeTrue())
			_, err = net.Dial("tcp", s.addr)
			Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "got %v", err)
			_, err = s.get("")
			Expect(err).To(MatchError(ContainSubstring("connection refused")))
			Eventually(func() error {
				resp, err := s.get("")
				if err == nil {
					resp.Body.Close()
				}
				return err
			}).WithTimeout(3 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
			Expect(s.listener.Refusing()).To(BeFalse())
		})
	})
})

var _ = Describe("Listener", func() {
	It("refuses for a window with RefuseFor and serves again on the same address", func() {
		l, err := fault.NewListener("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })}
		go func() { _ = hs.Serve(l) }()
		DeferCleanup(hs.Close)
		addr := l.Addr().String()
		done := make(chan error, 1)
		go func() { done <- l.RefuseFor(context.Background(), 300*time.Millisecond) }()
		Eventually(l.Refusing).Should(BeTrue())
		_, err = net.Dial("tcp", addr)
		Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "got %v", err)
		Expect(l.RefuseFor(context.Background(), time.Second)).To(MatchError(fault.ErrRefusing))
		Eventually(done).WithTimeout(3 * time.Second).Should(Receive(BeNil()))
		resp, err := http.Get("http://" + addr)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		Expect(string(body)).To(Equal("ok"))
		Expect(l.Close()).To(Succeed())
		_, err = l.Accept()
		Expect(err).To(MatchError(net.ErrClosed))
	})
})

var _ = Describe("Serve without a hijackable writer", func() {
	It("answers 500 explaining why a wire fault could not apply", func() {
		e := fault.NewEngine(mustRules("rules:\n  - {name: r, fault: reset}\n"), fault.WithLogger(discardLogger()))
		w := &plainWriter{h: http.Header{}}
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		o := e.Decide(fault.NewRequest(r)).Serve(w, r, nil)
		Expect(o.Status).To(Equal(500))
		Expect(o.Fault).To(ContainSubstring("not applied"))
		Expect(w.body.String()).To(ContainSubstring("hijack"))
	})
})

type plainWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (p *plainWriter) Header() http.Header         { return p.h }
func (p *plainWriter) WriteHeader(c int)           { p.code = c }
func (p *plainWriter) Write(b []byte) (int, error) { return p.body.Write(b) }
