package schemagen

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// infLen stands for an unbounded length in the pattern length analysis.
	infLen = 1 << 30
	// maxPatternOutput bounds the length (in characters) of any string generated from a pattern.
	maxPatternOutput = 4096
	// patternAttempts bounds generate-and-verify rounds for one pattern.
	patternAttempts = 48
	// freeLength is how far past its minimum an unbounded pattern may grow.
	freeLength = 12
)

// patternGen generates strings matching one regular expression.
type patternGen struct {
	src  string
	re   *regexp.Regexp
	tree *syntax.Regexp
	minL int
	maxL int
	lens map[*syntax.Regexp][2]int // memoised length ranges of the parse tree's nodes
}

// walk is the state of one generation attempt.
type walk struct {
	p     *patternGen
	b     strings.Builder
	r     *rand.Rand
	steps int
}

// maxWalkSteps bounds the work of one generation attempt.
const maxWalkSteps = 200000

func (p *patternGen) lenRange(re *syntax.Regexp) (int, int) {
	if lr, ok := p.lens[re]; ok {
		return lr[0], lr[1]
	}
	lo, hi := lenRangeWith(re, p.lenRange)
	p.lens[re] = [2]int{lo, hi}
	return lo, hi
}

// newPatternGen compiles pattern with Go's RE2 syntax (the engine libopenapi-validator uses by default).
func newPatternGen(pattern string) (*patternGen, error) {
	src := pattern
	if capped, ok := toRE2(pattern); ok {
		// RE2 refuses repeat counts over 1000 (ECMA-262 has no such limit):
		// generate from the pattern with its upper bounds lowered to 1000,
		// whose matches all match the original.
		pattern = capped
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern %q does not compile as an RE2 regular expression (%w); rewrite it without lookaround or backreferences", src, err)
	}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("pattern %q does not parse (%w)", src, err)
	}
	p := &patternGen{src: src, re: re, tree: tree, lens: make(map[*syntax.Regexp][2]int)}
	p.minL, p.maxL = p.lenRange(tree)
	return p, nil
}

// generate returns a string that matches the pattern (a full match, so unanchored patterns are satisfied too)
// and has between lo and hi characters (hi < 0: no upper bound).
func (p *patternGen) generate(r *rand.Rand, lo, hi int) (string, error) {
	if p.minL >= infLen || p.minL > p.maxL {
		return "", fmt.Errorf("pattern %q can never match; fix the pattern", p.src)
	}
	upper := p.maxL
	if hi >= 0 && hi < upper {
		upper = hi
	}
	lower := max(lo, p.minL)
	if upper >= infLen {
		upper = lower + freeLength
	}
	if lower > maxPatternOutput {
		return "", fmt.Errorf("pattern %q needs at least %d characters, over the generator's limit of %d; lower minLength or the pattern's repetition counts", p.src, lower, maxPatternOutput)
	}
	upper = min(upper, maxPatternOutput)
	if lower > upper {
		return "", fmt.Errorf("pattern %q produces strings of %d..%s characters, which cannot meet minLength %d / maxLength %s; change the pattern or the length bounds",
			p.src, p.minL, boundText(p.maxL), lo, boundText(hi))
	}
	w := &walk{p: p, r: r}
	for attempt := 0; attempt < patternAttempts; attempt++ {
		target := lower + r.IntN(upper-lower+1)
		if attempt%4 == 3 {
			target = lower
		}
		w.b.Reset()
		w.steps = 0
		if !w.gen(p.tree, target) {
			continue
		}
		s := w.b.String()
		n := utf8.RuneCountInString(s)
		if n < lo || (hi >= 0 && n > hi) || !p.re.MatchString(s) {
			continue
		}
		return s, nil
	}
	return "", fmt.Errorf("no string of %d..%s characters matching pattern %q was found in %d attempts (anchors or word boundaries in the middle, or length bounds that conflict with the pattern); simplify the pattern or relax minLength/maxLength",
		lower, boundText(hi), p.src, patternAttempts)
}

func boundText(n int) string {
	if n < 0 || n >= infLen {
		return "unbounded"
	}
	return fmt.Sprint(n)
}

func satAdd(a, b int) int {
	if a >= infLen || b >= infLen || a+b >= infLen {
		return infLen
	}
	return a + b
}

func satMul(a, k int) int {
	if a == 0 || k == 0 {
		return 0
	}
	if a >= infLen || k >= infLen || a > infLen/k {
		return infLen
	}
	return a * k
}

