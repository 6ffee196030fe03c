package mockserver_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
)

// heapNow is the live heap after a full collection.
func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// hugeHeader is a fresh header value of n bytes, unique per i (so nothing
// is shared between requests and each one costs its own memory).
func hugeHeader(i, n int) string {
	prefix := fmt.Sprintf("%08d-", i)
	return prefix + strings.Repeat("x", n-len(prefix))
}

// page is the admin listing's document.
type page struct {
	Count    int                `json:"count"`
	Next     uint64             `json:"next"`
	More     bool               `json:"more"`
	Requests []mockserver.Entry `json:"requests"`
}

func listing(h http.Handler, query string) page {
	GinkgoHelper()
	resp := call(h, "GET", "/__mockd/requests"+query, "")
	body := bodyOf(resp)
	Expect(resp.StatusCode).To(Equal(http.StatusOK), body)
	var p page
	Expect(json.Unmarshal([]byte(body), &p)).To(Succeed(), body)
	Expect(p.Requests).To(HaveLen(p.Count))
	return p
}

func cursors(p page) []uint64 {
	out := make([]uint64, len(p.Requests))
	for i, e := range p.Requests {
		out[i] = e.Cursor
	}
	return out
}

var _ = Describe("Journal bounds", func() {
	It("caps each entry's headers, so huge headers do not pile up in memory", func() {
		srv := newServer(mockserver.SpecFile(bookstore))
		const n, size = 150, 256 << 10 // 37.5 MiB of header values in all
		before := heapNow()
		for i := range n {
			resp := call(srv, "GET", "/books", "", "X-Big", hugeHeader(i, size))
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
		}
		grown := int64(heapNow()) - int64(before)
		Expect(srv.Journal().Len()).To(Equal(n))
		Expect(grown).To(BeNumerically("<", 8<<20), "the journal kept the huge headers: heap grew %d MiB", grown>>20)

		e := srv.Journal().Entries(mockserver.Filter{})[n-1]
		Expect(e.Truncated).To(ContainElement("headers"))
		Expect(e.HeaderBytes).To(BeNumerically(">=", size))
		Expect(len(e.Headers["X-Big"])).To(BeNumerically("<", mockserver.MaxEntryHeaderValue+64))
		Expect(e.Headers["X-Big"]).To(HaveSuffix(fmt.Sprintf("…[truncated %d bytes]", size-mockserver.MaxEntryHeaderValue)))
		runtime.KeepAlive(srv)
	})

	It("caps the query and the path with a marker and records the query's size", func() {
		srv := newServer(mockserver.SpecFile(bookstore))
		q := strings.Repeat("a", 3*mockserver.MaxEntryQuery)
		call(srv, "GET", "/books?q="+q, "")
		e := srv.Journal().Entries(mockserver.Filter{})[0]
		Expect(e.Truncated).To(ContainElement("query"))
		Expect(e.QueryBytes).To(Equal(len(q) + 2))
		Expect(e.Query).To(ContainSubstring("…[truncated "))
		Expect(len(e.Query)).To(BeNumerically("<", mockserver.MaxEntryQuery+64))
	})

	It("evicts the oldest entries beyond --journal-bytes", func() {
		srv := newServer(mockserver.SpecFile(bookstore), mockserver.JournalBytes(1<<20))
		const n = 300 // 300 × ~12 KiB of headers: about 3.5 MiB without the bound
		before := heapNow()
		for i := range n {
			call(srv, "GET", "/books", "", "X-A", hugeHeader(i, 4000), "X-B", hugeHeader(i, 4000), "X-C", hugeHeader(i, 4000))
		}
		grown := int64(heapNow()) - int64(before)
		j := srv.Journal()
		Expect(j.Bytes()).To(BeNumerically("<=", 1<<20))
		Expect(j.Len()).To(BeNumerically("<", n))
		Expect(grown).To(BeNumerically("<", 2<<20), "heap grew %d KiB", grown>>10)
		all := j.Entries(mockserver.Filter{})
		Expect(all[len(all)-1].Seq).To(BeNumerically("==", n), "the newest entry is kept")
		runtime.KeepAlive(srv)
	})

	It("rejects a negative byte bound", func() {
		_, err := mockserver.New(mockserver.SpecFile(bookstore), mockserver.JournalBytes(-1))
		Expect(err).To(MatchError(ContainSubstring("journal bytes -1 must not be negative")))
	})
})

