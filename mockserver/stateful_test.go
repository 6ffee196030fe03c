package mockserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver"
	. "github.com/mockd/mockd/mockserver/matchers"
)

const statefulSpec = "testdata/stateful.yaml"

// stClient is a client of a stateful test server that validates every
// exchange against the served spec.
type stClient struct {
	srv *mockserver.TestServer
}

// stAnswer is one answer, read.
type stAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (a stAnswer) json() any {
	GinkgoHelper()
	var v any
	Expect(json.Unmarshal(a.body, &v)).To(Succeed(), string(a.body))
	return v
}

func newStateful(spec string, opts ...mockserver.Option) stClient {
	GinkgoHelper()
	srv := mockserver.NewTest(GinkgoT(), append([]mockserver.Option{mockserver.SpecFile(spec), mockserver.Stateful(), mockserver.Seed(1)}, opts...)...)
	return stClient{srv: srv}
}

// do sends one request and checks the exchange against the spec.
func (c stClient) do(method, path, contentType, body string, header ...string) stAnswer {
	GinkgoHelper()
	a, err := c.try(method, path, contentType, body, header...)
	Expect(err).NotTo(HaveOccurred())
	return a
}

func (c stClient) try(method, path, contentType, body string, header ...string) (stAnswer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL+path, rd)
	if err != nil {
		return stAnswer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		return stAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return stAnswer{}, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	Expect(c.srv.Spec().ValidateExchange(req, resp)).To(BeEmpty(), "%s %s → %d %s", method, path, resp.StatusCode, b)
	return stAnswer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// create posts n items of a collection and returns their ids.
func (c stClient) create(path, field string, n int) []string {
	GinkgoHelper()
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		a := c.do("POST", path, "application/json", fmt.Sprintf(`{%q: "item-%d"}`, field, i))
		Expect(a.status).To(Equal(http.StatusCreated), string(a.body))
		ids = append(ids, idOf(a.json().(map[string]any)))
	}
	return ids
}

func idOf(m map[string]any) string {
	for _, k := range []string{"id", "logId"} {
		if v, ok := m[k]; ok {
			return fmt.Sprint(v)
		}
	}
	return ""
}

var linkNext = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// readAll pages through a list the way a client does and returns the ids
// in the order read; between pages it calls between (may be nil).
func (c stClient) readAll(first string, between func(page int)) []string {
	GinkgoHelper()
	var ids []string
	next := first
	for page := 0; next != "" && page < 200; page++ {
		a := c.do("GET", next, "", "")
		Expect(a.status).To(Equal(http.StatusOK), string(a.body))
		var items []any
		next = ""
		switch v := a.json().(type) {
		case []any:
			items = v
			if m := linkNext.FindStringSubmatch(a.header.Get("Link")); m != nil {
				next = m[1]
			}
		case map[string]any:
			if d, ok := v["data"].([]any); ok {
				items = d
			} else {
				items = v["items"].([]any)
			}
			if cur, ok := v["next_cursor"].(string); ok && cur != "" {
				u, _ := url.Parse(first)
				q := u.Query()
				q.Set("cursor", cur)
				next = u.Path + "?" + q.Encode()
			}
		}
		for _, it := range items {
			ids = append(ids, idOf(it.(map[string]any)))
		}
		if between != nil && next != "" {
			between(page)
		}
	}
	return ids
}

// pageLoop pages by number (offset or page) until a short page.
func (c stClient) pageLoop(page func(i int) string, size int) []string {
	GinkgoHelper()
	var ids []string
	for i := 0; i < 200; i++ {
		a := c.do("GET", page(i), "", "")
		Expect(a.status).To(Equal(http.StatusOK), string(a.body))
		var items []any
		switch v := a.json().(type) {
		case []any:
			items = v
		case map[string]any:
			items = v["data"].([]any)
		}
		for _, it := range items {
			ids = append(ids, idOf(it.(map[string]any)))
		}
		if len(items) < size {
			break
		}
	}
	return ids
}

