package mockserver_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

const teapotRule = "rules:\n  - name: teapot\n    match: {path: /categories}\n    fault: {status: 418}\n"

// adminDo sends one admin request and returns its status and body.
func adminDo(method, url, contentType, body string, headers ...string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if strings.EqualFold(headers[i], "Host") {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(b)
}

func startServer(opts ...mockserver.Option) (*mockserver.Server, *mockserver.Instance) {
	GinkgoHelper()
	srv := newServer(append([]mockserver.Option{mockserver.SpecFile(bookstore), mockserver.FaultHeader(true)}, opts...)...)
	in, err := srv.Start("127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(in.Close)
	return srv, in
}

var _ = Describe("Admin API safety", func() {
	It("requires the bearer token on every admin request when one is set", func() {
		srv, in := startServer(mockserver.AdminToken("s3cret"))
		for _, auth := range []string{"", "Bearer nope", "s3cret", "Basic s3cret"} {
			status, body := adminDo("GET", in.URL+"/__mockd/requests", "", "", "Authorization", auth)
			Expect(status).To(Equal(http.StatusUnauthorized), auth)
			Expect(body).To(ContainSubstring("Authorization: Bearer"))
		}
		status, _ := adminDo("POST", in.URL+"/__mockd/faults", "application/yaml", teapotRule)
		Expect(status).To(Equal(http.StatusUnauthorized))
		Expect(srv.Faults().Rules()).To(BeEmpty())

		status, _ = adminDo("POST", in.URL+"/__mockd/faults", "application/yaml", teapotRule, "Authorization", "Bearer s3cret")
		Expect(status).To(Equal(http.StatusOK))
		status, _ = adminDo("GET", in.URL+"/__mockd/health", "", "", "Authorization", "Bearer s3cret")
		Expect(status).To(Equal(http.StatusOK))
		status, _ = adminDo("GET", in.URL+"/books", "", "")
		Expect(status).To(Equal(http.StatusOK), "the mock itself needs no token")
	})

	DescribeTable("refuses cross-site writes (CSRF)",
		func(contentType, origin string, want int) {
			srv, in := startServer()
			var headers []string
			if origin != "" {
				headers = []string{"Origin", origin}
			}
			status, body := adminDo("POST", in.URL+"/__mockd/faults", contentType, teapotRule, headers...)
			Expect(status).To(Equal(want), body)
			if want != http.StatusOK {
				Expect(srv.Faults().Rules()).To(BeEmpty())
			}
		},
		Entry("text/plain (a form or fetch without preflight)", "text/plain", "", http.StatusUnsupportedMediaType),
		Entry("a urlencoded form", "application/x-www-form-urlencoded", "", http.StatusUnsupportedMediaType),
		Entry("multipart", "multipart/form-data; boundary=x", "", http.StatusUnsupportedMediaType),
		Entry("no content type with a body", "", "", http.StatusUnsupportedMediaType),
		Entry("YAML from another origin", "application/yaml", "https://evil.example", http.StatusForbidden),
		Entry("a null origin", "application/yaml", "null", http.StatusForbidden),
		Entry("YAML", "application/yaml", "", http.StatusOK),
		Entry("JSON", "application/json", "", http.StatusOK),
	)

	It("accepts a write without a body and a same-origin page", func() {
		_, in := startServer()
		status, _ := adminDo("POST", in.URL+"/__mockd/reset", "", "")
		Expect(status).To(Equal(http.StatusNoContent))
		status, _ = adminDo("POST", in.URL+"/__mockd/reset", "", "", "Origin", in.URL)
		Expect(status).To(Equal(http.StatusNoContent))
	})

	It("checks the Host header on a loopback bind (DNS rebinding)", func() {
		_, in := startServer()
		port := in.Addr()[strings.LastIndex(in.Addr(), ":")+1:]
		status, body := adminDo("GET", in.URL+"/__mockd/requests", "", "", "Host", "rebind.evil.example:"+port)
		Expect(status).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring("DNS rebinding"))
		for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port} {
			status, _ = adminDo("GET", in.URL+"/__mockd/requests", "", "", "Host", host)
			Expect(status).To(Equal(http.StatusOK), host)
		}
		status, _ = adminDo("GET", in.URL+"/books", "", "", "Host", "api.example")
		Expect(status).To(Equal(http.StatusOK), "the mock answers any Host")
	})

	Describe("the admin API on the mock's port", func() {
		It("stays reachable during a refuse window while every other new connection is reset", func() {
			srv, in := startServer(mockserver.AdminToken("t0k"), mockserver.RefuseMax(1500*time.Millisecond))
			// raw sends bytes on a new connection and reads until it ends.
			raw := func(request string) (string, error) {
				conn, err := net.DialTimeout("tcp", in.Addr(), 2*time.Second)
				Expect(err).NotTo(HaveOccurred(), "the port stays bound")
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				_, err = io.WriteString(conn, request)
				Expect(err).NotTo(HaveOccurred())
				b, err := io.ReadAll(conn)
				return string(b), err
			}
			_, err := raw(fmt.Sprintf("GET /books HTTP/1.1\r\nHost: %s\r\nX-Mockd-Fault: refuse=30s\r\n\r\n", in.Addr()))
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "the triggering connection is reset: %v", err)
			opened := time.Now()

			status, body := adminDo("GET", in.URL+"/__mockd/health", "", "", "Authorization", "Bearer t0k")
			Expect(status).To(Equal(http.StatusOK), "the admin API answers during the refuse window")
			Expect(body).To(ContainSubstring(`"status": "ok"`))
			status, _ = adminDo("GET", in.URL+"/__mockd/health", "", "")
			Expect(status).To(Equal(http.StatusUnauthorized), "the admin checks still apply")
			status, _ = adminDo("POST", in.URL+"/__mockd/faults", "application/yaml", teapotRule, "Authorization", "Bearer t0k")
			Expect(status).To(Equal(http.StatusOK), "an admin write goes through")

			out, err := raw(fmt.Sprintf("GET /books HTTP/1.1\r\nHost: %s\r\n\r\n", in.Addr()))
			Expect(out).To(BeEmpty(), "no byte of a response")
			Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "a mock request's connection is reset: %v", err)
			_, err = (&http.Client{Timeout: 5 * time.Second}).Get(in.URL + "/books")
			Expect(err).To(MatchError(ContainSubstring("connection reset by peer")))
			// An admitted connection is closed after its admin answer: it
			// cannot carry a mock request through the window.
			out, err = raw(fmt.Sprintf("GET /__mockd/health HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer t0k\r\n\r\n"+
				"GET /books HTTP/1.1\r\nHost: %[1]s\r\n\r\n", in.Addr()))
			Expect(err).NotTo(HaveOccurred())
			Expect(strings.Count(out, "HTTP/1.1 ")).To(Equal(1), out)
			Expect(out).To(ContainSubstring("Connection: close"))
			Expect(time.Since(opened)).To(BeNumerically("<", time.Second), "all of the above within the window")
			Expect(srv.Faults().Rules()).To(HaveLen(1))

			// The window (30 s, cut to the 1.5 s max) ends: the mock answers again.
			Eventually(func() error {
				_, err := (&http.Client{Timeout: time.Second}).Get(in.URL + "/books")
				return err
			}).WithTimeout(5 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
			Expect(srv.Journal().Len()).To(Equal(2), "the trigger and the request after the window; reset connections never became requests")
		})
	})

	Describe("a separate admin address", func() {
		It("keeps the admin API reachable while the mock's port refuses, and bounds the window", func() {
			srv, in := startServer(mockserver.AdminAddr("127.0.0.1:0"), mockserver.RefuseMax(300*time.Millisecond))
			Expect(in.AdminURL).NotTo(Equal(in.URL))
			status, _ := adminDo("GET", in.URL+"/__mockd/health", "", "")
			Expect(status).To(Equal(http.StatusNotFound), "no admin API on the mock's port")
			status, _ = adminDo("GET", in.AdminURL+"/books", "", "")
			Expect(status).To(Equal(http.StatusNotFound), "no mock on the admin port")

			conn, err := net.DialTimeout("tcp", in.Addr(), 2*time.Second)
			Expect(err).NotTo(HaveOccurred())
			_, err = fmt.Fprintf(conn, "GET /books HTTP/1.1\r\nHost: %s\r\nX-Mockd-Fault: refuse=1h\r\n\r\n", in.Addr())
			Expect(err).NotTo(HaveOccurred())
			_, _ = io.ReadAll(conn)
			_ = conn.Close()

			_, err = net.DialTimeout("tcp", in.Addr(), 2*time.Second)
			Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "the mock's port refuses: %v", err)
			status, body := adminDo("GET", in.AdminURL+"/__mockd/health", "", "")
			Expect(status).To(Equal(http.StatusOK), "the admin API answers during the refuse window")
			Expect(body).To(ContainSubstring(`"status": "ok"`))

			// refuse=1h was cut to the 300 ms max: the port listens again.
			Eventually(func() error {
				c, err := net.DialTimeout("tcp", in.Addr(), time.Second)
				if err == nil {
					_ = c.Close()
				}
				return err
			}).WithTimeout(5 * time.Second).Should(Succeed())
			Expect(srv.Journal().Len()).To(Equal(1))
		})
	})

	It("warns at start-up when the admin API is exposed without a token", func() {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		Expect(mockserver.WarnExposedForTest(logger, &net.TCPAddr{IP: net.IPv4zero, Port: 4010}, "")).To(BeTrue())
		Expect(logs.String()).To(ContainSubstring("admin API is reachable from the network without a token"))
		Expect(mockserver.WarnExposedForTest(logger, &net.TCPAddr{IP: net.IPv4zero, Port: 4010}, "t")).To(BeFalse())
		Expect(mockserver.WarnExposedForTest(logger, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4010}, "")).To(BeFalse())
		Expect(mockserver.WarnExposedForTest(logger, &net.TCPAddr{IP: net.IPv6loopback, Port: 4010}, "")).To(BeFalse())
	})
})
