package schemagen

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"regexp"
)

func TestSlowCorpus(t *testing.T) {
	files, _ := filepath.Glob("/root/.cache/go-build/fuzz/github.com/mockd/mockd/schemagen/FuzzPattern/*")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.Split(string(b), "\n")
		if len(lines) < 5 { continue }
		pat, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil { continue }
		if _, err := regexp.Compile(pat); err != nil { continue }
		start := time.Now()
		pg, err := newPatternGen(pat)
		if err == nil {
			for _, lo := range []int{0, 100, 255} {
				pg.generate(rand.New(rand.NewPCG(1, 1)), lo, lo+255)
			}
		}
		if el := time.Since(start); el > 50*time.Millisecond {
			t.Logf("%v %q", el, pat)
		}
	}
}
