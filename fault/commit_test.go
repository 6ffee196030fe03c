package fault_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

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

// TestCommitRunsHandlerBeforeLatency: with commit: true the handler runs
// before the latency is waited out (the request is committed, its answer
// slow), and the answer sent is the handler's, altered by the fault's other
// kinds; without commit the handler runs after the latency.
func TestCommitRunsHandlerBeforeLatency(t *testing.T) {
	const latency = 300 * time.Millisecond
	cases := []struct {
		name, fault string
		commit      bool
		status      int
		body        string
	}{
		{"latency after commit", "{latency: 300ms}", true, http.StatusCreated, "made"},
		{"latency and truncate after commit", "{latency: 300ms, truncate: {bytes: 2}}", true, http.StatusCreated, "ma"},
		{"status after commit and latency", "{latency: 300ms, status: 503}", true, http.StatusServiceUnavailable, ""},
		{"latency", "{latency: 300ms}", false, http.StatusCreated, "made"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := fault.ParseRules([]byte(fmt.Sprintf("rules:\n  - {name: r, commit: %t, fault: %s}\n", c.commit, c.fault)), "commit.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var ran atomic.Int64 // unix nanoseconds of the handler's start
			srv := httptest.NewServer(fault.Middleware(fault.NewEngine(rs, fault.WithSeed(1)), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				ran.Store(time.Now().UnixNano())
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte("made"))
			})))
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
			start := time.Now()
			resp, err := client.Post(srv.URL+"/x", "text/plain", nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			if c.body != "" && string(body) != c.body {
				t.Errorf("body %q, want %q", body, c.body)
			}
			after := time.Duration(ran.Load() - start.UnixNano())
			if c.commit && after >= latency {
				t.Errorf("the handler ran %s after the request, want before the %s latency", after, latency)
			}
			if !c.commit && after < latency {
				t.Errorf("the handler ran %s after the request, want after the %s latency", after, latency)
			}
		})
	}
}

// TestDecisionReplaces: reset, close and status answer in the handler's
// place; latency and the response alterations keep its answer.
func TestDecisionReplaces(t *testing.T) {
	for kind, want := range map[string]bool{
		"{reset: true}": true, "{close: true}": true, "{status: 503}": true,
		"{latency: 1ms}": false, "{truncate: true}": false,
	} {
		rs, err := fault.ParseRules([]byte("rules:\n  - {name: r, commit: true, fault: "+kind+"}\n"), "replaces.yaml")
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		d := fault.NewEngine(rs, fault.WithSeed(1)).Decide(fault.NewRequest(httptest.NewRequest(http.MethodPost, "/x", nil)))
		if got := d.Replaces(); got != want || !d.Commit && d.Applied() {
			t.Errorf("%s: Replaces() = %t (commit %t), want %t", kind, got, d.Commit, want)
		}
	}
}
