package fault_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/mockd/mockd/fault"
)

// TestCommitRunsHandlerFirst: with commit: true a fault that answers in the
// handler's place (reset, close, status) runs the handler first, its
// answer lost; without it the handler never runs.
func TestCommitRunsHandlerFirst(t *testing.T) {
	cases := []struct {
		name, fault string
		commit      bool
		calls       int64
		wantErr     bool
		status      int
	}{
		{"reset after commit", "{reset: true}", true, 1, true, 0},
		{"reset", "{reset: true}", false, 0, true, 0},
		{"close after commit", "{close: true}", true, 1, true, 0},
		{"status after commit", "{status: 503}", true, 1, false, 503},
		{"status", "{status: 503}", false, 0, false, 503},
		{"latency runs the handler once anyway", "{latency: 1ms}", true, 1, false, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			commit := "false"
			if c.commit {
				commit = "true"
			}
			rs, err := fault.ParseRules([]byte("rules:\n  - {name: r, commit: "+commit+", fault: "+c.fault+"}\n"), "commit.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int64
			srv := httptest.NewServer(fault.Middleware(fault.NewEngine(rs, fault.WithSeed(1)), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusOK)
			})))
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Post(srv.URL+"/x", "text/plain", nil)
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v, want error %t", err, c.wantErr)
			}
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Errorf("status %d, want %d", resp.StatusCode, c.status)
				}
			}
			if got := calls.Load(); got != c.calls {
				t.Errorf("handler ran %d times, want %d", got, c.calls)
			}
		})
	}
}
