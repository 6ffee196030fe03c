package validator

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLoadProgress checks that a slow load reports its phase and percentage.
func TestLoadProgress(t *testing.T) {
	var out syncBuffer
	p := startProgress(slog.New(slog.NewTextHandler(&out, nil)), "big.json", time.Millisecond, time.Millisecond)
	p.next()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "building the OpenAPI model") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.stop()
	got := out.String()
	for _, want := range []string{"loading spec", "file=big.json", `doing="building the OpenAPI model"`, "percent=25"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output %q lacks %q", got, want)
		}
	}
}