// lenRangeWith returns the minimum and maximum number of characters re can match (infLen: unbounded).
// An impossible expression returns min > max.
func lenRangeWith(re *syntax.Regexp, sub func(*syntax.Regexp) (int, int)) (int, int) {
	switch re.Op {
	case syntax.OpNoMatch:
		return infLen, 0
	case syntax.OpLiteral:
		return len(re.Rune), len(re.Rune)
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return infLen, 0
		}
		return 1, 1
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, 1
	case syntax.OpCapture:
		return sub(re.Sub[0])
	case syntax.OpStar:
		lo, hi := sub(re.Sub[0])
		if lo > hi || hi == 0 {
			return 0, 0
		}
		return 0, infLen
	case syntax.OpPlus:
		lo, hi := sub(re.Sub[0])
		if lo > hi {
			return infLen, 0
		}
		if hi == 0 {
			return 0, 0
		}
		return lo, infLen
	case syntax.OpQuest:
		lo, hi := sub(re.Sub[0])
		if lo > hi {
			return 0, 0
		}
		return 0, hi
	case syntax.OpRepeat:
		lo, hi := sub(re.Sub[0])
		if lo > hi {
			if re.Min == 0 {
				return 0, 0
			}
			return infLen, 0
		}
		maxOut := infLen
		if re.Max >= 0 {
			maxOut = satMul(hi, re.Max)
		} else if hi == 0 {
			maxOut = 0
		}
		return satMul(lo, re.Min), maxOut
	case syntax.OpConcat:
		lo, hi := 0, 0
		for _, s := range re.Sub {
			a, b := sub(s)
			if a > b {
				return infLen, 0
			}
			lo, hi = satAdd(lo, a), satAdd(hi, b)
		}
		return lo, hi
	case syntax.OpAlternate:
		lo, hi, any := infLen, 0, false
		for _, s := range re.Sub {
			a, b := sub(s)
			if a > b {
				continue
			}
			any = true
			lo, hi = min(lo, a), max(hi, b)
		}
		if !any {
			return infLen, 0
		}
		return lo, hi
	default: // empty-width assertions and empty match
		return 0, 0
	}
}

// gen appends a string of exactly target characters matched by re, or reports false.
func (w *walk) gen(re *syntax.Regexp, target int) bool {
	w.steps++
	if w.steps > maxWalkSteps {
		return false
	}
	lo, hi := w.p.lenRange(re)
	if lo > hi || target < lo || target > hi {
		return false
	}
	if target == 0 {
		return true // every character-consuming node has a zero-length choice here; assertions are verified later
	}
	b, r := &w.b, w.r
	switch re.Op {
	case syntax.OpLiteral:
		w.literal(re)
		return true
	case syntax.OpCharClass:
		b.WriteRune(pickRune(re.Rune, r))
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(rune(0x21 + r.IntN(0x7e-0x21+1)))
		return true
	case syntax.OpCapture:
		return w.gen(re.Sub[0], target)
	case syntax.OpQuest:
		return w.gen(re.Sub[0], target) // target > 0: the optional part is there
	case syntax.OpStar:
		return w.genRepeat(re.Sub[0], 0, -1, target)
	case syntax.OpPlus:
		return w.genRepeat(re.Sub[0], 1, -1, target)
	case syntax.OpRepeat:
		return w.genRepeat(re.Sub[0], re.Min, re.Max, target)
	case syntax.OpConcat:
		return w.genConcat(re, target)
	case syntax.OpAlternate:
		var fits []*syntax.Regexp
		for _, s := range re.Sub {
			a, c := w.p.lenRange(s)
			if a <= c && a <= target && target <= c {
				fits = append(fits, s)
			}
		}
		if len(fits) == 0 {
			return false
		}
		return w.gen(fits[r.IntN(len(fits))], target)
	default:
		return target == 0
	}
}

// literal appends a literal, in random case where it folds case.
func (w *walk) literal(re *syntax.Regexp) {
	for _, c := range re.Rune {
		if re.Flags&syntax.FoldCase != 0 {
			if w.r.IntN(2) == 0 {
				c = unicode.ToUpper(c)
			} else {
				c = unicode.ToLower(c)
			}
		}
		w.b.WriteRune(c)
	}
}

// genConcat shares target characters among a concatenation's parts, each
// within its length range.
func (w *walk) genConcat(re *syntax.Regexp, target int) bool {
	r := w.r
	los := make([]int, len(re.Sub))
	caps := make([]int, len(re.Sub))
	for i, s := range re.Sub {
		a, c := w.p.lenRange(s)
		los[i], caps[i] = a, c-a
	}
	shares := distribute(los, caps, target, r)
	if shares == nil {
		return false
	}
	for i, s := range re.Sub {
		if !w.gen(s, shares[i]) {
			return false
		}
	}
	return true
}

