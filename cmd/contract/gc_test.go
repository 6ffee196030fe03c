package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// A large spec is most of the heap: without a memory limit GOGC=400 let
// GitHub's check reach 1.2 GB. The environment still wins.
func TestConfigureGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	configureGC(func(string) string { return "" }, []string{"check"})
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Errorf("memory limit %d, want %d", got, memoryLimit)
	}
	if got := debug.SetGCPercent(-1); got != gcPercent {
		t.Errorf("GOGC %d, want %d", got, gcPercent)
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	configureGC(func(k string) string { return map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}[k] }, []string{"check"})
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit became %d", got)
	}
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("with GOGC set it became %d", got)
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	configureGC(func(string) string { return "" }, []string{"diff", "a.yaml", "b.yaml"})
	if debug.SetMemoryLimit(-1) != math.MaxInt64 || debug.SetGCPercent(-1) != 100 {
		t.Errorf("diff, which holds two whole models, runs with a memory limit or GOGC of the check")
	}
}
