package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// refuseNow sends a request asking for a refuse window on addr (host:port)
// and expects its connection to be reset.
func refuseNow(addr string) {
	GinkgoHelper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = fmt.Fprintf(c, "GET /books HTTP/1.1\r\nHost: %s\r\nX-Mockd-Fault: refuse=30s\r\n\r\n", addr)
	Expect(err).NotTo(HaveOccurred())
	_, err = io.ReadAll(c)
	Expect(errors.Is(err, syscall.ECONNRESET)).To(BeTrue(), "the triggering connection is reset: %v", err)
}

var _ = Describe("mockd serve: refuse windows and the admin API", func() {
	It("keeps the admin API up on a shared port: mock connections are reset, and the log says how to get refusals", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--fault-header", "--refuse-max", "1s")
		addr := strings.TrimPrefix(inst.base, "http://")
		refuseNow(addr)
		status, _, body := get(inst.base + "/__mockd/health")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`"status": "ok"`))
		_, err := newClient().Get(inst.base + "/books")
		Expect(err).To(MatchError(ContainSubstring("connection reset by peer")))
		Expect(string(inst.errOut.Contents())).To(ContainSubstring("pass --admin-addr (Go: mockserver.AdminAddr) for true connection-refused windows"))
		Eventually(func() error { _, err := newClient().Get(inst.base + "/books"); return err }).Should(Succeed())
	})

	It("closes the mock's port for the window with --admin-addr (connection refused) while the admin address answers", func() {
		inst := startRun("--spec", bookstore, "--port", "0", "--fault-header", "--refuse-max", "1s", "--admin-addr", "127.0.0.1:0")
		admin := regexp.MustCompile(`admin: (http://127\.0\.0\.1:\d+)/__mockd/health`).FindStringSubmatch(string(inst.out.Contents()))
		Expect(admin).NotTo(BeNil())
		addr := strings.TrimPrefix(inst.base, "http://")
		refuseNow(addr)
		_, err := net.DialTimeout("tcp", addr, 2*time.Second)
		Expect(errors.Is(err, syscall.ECONNREFUSED)).To(BeTrue(), "got %v", err)
		status, _, _ := get(admin[1] + "/__mockd/health")
		Expect(status).To(Equal(http.StatusOK))
		Expect(string(inst.errOut.Contents())).NotTo(ContainSubstring("--admin-addr"))
		Eventually(func() error { _, err := newClient().Get(inst.base + "/books"); return err }).Should(Succeed())
	})
})
