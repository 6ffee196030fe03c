package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

// startProcess runs the built binary with args and waits for its listen URL.
// A cleanup kills it if a test left it running.
func startProcess(args ...string) (*gexec.Session, string) {
	GinkgoHelper()
	session, err := gexec.Start(exec.Command(mockdBin, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { session.Kill().Wait(5 * time.Second) })
	Eventually(session.Out).Should(gbytes.Say(`listening on http://127\.0\.0\.1:\d+`), "mockd never listened")
	m := listenLine.FindSubmatch(session.Out.Contents())
	Expect(m).NotTo(BeNil())
	return session, string(m[1])
}

var _ = Describe("mockd (the built binary)", func() {
	It("serves the bookstore until SIGTERM and then exits 0", func() {
		session, base := startProcess("serve", "--spec", bookstore, "--port", "0", "--seed", "42")
		Eventually(session.Out).Should(gbytes.Say(`try: curl -i `))
		status, _, body := get(base + "/books/featured")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring("Introduction to Algorithms"))

		session.Signal(syscall.SIGTERM)
		Eventually(session.Out).Should(gbytes.Say("mockd: shutting down"))
		Eventually(session, 5*time.Second).Should(gexec.Exit(0))
	})

	It("shuts down on SIGINT with exit code 0", func() {
		session, _ := startProcess("serve", "--spec", bookstore, "--port", "0")
		session.Signal(os.Interrupt)
		Eventually(session.Out).Should(gbytes.Say("mockd: shutting down"))
		Eventually(session, 5*time.Second).Should(gexec.Exit(0))
	})

	DescribeTable("completes an in-flight request before exiting",
		func(sig os.Signal) {
			session, base := startProcess("serve", "--spec", bookstore, "--port", "0")
			conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 2*time.Second)
			Expect(err).NotTo(HaveOccurred())
			defer conn.Close()
			Expect(conn.SetDeadline(time.Now().Add(8 * time.Second))).To(Succeed())

			// Send the headers and half of the body: the handler is now
			// blocked reading the rest, so the request is in flight.
			half := len(validBook) / 2
			_, err = fmt.Fprintf(conn, "POST /books HTTP/1.1\r\nHost: mockd\r\nAuthorization: Bearer t\r\n"+
				"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(validBook), validBook[:half])
			Expect(err).NotTo(HaveOccurred())
			time.Sleep(200 * time.Millisecond)

			session.Signal(sig)
			Eventually(session.Out).Should(gbytes.Say("mockd: shutting down"))
			Consistently(session, 500*time.Millisecond).ShouldNot(gexec.Exit(), "mockd exited with a request in flight")

			_, err = conn.Write([]byte(validBook[half:]))
			Expect(err).NotTo(HaveOccurred())
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			Expect(resp.StatusCode).To(Equal(http.StatusCreated))
			Eventually(session, 5*time.Second).Should(gexec.Exit(0))
		},
		Entry("SIGTERM", syscall.SIGTERM),
		Entry("SIGINT", os.Interrupt),
	)

	It("exits 0 promptly on SIGTERM while a hang fault holds a request", func() {
		session, base := startProcess("serve", "--spec", bookstore, "--port", "0", "--fault-header")
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 2*time.Second)
		Expect(err).NotTo(HaveOccurred())
		defer conn.Close()
		_, err = fmt.Fprintf(conn, "GET /books HTTP/1.1\r\nHost: %s\r\nX-Mockd-Fault: hang\r\n\r\n", strings.TrimPrefix(base, "http://"))
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() string { _, _, body := get(base + "/__mockd/health"); return body }).
			Should(MatchRegexp(`"in_flight":\s*1\b`), "the hang request never arrived")

		session.Signal(syscall.SIGTERM)
		Eventually(session.Out).Should(gbytes.Say("mockd: shutting down"))
		// The grace period is 2 s; before the fix it waited 5 s and exited 1.
		Eventually(session, 4*time.Second).Should(gexec.Exit(0))
	})

	DescribeTable("exit codes and messages",
		func(wantCode int, want string, args ...string) {
			session, err := gexec.Start(exec.Command(mockdBin, args...), GinkgoWriter, GinkgoWriter)
			Expect(err).NotTo(HaveOccurred())
			Eventually(session, 5*time.Second).Should(gexec.Exit(wantCode))
			Expect(string(session.Out.Contents()) + string(session.Err.Contents())).To(ContainSubstring(want))
		},
		Entry("help", 0, "mockd serve --spec FILE [flags]", "help"),
		Entry("unknown command", 2, `unknown command "nope"`, "nope"),
		Entry("unknown flag", 2, "mockd serve: unknown flag --nope\nRun 'mockd serve --help' for usage.", "serve", "--nope"),
		Entry("serve --help", 0, "Usage: mockd serve --spec FILE [flags]", "serve", "--help"),
		Entry("missing --spec", 2, "mockd serve: --spec FILE", "serve"),
		Entry("bad --seed", 2, `--seed "x"`, "serve", "--spec", bookstore, "--seed", "x"),
		Entry("port out of range", 2, "--port 99999: invalid port", "serve", "--spec", bookstore, "--port", "99999"),
		Entry("negative port", 2, "--port -1: invalid port", "serve", "--spec", bookstore, "--port", "-1"),
		Entry("record port out of range", 2, "mockd record: --port 70000: invalid port", "record", "--upstream", "http://127.0.0.1:1", "--cassette", "x.yaml", "--port", "70000"),
		Entry("missing spec file", 1, "load spec missing.yaml: open missing.yaml", "serve", "--spec", "missing.yaml"),
	)

	It("prints a version whether or not the build was stamped from git", func() {
		// go build stamps "v0.0.0-<date>-<commit>" with -buildvcs=auto in a git
		// checkout and nothing with -buildvcs=false: both are fine, nothing else is.
		out, err := exec.Command(mockdBin, "version").Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(MatchRegexp(`^mockd (dev|v\d+\.\d+\.\d+\S*)\n$`))
	})

	It("exits 1 naming the file and line of a malformed spec", func() {
		path := writeSpec("broken.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: [unclosed\n")
		session, err := gexec.Start(exec.Command(mockdBin, "serve", "--spec", path, "--port", "0"), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(session, 5*time.Second).Should(gexec.Exit(1))
		Expect(session.Err).To(gbytes.Say(`mockd: load spec .*broken\.yaml:4:7: `))
	})

	It("exits 1 with a clear error when the port is in use", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
		session, err := gexec.Start(exec.Command(mockdBin, "serve", "--spec", bookstore, "--port", port), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(session, 5*time.Second).Should(gexec.Exit(1))
		Expect(session.Err).To(gbytes.Say(`mockd: listen on 127\.0\.0\.1:` + port + `: .*address already in use.*is another server using the port\?`))
	})
})
