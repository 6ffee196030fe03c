package state_test

import (
	"errors"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver/state"
	"github.com/mockd/mockd/validator"
)

var _ = Describe("a configured paging style", func() {
	// events' list takes cursor and limit: detected as cursor paging with
	// the next cursor in the body; it has no offset nor page parameter.
	var spec *validator.Spec
	BeforeEach(func() {
		var err error
		spec, err = validator.Load("../testdata/stateful.yaml")
		Expect(err).NotTo(HaveOccurred())
	})
	events := func(st *state.Store) *state.Resource {
		GinkgoHelper()
		for _, r := range st.Resources() {
			if r.Name == "events" {
				return r
			}
		}
		Fail("no events resource")
		return nil
	}

	It("pages with the list operation's own parameters in that style", func() {
		st, err := state.New(spec, state.Options{Seed: 1})
		Expect(err).NotTo(HaveOccurred())
		Expect(events(st).Paging).To(And(HaveField("Style", state.PageCursor), HaveField("NextField", "next_cursor")))

		st, err = state.New(spec, state.Options{Seed: 1, Paging: map[string]state.Paging{"events": {Style: state.PageLimit}}})
		Expect(err).NotTo(HaveOccurred())
		Expect(events(st).Paging).To(And(HaveField("Style", state.PageLimit), HaveField("LimitParam", "limit"),
			HaveField("NextField", ""), HaveField("LinkHeader", false), HaveField("DefaultLimit", state.DefaultPageSize)))
		for _, kind := range []string{"a", "b", "c"} {
			_, err := st.Handle(state.Request{Op: op(spec, "createEvent"), Path: "/events", Body: []byte(`{"kind": "` + kind + `"}`), ContentType: "application/json"})
			Expect(err).NotTo(HaveOccurred())
		}
		res, err := st.Handle(state.Request{Op: op(spec, "listEvents"), Path: "/events", Query: url.Values{"limit": {"2"}}})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Body).To(HaveKeyWithValue("items", ConsistOf(HaveKeyWithValue("kind", "a"), HaveKeyWithValue("kind", "b"))))
		Expect(res.Body.(map[string]any)["next_cursor"]).To(BeNil(), "no cursor: the limit style would refuse it")
	})

	It("refuses a style the list operation has no parameter for, naming the resource, the parameter and the fix", func() {
		_, err := state.New(spec, state.Options{Paging: map[string]state.Paging{"events": {Style: state.PagePage}}})
		var pe *state.PagingError
		Expect(errors.As(err, &pe)).To(BeTrue(), "%v", err)
		Expect(pe.Resource).To(Equal("events"))
		Expect(err).To(MatchError(And(ContainSubstring("a page number (page"), ContainSubstring("GET /events"), ContainSubstring("use the detected style cursor"))))

		_, err = state.New(spec, state.Options{Paging: map[string]state.Paging{"things": {Style: state.PageOffset}}})
		Expect(errors.As(err, &pe)).To(BeTrue(), "%v", err)
		Expect(err).To(MatchError(ContainSubstring(`paging for "things": no such resource (use one of the inferred: `)))
	})
})