var _ = Describe("Journal listing (GET /__mockd/requests)", func() {
	var srv *mockserver.Server
	BeforeEach(func() {
		srv = newServer(mockserver.SpecFile(bookstore))
		for range 25 {
			call(srv, "GET", "/books", "")
		}
	})

	It("returns the most recent page by default, with the cursor to continue from", func() {
		p := listing(srv, "?limit=10")
		Expect(cursors(p)).To(Equal([]uint64{16, 17, 18, 19, 20, 21, 22, 23, 24, 25}))
		Expect(p.More).To(BeTrue())
		Expect(p.Next).To(BeNumerically("==", 25))
	})

	It("pages forward from a cursor", func() {
		p := listing(srv, "?after=0&limit=10")
		Expect(cursors(p)).To(Equal([]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
		Expect(p.More).To(BeTrue())
		p = listing(srv, fmt.Sprintf("?after=%d&limit=10", p.Next))
		Expect(p.Requests[0].Cursor).To(BeNumerically("==", 11))
		p = listing(srv, "?after=20&limit=10")
		Expect(cursors(p)).To(Equal([]uint64{21, 22, 23, 24, 25}))
		Expect(p.More).To(BeFalse())
		Expect(p.Next).To(BeNumerically("==", 25))
		p = listing(srv, "?after=25")
		Expect(p.Requests).To(BeEmpty())
		Expect(p.Next).To(BeNumerically("==", 25), "an empty page keeps the cursor")
	})

	It("refuses a page larger than the documented maximum", func() {
		resp := call(srv, "GET", fmt.Sprintf("/__mockd/requests?limit=%d", mockserver.MaxJournalPage+1), "")
		Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
		Expect(problemOf(resp)["detail"]).To(ContainSubstring("from 0 to 1000"))
	})

	It("does not miss a slow request that completes after a faster, later one", func() {
		s := newServer(mockserver.SpecFile(bookstore))
		body, feed := io.Pipe()
		slow := httptest.NewRequest("POST", "/books", body)
		slow.Header.Set("Content-Type", "application/json")
		slow.Header.Set("Authorization", "Bearer t")
		done := make(chan struct{})
		go func() {
			defer GinkgoRecover()
			defer close(done)
			s.ServeHTTP(httptest.NewRecorder(), slow) // arrives first (seq 1), blocks on its body
		}()
		Eventually(s.Journal().InFlight).Should(BeNumerically("==", 1))
		call(s, "GET", "/books", "") // arrives second (seq 2), done first

		p := listing(s, "?after=0")
		Expect(p.Requests).To(HaveLen(1))
		Expect(p.Requests[0].Seq).To(BeNumerically("==", 2))
		seen := p.Next

		_, err := io.WriteString(feed, `{"isbn":"978-0-13-468599-1","title":"Go","price":{"amount":1,"currency":"USD"}}`)
		Expect(err).NotTo(HaveOccurred())
		Expect(feed.Close()).To(Succeed())
		Eventually(done).Should(BeClosed())

		p = listing(s, fmt.Sprintf("?after=%d", seen))
		Expect(p.Requests).To(HaveLen(1), "the slow request must show up after the cursor the poller holds")
		Expect(p.Requests[0].Seq).To(BeNumerically("==", 1))
		Expect(s.Journal().Entries(mockserver.Filter{After: seen})).To(HaveLen(1))
		Expect(s.Journal().InFlight()).To(BeZero())
	})
})

var _ = Describe("Journal headers", func() {
	// The redactor's verdict is remembered per header name: the second
	// request with the same names must be redacted like the first.
	It("redacts secrets on every request, and keeps other headers as sent", func() {
		srv := newServer(mockserver.SpecFile(bookstore))
		for i := range 3 {
			secret := fmt.Sprintf("s3cr3t-%d", i)
			resp := call(srv, "GET", "/books", "", "Authorization", "Bearer "+secret, "X-Api-Key", secret,
				"Cookie", "session="+secret, "Referer", "https://h/p?access_token="+secret,
				"Accept", "application/json", "X-Trace", "a", "X-Trace", "b")
			Expect(resp.StatusCode).To(Equal(http.StatusOK))
		}
		entries := srv.Journal().Entries(mockserver.Filter{})
		Expect(entries).To(HaveLen(3))
		for i, e := range entries {
			b, err := json.Marshal(e)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(b)).NotTo(ContainSubstring(fmt.Sprintf("s3cr3t-%d", i)), "request %d", i)
			Expect(e.Headers).To(HaveKeyWithValue("Authorization", "Bearer REDACTED"))
			Expect(e.Headers).To(HaveKeyWithValue("Accept", "application/json"))
			Expect(e.Headers).To(HaveKeyWithValue("X-Trace", "a, b"))
		}
	})
})

var _ = Describe("Journal sources", func() {
	It("types each answer's source and shows it in the admin JSON as the plain string", func() {
		srv := newServer(mockserver.SpecBytes([]byte(`openapi: 3.0.3
info: {title: sources, version: "1"}
paths:
  /greeting:
    get:
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: object}, examples: {formal: {value: {word: greetings}}}}}
  /generated:
    get: {responses: {'200': {description: ok, content: {application/json: {schema: {type: integer}}}}}}
`)))
		Expect(call(srv, "GET", "/greeting", "", "Prefer", "example=formal").StatusCode).To(Equal(http.StatusOK))
		Expect(call(srv, "GET", "/generated", "").StatusCode).To(Equal(http.StatusOK))
		Expect(call(srv, "GET", "/nowhere", "").StatusCode).To(Equal(http.StatusNotFound))

		want := []mockserver.Source{mockserver.ExampleSource("formal"), mockserver.SourceGenerated, mockserver.SourceProblem}
		var got []mockserver.Source
		for _, e := range srv.Journal().Entries(mockserver.Filter{}) {
			got = append(got, e.Source)
		}
		Expect(got).To(Equal(want))

		body := bodyOf(call(srv, "GET", "/__mockd/requests", ""))
		for _, s := range []string{`"source":"example:formal"`, `"source":"generated"`, `"source":"problem"`} {
			Expect(body).To(ContainSubstring(s))
		}
	})
})
