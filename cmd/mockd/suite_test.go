package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

func TestMockd(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cmd/mockd")
}

// bookstore is the example spec, relative to this package.
const bookstore = "../../fixtures/bookstore.yaml"

// mockdBin is the mockd binary built once for the process tests.
var mockdBin string

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(5 * time.Second)
	SetDefaultEventuallyPollingInterval(20 * time.Millisecond)
	var err error
	mockdBin, err = gexec.Build("github.com/mockd/mockd/cmd/mockd")
	Expect(err).NotTo(HaveOccurred(), "go build ./cmd/mockd")
})

var _ = AfterSuite(func() {
	gexec.CleanupBuildArtifacts()
})

// listenLine matches the start-up line that carries the listen URL.
var listenLine = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

// instance is one `mockd serve` running in-process through run().
type instance struct {
	base   string
	out    *gbytes.Buffer
	errOut *gbytes.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startRun calls run(ctx, ["serve", args...]) in a goroutine, waits until it
// prints its listen URL and registers a cleanup that stops it and expects
// exit code 0.
func startRun(args ...string) *instance {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	inst := &instance{out: gbytes.NewBuffer(), errOut: gbytes.NewBuffer(), cancel: cancel, done: make(chan int, 1)}
	go func() {
		defer GinkgoRecover()
		inst.done <- run(ctx, append([]string{"serve"}, args...), inst.out, inst.errOut)
	}()
	Eventually(func() string {
		select {
		case code := <-inst.done:
			StopTrying(fmt.Sprintf("mockd serve exited with %d before listening\nstdout:\n%s\nstderr:\n%s",
				code, inst.out.Contents(), inst.errOut.Contents())).Now()
		default:
		}
		if m := listenLine.FindSubmatch(inst.out.Contents()); m != nil {
			return string(m[1])
		}
		return ""
	}).ShouldNot(BeEmpty(), "mockd serve never printed its listen URL")
	inst.base = string(listenLine.FindSubmatch(inst.out.Contents())[1])
	DeferCleanup(func() {
		Expect(inst.stop()).To(Equal(0))
	})
	return inst
}

// stop cancels the run context and returns the exit code (once; later calls
// return 0 again without waiting).
func (inst *instance) stop() int {
	GinkgoHelper()
	if inst.cancel == nil {
		return 0
	}
	inst.cancel()
	inst.cancel = nil
	var code int
	Eventually(inst.done).Should(Receive(&code), "run did not return within 5 s of cancellation")
	return code
}

// runOnce calls run for a command that returns on its own (bad flags,
// version, help...) and gives the exit code and both outputs.
func runOnce(args ...string) (code int, stdout, stderr string) {
	GinkgoHelper()
	out, errOut := gbytes.NewBuffer(), gbytes.NewBuffer()
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer GinkgoRecover()
		done <- run(ctx, args, out, errOut)
	}()
	Eventually(done, 10*time.Second).Should(Receive(&code), "run %q did not return", args)
	return code, string(out.Contents()), string(errOut.Contents())
}

// client does not reuse connections, so no test sees another's keep-alive.
func newClient() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

// get sends a GET with optional header pairs and returns status, headers and body.
func get(url string, headers ...string) (int, http.Header, string) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return do(req)
}

func do(req *http.Request) (int, http.Header, string) {
	GinkgoHelper()
	resp, err := newClient().Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, resp.Header, string(b)
}

// writeSpec writes content into a fresh temp dir and returns its path.
func writeSpec(name, content string) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), name)
	Expect(os.WriteFile(path, []byte(strings.TrimLeft(content, "\n")), 0o644)).To(Succeed())
	return path
}
