package schemagen

import (
	"math/rand/v2"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzPattern checks that every pattern Go's regexp compiles yields a matching string within the length bounds
// or a clean error: never a panic, a hang or a wrong string.
func FuzzPattern(f *testing.F) {
	seeds := []string{`^[A-Z]{2}-\d{4}$`, `^(\+\d{1,3})?\d{6,12}$`, `a*b+c?`, `(x|yz){2,5}`, `^$`, `\bfoo\b`, `[^\x00-\x{10FFFF}]`,
		`(?i)hello`, `((a{2}){3}){4}`, `^\w+@\w+\.com$`, `.{3,}`, `a^b`, `(|a)+`, `[\p{Han}]{2}`}
	for i, s := range seeds {
		f.Add(s, uint64(i), uint8(0), uint8(20))
	}
	f.Fuzz(func(t *testing.T, pattern string, seed uint64, lo, span uint8) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		pg, err := newPatternGen(pattern)
		if err != nil {
			return
		}
		hi := int(lo) + int(span)
		type result struct {
			s   string
			err error
		}
		done := make(chan result, 1)
		go func() {
			s, err := pg.generate(rand.New(rand.NewPCG(seed, 1)), int(lo), hi)
			done <- result{s, err}
		}()
		var res result
		select {
		case res = <-done:
		case <-time.After(3 * time.Second):
			t.Fatalf("pattern %q [%d,%d]: generation took over 3s", pattern, lo, hi)
		}
		s, err := res.s, res.err
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(s)
		if !re.MatchString(s) || n < int(lo) || n > hi || !utf8.ValidString(s) {
			t.Fatalf("pattern %q [%d,%d]: bad output %q", pattern, lo, hi, s)
		}
	})
}
