package matchers

import (
	"fmt"

	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"

	"github.com/mockd/mockd/mockserver/state"
)

// storer is anything with a stateful store: *mockserver.Server and
// *mockserver.TestServer.
type storer interface {
	Store() *state.Store
}

// HaveStored succeeds when the items a stateful server stores for resource
// (all its collections, in creation order, as []map[string]any with JSON
// numbers as json.Number) satisfy m:
//
//	Expect(srv).To(HaveStored("books", ContainElement(HaveKeyWithValue("title", "Dune"))))
//	Expect(srv).To(HaveStored("books", HaveLen(3)))
//
// The actual value is a *state.Store or a server with Store() (a server
// started with Stateful()).
func HaveStored(resource string, m types.GomegaMatcher) *StoredMatcher {
	return &StoredMatcher{resource: resource, inner: m}
}

// StoredMatcher is the matcher HaveStored returns.
type StoredMatcher struct {
	resource string
	inner    types.GomegaMatcher
	items    []map[string]any
}

// Match reads the resource's items and asks the inner matcher.
func (m *StoredMatcher) Match(actual any) (bool, error) {
	var st *state.Store
	switch a := actual.(type) {
	case *state.Store:
		st = a
	case storer:
		st = a.Store()
	}
	if st == nil {
		return false, fmt.Errorf("HaveStored expects a stateful server (started with mockserver.Stateful()) or a *state.Store, got %T", actual)
	}
	items, ok := st.Items(m.resource)
	if !ok {
		return false, fmt.Errorf("HaveStored(%q): no such resource (inferred: %v)", m.resource, st.Names())
	}
	m.items = items
	if m.inner == nil {
		return false, fmt.Errorf("HaveStored(%q, nil): give a matcher for the items, e.g. ContainElement(...)", m.resource)
	}
	return m.inner.Match(items)
}

// FailureMessage shows the stored items and the inner matcher's message.
func (m *StoredMatcher) FailureMessage(any) string {
	return fmt.Sprintf("resource %q stores:\n%s\n%s", m.resource, format.Object(m.items, 1), m.inner.FailureMessage(m.items))
}

// NegatedFailureMessage is FailureMessage for Not(HaveStored(...)).
func (m *StoredMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("resource %q stores:\n%s\n%s", m.resource, format.Object(m.items, 1), m.inner.NegatedFailureMessage(m.items))
}
