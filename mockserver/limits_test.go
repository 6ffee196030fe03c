package mockserver_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

var _ = Describe("server limits (Start)", func() {
	start := func(l mockserver.ServerLimits) string {
		srv, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.Limits(l))
		Expect(err).NotTo(HaveOccurred())
		in, err := srv.Start("127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(in.Close)
		return in.Addr()
	}
	get := func(c net.Conn, br *bufio.Reader) (*http.Response, error) {
		_, err := io.WriteString(c, "GET /books HTTP/1.1\r\nHost: x\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		return resp, err
	}

	It("closes idle keep-alive connections after IdleTimeout", func() {
		addr := start(mockserver.ServerLimits{IdleTimeout: 50 * time.Millisecond})
		c, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer c.Close()
		br := bufio.NewReader(c)
		_, err = get(c, br)
		Expect(err).NotTo(HaveOccurred())
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = br.ReadByte()
		Expect(err).To(MatchError(io.EOF), "the idle connection must be closed by mockd")
	})

	It("does not serve connection N+1 while N are held, and serves it when one closes", func() {
		addr := start(mockserver.ServerLimits{MaxConns: 2})
		var held []net.Conn
		for range 2 {
			c, err := net.Dial("tcp", addr)
			Expect(err).NotTo(HaveOccurred())
			defer c.Close()
			_, err = get(c, bufio.NewReader(c))
			Expect(err).NotTo(HaveOccurred())
			held = append(held, c)
		}
		extra, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer extra.Close()
		_, err = io.WriteString(extra, "GET /books HTTP/1.1\r\nHost: x\r\n\r\n")
		Expect(err).NotTo(HaveOccurred())
		br := bufio.NewReader(extra)
		_ = extra.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, err = br.ReadByte()
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeTrue(), "connection 3 of a cap of 2 was served: %v", err)
		Expect(held[0].Close()).To(Succeed())
		_ = extra.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	})

	It("ends a stalled request body with an error instead of waiting for it", func() {
		addr := start(mockserver.ServerLimits{BodyReadTimeout: 100 * time.Millisecond})
		c, err := net.Dial("tcp", addr)
		Expect(err).NotTo(HaveOccurred())
		defer c.Close()
		_, err = io.WriteString(c, "POST /books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{")
		Expect(err).NotTo(HaveOccurred())
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = io.ReadAll(c) // mockd answers (or closes) once the body read fails
		var ne net.Error
		Expect(errors.As(err, &ne) && ne.Timeout()).To(BeFalse(), "mockd kept waiting for the declared 1 GB body")
	})
})

var _ = Describe("regex time budget", func() {
	It("serves a request whose pattern check ran out of time, saying it was not checked", func() {
		srv, err := mockserver.New(mockserver.SpecBytes([]byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: array, items: {type: string, pattern: '^(?=a)(a+)+$'}}
      responses:
        "204": {description: stored}
`)))
		Expect(err).NotTo(HaveOccurred())
		item := `"` + strings.Repeat("a", 40) + `!"`
		body := "[" + strings.TrimSuffix(strings.Repeat(item+",", 50), ",") + "]"
		resp := call(srv, "POST", "/items", body, "Content-Type", "application/json")
		Expect(resp.StatusCode).To(Equal(http.StatusNoContent))
		Expect(resp.Header.Get(mockserver.NotCheckedHeader)).To(ContainSubstring("not checked"))
	})
})
