package validator

import (
	"net/http/httptest"
	"testing"
)

// A validation registers its regex budget (which needs the goroutine id,
// about half the CPU of a small GET) only when a backtracking pattern can
// run in it.
func TestRegexBudgetOnlyWhenPatternsBacktrack(t *testing.T) {
	spec, err := Load("../fixtures/bookstore.yaml", WithFormatAssertions())
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/books/featured", "/books?limit=1000", "/books/3f6d1c2e-8a4b-4c1d-9e2f-1a2b3c4d5e6f"} {
		req := httptest.NewRequest("GET", target, nil)
		op, err := spec.Router().Find(req)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		for range 3 {
			spec.ValidateRequest(req, op)
		}
	}
	if spec.regex.backtracking.Load() {
		t.Fatal("the bookstore's patterns all compile for RE2, yet a backtracking one was noted")
	}
	if n := spec.regex.registered.Load(); n != 0 {
		t.Fatalf("%d regex budgets registered on a spec without backtracking patterns, want 0", n)
	}
}
