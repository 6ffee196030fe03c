package mockserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	. "github.com/mockd/mockd/mockserver/matchers"
)

// slowCommit is a fault profile whose first POST /notes is committed, then
// answered a second late: the request stays in flight for that second.
const slowCommit = `rules:
  - name: slow-commit
    match: {method: POST, path: /notes}
    commit: true
    sequence: [{latency: 1s%s}]
    then: pass
`

// postRaw posts a note with an Idempotency-Key on its own connection and
// reads the answer whatever it is (no spec check: a fault may break it).
func postRaw(srv *mockserver.TestServer, key string) (stAnswer, error) {
	req, err := http.NewRequest("POST", srv.URL+"/notes", strings.NewReader(`{"name": "slow"}`))
	if err != nil {
		return stAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 3 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return stAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return stAnswer{status: resp.StatusCode, header: resp.Header, body: b}, err
}

var _ = Describe("Idempotency-Key in flight (commit: true and a latency)", func() {
	// first sends the slow request from another client and waits until the
	// handler has committed it (the note is stored, its answer not sent).
	first := func(c stClient) <-chan stAnswer {
		GinkgoHelper()
		done := make(chan stAnswer, 1)
		go func() {
			defer GinkgoRecover()
			a, err := postRaw(c.srv, "k-slow")
			Expect(err).NotTo(HaveOccurred())
			done <- a
		}()
		Eventually(c.srv).WithTimeout(time.Second).WithPolling(5 * time.Millisecond).Should(HaveStored("notes", HaveLen(3)))
		return done
	}

	It("refuses a duplicate with 409 in the spec's shape while the first is answered, then replays the first answer byte for byte", func() {
		start := time.Now()
		c := newStateful(statefulSpec, mockserver.FaultsYAML(strings.Replace(slowCommit, "%s", "", 1)))
		done := first(c)

		dup := c.do("POST", "/notes", "application/json", `{"name": "slow"}`, "Idempotency-Key", "k-slow")
		Expect(dup.status).To(Equal(http.StatusConflict), string(dup.body))
		// The spec declares 409 with its Problem response: that shape (its
		// example, checked by do), mockd's reason in the problem header.
		Expect(dup.header.Get("Content-Type")).To(Equal("application/problem+json"))
		Expect(dup.json()).To(HaveKey("title"))
		Expect(dup.header.Get(mockserver.ProblemHeader)).To(ContainSubstring("still being answered"))

		var a stAnswer
		Eventually(done).WithTimeout(2 * time.Second).Should(Receive(&a))
		Expect(a.status).To(Equal(http.StatusCreated), string(a.body))
		Expect(a.header.Get("X-Mockd-Fault")).To(Equal("slow-commit/latency"))
		Expect(a.header.Get("Idempotent-Replayed")).To(BeEmpty())

		again := c.do("POST", "/notes", "application/json", `{"name": "slow"}`, "Idempotency-Key", "k-slow")
		Expect(again.status).To(Equal(a.status))
		Expect(again.body).To(Equal(a.body))
		Expect(again.header.Get("Location")).To(Equal(a.header.Get("Location")))
		Expect(again.header.Get("Idempotent-Replayed")).To(Equal("true"))
		Expect(again.header.Get("X-Mockd-Fault")).To(BeEmpty(), "the replay is the handler's answer, not the faulted one")
		Expect(c.srv).To(HaveStored("notes", HaveLen(3)))
		Expect(time.Since(start)).To(BeNumerically("<", 3*time.Second))
	})

	It("replays what the handler answered, not the bytes a fault corrupted on the wire", func() {
		c := newStateful(statefulSpec, mockserver.FaultsYAML(strings.Replace(slowCommit, "%s", ", corrupt: invalid_json", 1)))
		done := first(c)
		var a stAnswer
		Eventually(done).WithTimeout(2 * time.Second).Should(Receive(&a))
		Expect(json.Valid(a.body)).To(BeFalse(), "the first answer is corrupted on the wire: %s", a.body)

		again := c.do("POST", "/notes", "application/json", `{"name": "slow"}`, "Idempotency-Key", "k-slow")
		Expect(again.status).To(Equal(http.StatusCreated))
		Expect(again.header.Get("Idempotent-Replayed")).To(Equal("true"))
		stored, _ := c.srv.Store().Items("notes")
		Expect(again.json()).To(And(HaveKeyWithValue("name", "slow"), HaveKeyWithValue("id", BeEquivalentTo(stored[2]["id"]))))
	})
})