// genRepeat emits between kmin and kmax (kmax < 0: unbounded) copies of sub totalling target characters.
func (w *walk) genRepeat(sub *syntax.Regexp, kmin, kmax, target int) bool {
	r := w.r
	clo, chi := w.p.lenRange(sub)
	if clo > chi {
		return kmin == 0 && target == 0
	}
	if chi == 0 {
		return target == 0
	}
	// feasible counts: k*clo <= target <= k*chi
	kLo := kmin
	if target > 0 && chi < infLen {
		kLo = max(kLo, (target+chi-1)/chi)
	} else if target > 0 {
		kLo = max(kLo, 1)
	}
	kHi := target + 1
	if clo > 0 {
		kHi = target / clo
	}
	if kmax >= 0 {
		kHi = min(kHi, kmax)
	}
	kHi = min(kHi, maxPatternOutput)
	if kLo > kHi {
		return false
	}
	k := kLo + r.IntN(kHi-kLo+1)
	if target == 0 {
		k = kLo
	}
	los := make([]int, k)
	caps := make([]int, k)
	for i := range los {
		los[i], caps[i] = clo, chi-clo
	}
	shares := distribute(los, caps, target, r)
	if shares == nil {
		return false
	}
	for _, t := range shares {
		if !w.gen(sub, t) {
			return false
		}
	}
	return true
}

// distribute splits target into shares with los[i] <= share[i] <= los[i]+caps[i], or returns nil.
func distribute(los, caps []int, target int, r *rand.Rand) []int {
	sum := 0
	for _, l := range los {
		sum = satAdd(sum, l)
	}
	extra := target - sum
	if extra < 0 {
		return nil
	}
	shares := make([]int, len(los))
	copy(shares, los)
	order := r.Perm(len(los))
	restCap := make([]int, len(order)+1)
	for i := len(order) - 1; i >= 0; i-- {
		restCap[i] = satAdd(restCap[i+1], caps[order[i]])
	}
	if restCap[0] < extra {
		return nil
	}
	for pos, i := range order {
		lowShare := max(0, extra-restCap[pos+1])
		highShare := min(extra, caps[i])
		if lowShare > highShare {
			return nil
		}
		give := lowShare + r.IntN(highShare-lowShare+1)
		shares[i] += give
		extra -= give
	}
	if extra != 0 {
		return nil
	}
	return shares
}

// pickRune picks a rune from a class given as range pairs, preferring printable ASCII and never a surrogate.
func pickRune(ranges []rune, r *rand.Rand) rune {
	var printable []rune
	total := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := max(ranges[i], 0x20), min(ranges[i+1], 0x7e)
		if lo <= hi {
			printable = append(printable, lo, hi)
			total += int(hi - lo + 1)
		}
	}
	if total == 0 {
		printable = printable[:0]
		for i := 0; i+1 < len(ranges); i += 2 {
			lo, hi := ranges[i], min(ranges[i+1], unicode.MaxRune)
			if lo <= 0xDFFF && hi >= 0xD800 { // split around surrogates
				if lo < 0xD800 {
					printable = append(printable, lo, 0xD7FF)
					total += int(0xD7FF - lo + 1)
				}
				if hi > 0xDFFF {
					printable = append(printable, 0xE000, hi)
					total += int(hi - 0xE000 + 1)
				}
				continue
			}
			if lo <= hi {
				printable = append(printable, lo, hi)
				total += int(hi - lo + 1)
			}
		}
		if total == 0 {
			return 'a'
		}
	}
	n := r.IntN(total)
	for i := 0; i+1 < len(printable); i += 2 {
		size := int(printable[i+1] - printable[i] + 1)
		if n < size {
			return printable[i] + rune(n)
		}
		n -= size
	}
	return printable[0]
}

// maxRE2Repeat is the largest repeat count RE2 (Go's regexp) accepts.
const maxRE2Repeat = 1000

// toRE2 rewrites an ECMA-262 pattern for RE2: it lowers the upper
// bound of every {m,n} quantifier whose n exceeds maxRE2Repeat to
// maxRE2Repeat (outside character classes and escapes), and spells \uXXXX
// escapes as \x{XXXX}. It reports false when nothing changed or when a lower
// bound is itself over the limit (no capped pattern then matches a subset).
func toRE2(pattern string) (string, bool) {
	var b strings.Builder
	changed, inClass := false, false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+5 < len(pattern) && pattern[i+1] == 'u' && isHex4(pattern[i+2:i+6]):
			// ECMA-262's \uXXXX is RE2's \x{XXXX}.
			b.WriteString(`\x{` + pattern[i+2:i+6] + `}`)
			i += 5
			changed = true
			continue
		case c == '\\' && i+1 < len(pattern):
			b.WriteByte(c)
			b.WriteByte(pattern[i+1])
			i++
			continue
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '{':
			end := strings.IndexByte(pattern[i:], '}')
			if end < 0 {
				break
			}
			lo, hi, comma := strings.Cut(pattern[i+1:i+end], ",")
			m, err1 := strconv.Atoi(lo)
			if err1 != nil {
				break
			}
			n, err2 := strconv.Atoi(hi)
			if m > maxRE2Repeat {
				return pattern, false
			}
			if comma && err2 == nil && n > maxRE2Repeat {
				fmt.Fprintf(&b, "{%d,%d}", m, maxRE2Repeat)
				i += end
				changed = true
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String(), changed
}

// isHex4 reports whether s is four hexadecimal digits.
func isHex4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
