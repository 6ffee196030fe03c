package recorder_test

import (
	"net/url"
	"testing"

	"github.com/mockd/mockd/recorder"
)

func TestCheckForwardPath(t *testing.T) {
	for target, refuse := range map[string]bool{
		"/books/1":           false,
		"/books/..x/1":       false,
		"/a.b/c..d":          false,
		"/../etc":            true,
		"/a/./b":             true,
		"/a/%2e%2e/b":        true,
		"/a/%2E%2e":          true,
		"/a/..%2fb":          true,
		"/a/..%5cb":          true,
		"/a/%252e%252e/b":    true, // double-encoded: refused too, some upstreams decode twice
		"/v1/books?q=../x":   false,
		"/v1/books/%2e/next": true,
	} {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		if got := recorder.CheckForwardPath(u) != nil; got != refuse {
			t.Errorf("%s: refused %v, want %v", target, got, refuse)
		}
	}
}
