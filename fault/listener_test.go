package fault_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/mockd/mockd/fault"
)

var _ = Describe("Listener refuse max", func() {
	It("cuts a refuse window to the maximum and says so", func() {
		l, err := fault.NewListener("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(l.Close)
		var logs bytes.Buffer
		l.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
		l.SetRefuseMax(50 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		Expect(l.RefuseFor(ctx, time.Hour)).To(Succeed())
		Expect(ctx.Err()).NotTo(HaveOccurred(), "RefuseFor returned because of the max, not the context")
		Expect(l.Refusing()).To(BeFalse())
		Expect(logs.String()).To(ContainSubstring("refuse window cut to the maximum"))
	})

})

var _ = Describe("Listener with a refuse gate", func() {
	var (
		l    *fault.Listener
		addr string
		logs *gbytes.Buffer
	)
	BeforeEach(func() {
		var err error
		l, err = fault.NewListener("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		logs = gbytes.NewBuffer()
		l.SetLogger(slog.New(slog.NewTextHandler(logs, nil)))
		l.SetRefuseGate(fault.RefuseGate{
			Admit:   func(line []byte) bool { return bytes.HasPrefix(line, []byte("GET /open")) },
			Timeout: 300 * time.Millisecond,
			Hint:    "use the other door",
		})
		hs := &http.Server{
			ConnContext: func(ctx context.Context, c net.Conn) context.Context {
				return context.WithValue(ctx, gatedKey{}, fault.AcceptedDuringRefuse(c))
			},
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = fmt.Fprintf(w, "served %s gated=%v", r.URL.Path, r.Context().Value(gatedKey{}))
			}),
			ErrorLog: log.New(io.Discard, "", 0),
		}
		go func() { _ = hs.Serve(l) }()
		DeferCleanup(hs.Close)
		addr = l.Addr().String()
	})

	// send writes a request on a new connection and returns what came back
	// and the read error that ended it.
	send := func(request string) (string, error) {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		Expect(err).NotTo(HaveOccurred(), "the socket stays bound during a gated window")
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, request); err != nil {
			return "", err // reset while still writing (a long line)
		}
		b, err := io.ReadAll(c)
		return string(b), err
	}

	It("serves what the gate admits, resets the rest before a byte is written, and serves all again after the window", func() {
		// A connection served before the window is not affected. It must be
		// accepted first (one answered request), not merely dialled: a
		// connection still in the accept backlog when the window opens is
		// gated like any new one.
		before, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer before.Close()
		_, err = io.WriteString(before, "GET /warm HTTP/1.1\r\nHost: h\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		warm, err := http.ReadResponse(bufio.NewReader(before), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = io.Copy(io.Discard, warm.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(warm.Body.Close()).To(Succeed())

		done := make(chan error, 1)
		go func() { done <- l.RefuseFor(context.Background(), 2*time.Second) }()
		Eventually(l.Refusing).Should(BeTrue())

		out, err := send("GET /open/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("HTTP/1.1 200"))
		Expect(out).To(HaveSuffix("served /open/x gated=true"))

		for _, request := range []string{
			"GET /closed HTTP/1.1\r\nHost: h\r\n\r\n",
			"GET /ope", // an incomplete line, then nothing until the gate's timeout
			"",         // nothing at all
			"GET /" + strings.Repeat("x", fault.MaxGatePeek) + " HTTP/1.1\r\n\r\n", // no line end within the bound
		} {
			out, err := send(request)
			Expect(out).To(BeEmpty(), "no byte before the reset: %.40q", request)
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "%.40q: want connection reset, got %v", request, err)
		}
		_, err = fmt.Fprintf(before, "GET /closed HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		b, err := io.ReadAll(before)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(b)).To(HaveSuffix("served /closed gated=false"))

		Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
		Expect(l.Refusing()).To(BeFalse())
		out, err = send("GET /closed HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HaveSuffix("served /closed gated=false"))
		Expect(string(logs.Contents())).To(ContainSubstring("others are reset (connection reset by peer), not refused"))
		Expect(string(logs.Contents())).To(ContainSubstring("use the other door"))
		Expect(string(logs.Contents())).To(ContainSubstring("connections_reset=4"))
	})

	It("closes the socket again when the gate is turned off", func() {
		l.SetRefuseGate(fault.RefuseGate{})
		done := make(chan error, 1)
		go func() { done <- l.RefuseFor(context.Background(), 300*time.Millisecond) }()
		Eventually(l.Refusing).Should(BeTrue())
		_, err := net.Dial("tcp", addr)
		Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "got %v", err)
		Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
	})
})

type gatedKey struct{}