var _ = Describe("stateful mode (--stateful)", func() {
	const n = 23

	Describe("paginating clients read exactly the items created", func() {
		It("offset/limit with X-Total-Count", func() {
			c := newStateful(statefulSpec)
			c.do("DELETE", "/notes/1", "", "")
			c.do("DELETE", "/notes/2", "", "")
			ids := c.create("/notes", "name", n)
			got := c.pageLoop(func(i int) string { return "/notes?limit=5&offset=" + strconv.Itoa(5*i) }, 5)
			Expect(got).To(Equal(ids))
			a := c.do("GET", "/notes?limit=5", "", "")
			Expect(a.header.Get("X-Total-Count")).To(Equal(strconv.Itoa(n)))
		})

		It("page/per_page with a body total", func() {
			c := newStateful(statefulSpec)
			ids := c.create("/tasks", "title", n)
			got := c.pageLoop(func(i int) string { return "/tasks?per_page=4&page=" + strconv.Itoa(i+1) }, 4)
			Expect(got).To(Equal(ids))
			Expect(c.do("GET", "/tasks?per_page=4&page=2", "", "").json()).To(HaveKeyWithValue("total", BeEquivalentTo(n)))
		})

		It("cursor in a body field, also while items are created between pages", func() {
			c := newStateful(statefulSpec)
			ids := c.create("/events", "kind", n)
			Expect(c.readAll("/events?limit=4", nil)).To(Equal(ids))
			var added []string
			got := c.readAll("/events?limit=4", func(int) { added = append(added, c.create("/events", "kind", 2)...) })
			Expect(got[:n]).To(Equal(ids))
			Expect(got[n:]).To(Equal(added[:len(got)-n]), "items created while paging come after, each once")
		})

		It("cursor in an RFC 8288 Link header, also while items are created between pages", func() {
			c := newStateful(statefulSpec)
			ids := c.create("/logs", "line", n)
			Expect(c.readAll("/logs?page_size=5", nil)).To(Equal(ids))
			got := c.readAll("/logs?page_size=5", func(int) { c.create("/logs", "line", 1) })
			Expect(got[:n]).To(Equal(ids))
			Expect(got).To(HaveLen(len(ids) + len(got) - n))
			seen := map[string]bool{}
			for _, id := range got {
				Expect(seen[id]).To(BeFalse(), "id %s read twice", id)
				seen[id] = true
			}
		})

		It("refuses a cursor it did not hand out, naming the parameter", func() {
			c := newStateful(statefulSpec)
			a := c.do("GET", "/events?cursor=bogus", "", "")
			Expect(a.status).To(Equal(http.StatusBadRequest))
			Expect(a.header.Get(mockserver.ProblemHeader)).To(ContainSubstring("cursor"))
		})
	})

	It("creates exactly one resource when a client retries a POST with one Idempotency-Key through a fault that drops the answer after the commit", func() {
		c := newStateful(statefulSpec, mockserver.FaultsYAML(`rules:
  - name: drop-after-commit
    match: {method: POST, path: /notes}
    commit: true
    sequence: [{reset: true}, {close: true}, pass]
`))
		var a stAnswer
		var err error
		attempts := 0
		for attempts < 5 {
			attempts++
			if a, err = c.try("POST", "/notes", "application/json", `{"name": "once"}`, "Idempotency-Key", "k-1"); err == nil {
				break
			}
		}
		Expect(err).NotTo(HaveOccurred())
		Expect(attempts).To(Equal(3))
		Expect(a.status).To(Equal(http.StatusCreated))
		Expect(a.header.Get("Idempotent-Replayed")).To(Equal("true"))
		Expect(c.srv).To(HaveStored("notes", HaveLen(3))) // two seeds and one
		Expect(c.srv).To(HaveStored("notes", ContainElement(HaveKeyWithValue("name", "once"))))
		Eventually(c.srv.Journal()).Should(HaveAttempts("Idempotency-Key", "k-1", 3))
	})

	Describe("Idempotency-Key", func() {
		It("replays the answer byte for byte, refuses the key with another body (422)", func() {
			c := newStateful(statefulSpec)
			first := c.do("POST", "/notes", "application/json", `{"name": "a"}`, "Idempotency-Key", "k")
			again := c.do("POST", "/notes", "application/json", `{"name": "a"}`, "Idempotency-Key", "k")
			Expect(again.body).To(Equal(first.body))
			Expect(again.status).To(Equal(first.status))
			Expect(again.header.Get("Location")).To(Equal(first.header.Get("Location")))
			Expect(again.header.Get("Idempotent-Replayed")).To(Equal("true"))
			Expect(first.header.Get("Idempotent-Replayed")).To(BeEmpty())
			other := c.do("POST", "/notes", "application/json", `{"name": "b"}`, "Idempotency-Key", "k")
			Expect(other.status).To(Equal(http.StatusUnprocessableEntity))
			Expect(c.srv).To(HaveStored("notes", HaveLen(3)))
		})

	})

	It("round-trips create → get → patch (merge and JSON Patch) → list → delete, absent items in the spec's 404 shape", func() {
		c := newStateful(statefulSpec)
		a := c.do("POST", "/notes", "application/json", `{"name": "n", "status": "open"}`)
		Expect(a.status).To(Equal(http.StatusCreated))
		created := a.json().(map[string]any)
		Expect(created).To(HaveKeyWithValue("id", BeEquivalentTo(3)))
		Expect(created).To(HaveKey("createdAt"))
		Expect(a.header.Get("Location")).To(Equal("/notes/3"))
		Expect(c.do("GET", "/notes/3", "", "").json()).To(Equal(created))
		p := c.do("PATCH", "/notes/3", "application/merge-patch+json", `{"status": "done", "tags": ["x"]}`).json()
		Expect(p).To(HaveKeyWithValue("status", "done"))
		Expect(p).To(HaveKeyWithValue("name", "n"))
		p = c.do("PATCH", "/notes/3", "application/json-patch+json", `[{"op": "replace", "path": "/name", "value": "m"}, {"op": "add", "path": "/tags/-", "value": "y"}]`).json()
		Expect(p).To(HaveKeyWithValue("name", "m"))
		Expect(p).To(HaveKeyWithValue("tags", []any{"x", "y"}))
		bad := c.do("PATCH", "/notes/3", "application/json-patch+json", `[{"op": "remove", "path": "/name"}]`)
		Expect(bad.status).To(Equal(http.StatusUnprocessableEntity), "a patch whose result breaks the schema is refused")
		Expect(c.do("GET", "/notes?status=done", "", "").json()).To(ConsistOf(HaveKeyWithValue("name", "m"), HaveKeyWithValue("name", "second")))
		Expect(c.do("PUT", "/notes/3", "application/json", `{"name": "replaced"}`).json()).To(And(HaveKeyWithValue("name", "replaced"), Not(HaveKey("status"))))
		Expect(c.do("DELETE", "/notes/3", "", "").status).To(Equal(http.StatusNoContent))
		gone := c.do("GET", "/notes/3", "", "")
		Expect(gone.status).To(Equal(http.StatusNotFound))
		Expect(gone.json()).To(HaveKeyWithValue("title", "Not found"))
		Expect(c.do("DELETE", "/notes/3", "", "").status).To(Equal(http.StatusNotFound))
	})

	It("round-trips create → get → list → delete on the bookstore fixture, under its base path", func() {
		c := newStateful(bookstore)
		a := c.do("POST", "/v1/books", "application/json", `{"isbn": "978-0-13-468599-1", "title": "Dune", "price": {"amount": 9.5, "currency": "EUR"}}`,
			"Authorization", "Bearer t")
		Expect(a.status).To(Equal(http.StatusCreated), string(a.body))
		id := a.json().(map[string]any)["id"].(string)
		Expect(id).To(MatchRegexp(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`))
		Expect(a.header.Get("Location")).To(Equal("/v1/books/" + id))
		Expect(c.do("GET", "/v1/books/"+id, "", "").json()).To(HaveKeyWithValue("title", "Dune"))
		Expect(c.do("GET", "/v1/books", "", "").json()).To(HaveLen(3))
		Expect(c.do("GET", "/v1/books?genre=technology", "", "").json()).To(HaveLen(2))
		Expect(c.do("DELETE", "/v1/books/"+id, "", "", "Authorization", "Bearer t").status).To(Equal(http.StatusNoContent))
		Expect(c.do("GET", "/v1/books/"+id, "", "").status).To(Equal(http.StatusNotFound))
		Expect(c.srv).To(HaveStored("books", HaveLen(2)))
	})

	It("lets Prefer ask for the spec's canned answer", func() {
		c := newStateful(bookstore)
		a := c.do("GET", "/v1/books/00000000-0000-4000-8000-000000000000", "", "", "Prefer", "example=tlcl")
		Expect(a.status).To(Equal(http.StatusOK))
		Expect(a.json()).To(HaveKeyWithValue("title", "The Linux Command Line"))
	})

	It("restores the initial data on POST /__mockd/reset and shows the store at GET /__mockd/state", func() {
		c := newStateful(statefulSpec)
		c.create("/notes", "name", 3)
		c.do("DELETE", "/notes/1", "", "")
		resp, err := c.srv.Client().Post(c.srv.URL+"/__mockd/reset", "", nil)
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusNoContent))
		Expect(c.srv).To(HaveStored("notes", ConsistOf(HaveKeyWithValue("name", "first"), HaveKeyWithValue("name", "second"))))
		resp, err = c.srv.Client().Get(c.srv.URL + "/__mockd/state")
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		var st struct {
			Resources []struct {
				Name   string `json:"name"`
				Paging struct {
					Style string `json:"style"`
				} `json:"paging"`
			} `json:"resources"`
			State struct {
				Resources map[string]struct {
					Collections map[string][]any `json:"collections"`
				} `json:"resources"`
			} `json:"state"`
		}
		Expect(json.NewDecoder(resp.Body).Decode(&st)).To(Succeed())
		Expect(st.Resources).To(HaveLen(4))
		Expect(st.State.Resources["notes"].Collections["/notes"]).To(HaveLen(2))
	})

	It("keeps every answer valid and agrees with a model over a random operation sequence (property)", func() {
		c := newStateful(statefulSpec)
		rng := rand.New(rand.NewPCG(7, 11))
		model := map[string]string{"1": "first", "2": "second"}
		pick := func() string {
			if rng.IntN(5) == 0 {
				return strconv.Itoa(100 + rng.IntN(10)) // absent
			}
			for id := range model {
				return id
			}
			return "1"
		}
		for i := 0; i < 300; i++ {
			id := pick()
			name := fmt.Sprintf("n%d", i)
			switch rng.IntN(6) {
			case 0:
				a := c.do("POST", "/notes", "application/json", fmt.Sprintf(`{"name": %q, "status": "open"}`, name))
				Expect(a.status).To(Equal(http.StatusCreated))
				model[idOf(a.json().(map[string]any))] = name
			case 1:
				a := c.do("GET", "/notes/"+id, "", "")
				if want, ok := model[id]; ok {
					Expect(a.json()).To(HaveKeyWithValue("name", want))
				} else {
					Expect(a.status).To(Equal(http.StatusNotFound))
				}
			case 2:
				a := c.do("PATCH", "/notes/"+id, "application/merge-patch+json", fmt.Sprintf(`{"name": %q, "status": "done"}`, name))
				if _, ok := model[id]; ok {
					Expect(a.status).To(Equal(http.StatusOK))
					model[id] = name
				} else {
					Expect(a.status).To(Equal(http.StatusNotFound))
				}
			case 3:
				a := c.do("PUT", "/notes/"+id, "application/json", fmt.Sprintf(`{"name": %q}`, name))
				if _, ok := model[id]; ok {
					Expect(a.status).To(Equal(http.StatusOK))
					model[id] = name
				} else {
					Expect(a.status).To(Equal(http.StatusNotFound))
				}
			case 4:
				a := c.do("DELETE", "/notes/"+id, "", "")
				if _, ok := model[id]; ok {
					Expect(a.status).To(Equal(http.StatusNoContent))
					delete(model, id)
				} else {
					Expect(a.status).To(Equal(http.StatusNotFound))
				}
			default:
				q := fmt.Sprintf("/notes?offset=%d&limit=%d", rng.IntN(5), 1+rng.IntN(10))
				if rng.IntN(2) == 0 {
					q += "&status=done"
				}
				Expect(c.do("GET", q, "", "").status).To(Equal(http.StatusOK))
			}
		}
		Expect(c.srv).To(HaveStored("notes", HaveLen(len(model))))
	})

	It("keeps the store consistent with 32 concurrent clients creating and paginating", func() {
		c := newStateful(statefulSpec)
		const clients, each = 32, 5
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer GinkgoRecover()
				for j := 0; j < each; j++ {
					body := fmt.Sprintf(`{"kind": "c%d-%d"}`, i, j)
					if a, err := c.try("POST", "/events", "application/json", body); err != nil || a.status != http.StatusCreated {
						errs <- fmt.Errorf("create %s: %v %d", body, err, a.status)
						return
					}
				}
				seen := map[string]bool{}
				for _, id := range c.readAll("/events?limit=7", nil) {
					if seen[id] {
						errs <- fmt.Errorf("client %d read %s twice", i, id)
						return
					}
					seen[id] = true
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(c.srv).To(HaveStored("events", HaveLen(clients*each)))
		Expect(c.readAll("/events?limit=50", nil)).To(HaveLen(clients * each))
	})
})
