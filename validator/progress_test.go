package validator

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strconv"
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

// TestLoadProgress checks that a slow load reports its phase and how far it
// is (the shares of the phases before it).
func TestLoadProgress(t *testing.T) {
	var out syncBuffer
	p := startProgress(slog.New(slog.NewTextHandler(&out, nil)), "big.json", time.Millisecond, time.Millisecond)
	p.enter("parse")
	p.enter("model")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "building the OpenAPI model") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.stop()
	got := out.String()
	want := loadPhases[0].share + loadPhases[1].share
	for _, s := range []string{"loading spec", "file=big.json", `doing="indexing and building the OpenAPI model"`, "percent=" + strconv.Itoa(want)} {
		if !strings.Contains(got, s) {
			t.Errorf("progress output %q lacks %q", got, s)
		}
	}
	total := 0
	for _, ph := range loadPhases {
		total += ph.share
	}
	if total != 100 {
		t.Errorf("the phase shares add up to %d%%, want 100%%", total)
	}
}

// TestLoadPhaseTimes: every phase of a load is timed and logged at debug
// level, in order.
func TestLoadPhaseTimes(t *testing.T) {
	var out syncBuffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	spec, err := Load("../fixtures/petstore-2.0.yaml", WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ph := range spec.phases {
		got = append(got, ph.Phase)
		if ph.Took <= 0 {
			t.Errorf("phase %s took %v", ph.Phase, ph.Took)
		}
		if !strings.Contains(out.String(), `msg="spec load phase" file=../fixtures/petstore-2.0.yaml phase=`+ph.Phase+" took=") {
			t.Errorf("no debug line for phase %s in %s", ph.Phase, out.String())
		}
	}
	want := []string{"read", "convert", "parse", "model", "refs", "patterns", "operations", "router", "validator"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("phases %v, want %v", got, want)
	}
}

// TestValidatorSetUpWalksNoSchema: building the library's validator does
// not walk the operations' schemas (they are compiled per operation on
// first use), and validation still finds what is wrong.
func TestValidatorSetUpWalksNoSchema(t *testing.T) {
	spec, err := Load("../fixtures/bookstore.yaml", WithFormatAssertions())
	if err != nil {
		t.Fatal(err)
	}
	if n := spec.cache.warmLoads.Load(); n != 0 {
		t.Errorf("the library looked %d schemas up while it was set up, want none", n)
	}
	op, ok := spec.Operation("listBooks")
	if !ok {
		t.Fatal("no listBooks")
	}
	if fs := spec.ValidateRequest(httptest.NewRequest("GET", "/v1/books?limit=1000", nil), op); len(fs) == 0 {
		t.Error("limit=1000 passed validation")
	}
}
