package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/mockd/mockd/recorder"
)

var _ = Describe("mockd record, then mockd serve --cassette", func() {
	It("records through the proxy with secrets redacted, and replays offline", func() {
		upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"path":%q,"n":%d}`, r.URL.Path, len(r.URL.RawQuery))
		}))
		defer upstream.Close()
		cassettePath := filepath.Join(GinkgoT().TempDir(), "api.yaml")

		ctx, cancel := context.WithCancel(context.Background())
		out, errOut := gbytes.NewBuffer(), gbytes.NewBuffer()
		done := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			done <- run(ctx, []string{"record", "--upstream", upstream.URL, "--cassette", cassettePath,
				"--port", "0", "--spec", bookstore, "--redact-header", "X-Session"}, out, errOut)
		}()
		Eventually(out).Should(gbytes.Say(`listening on (http://127\.0\.0\.1:\d+)`))
		base := string(listenLine.FindSubmatch(out.Contents())[1])

		secrets := []string{"b3arer-tok", "qu3ry-key", "h3ader-key", "s3ssion"}
		paths := []string{"/books/featured", "/books?api_key=" + secrets[1], "/authors/1"}
		bodies := map[string]string{}
		for _, p := range paths {
			req, _ := http.NewRequest("GET", base+p, nil)
			req.Header.Set("Authorization", "Bearer "+secrets[0])
			req.Header.Set("X-Api-Key", secrets[2])
			req.Header.Set("X-Session", secrets[3])
			status, _, body := do(req)
			Expect(status).To(Equal(200))
			bodies[p] = body
		}
		cancel()
		var code int
		Eventually(done, 10*time.Second).Should(Receive(&code))
		Expect(code).To(Equal(0), string(errOut.Contents()))
		Expect(string(out.Contents())).To(ContainSubstring("3 interactions in " + cassettePath))

		raw, err := os.ReadFile(cassettePath)
		Expect(err).NotTo(HaveOccurred())
		for _, s := range secrets {
			Expect(string(raw)).NotTo(ContainSubstring(s))
			Expect(string(out.Contents()) + string(errOut.Contents())).NotTo(ContainSubstring(s))
		}
		c, err := recorder.LoadFile(cassettePath)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Interactions).To(HaveLen(3))

		upstream.Close() // offline from here on
		inst := startRun("--cassette", cassettePath, "--port", "0")
		for _, p := range paths {
			status, _, body := get(inst.base + strings.Replace(p, secrets[1], "anything", 1))
			Expect(status).To(Equal(200), p)
			Expect(body).To(Equal(bodies[p]), p)
		}
		status, h, body := get(inst.base + "/never-recorded")
		Expect(status).To(Equal(404))
		Expect(h.Get("Content-Type")).To(Equal("application/problem+json"))
		Expect(body).To(ContainSubstring(`"closest"`))
	})

	It("refuses a cassette it cannot load, naming the file", func() {
		bad := filepath.Join(GinkgoT().TempDir(), "bad.yaml")
		Expect(os.WriteFile(bad, []byte("version: 2\ninteractions:\n  - request: {method: GET\n"), 0o600)).To(Succeed())
		code, _, stderr := runOnce("serve", "--cassette", bad, "--port", "0")
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring("bad.yaml"))
	})
})
