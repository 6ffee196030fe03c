package schemagen

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// freeRange is the span used for numbers when the schema leaves a side unbounded.
const freeRange = 10000

// intBounds returns the inclusive integer range of the node (declared bounds with exclusivity, clamped to the
// format range) and whether each side was declared.
func (n *node) intBounds() (lo, hi float64, hasLo, hasHi bool) {
	lo, hi = n.fmtLo, n.fmtHi
	if n.hasLo {
		l := math.Ceil(n.lo)
		if n.exLo && l == n.lo {
			l++
		}
		lo, hasLo = math.Max(lo, l), true
	}
	if n.hasHi {
		h := math.Floor(n.hi)
		if n.exHi && h == n.hi {
			h--
		}
		hi, hasHi = math.Min(hi, h), true
	}
	return lo, hi, hasLo, hasHi
}

// intStep returns the smallest positive integer that is a multiple of every multipleOf, or an error.
func (n *node) intStep() (int64, error) {
	step := big.NewInt(1)
	for _, m := range n.multipleOf {
		r, ok := ratOf(m)
		if !ok {
			return 0, &SchemaError{Path: n.path, Keyword: "multipleOf", Line: n.line(), Reason: fmt.Sprintf("multipleOf %v is not a usable number", m)}
		}
		// integers that are multiples of p/q (reduced) are exactly the multiples of p
		p := new(big.Int).Abs(r.Num())
		gcd := new(big.Int).GCD(nil, nil, step, p)
		step.Mul(step, p).Div(step, gcd)
		if step.BitLen() > 52 {
			return 0, &SchemaError{Path: n.path, Keyword: "multipleOf", Line: n.line(), Reason: "the multipleOf values have no common integer multiple below 2^52; fix multipleOf"}
		}
	}
	return step.Int64(), nil
}

func (g *generator) genInteger(n *node) (any, error) {
	lo, hi, hasLo, hasHi := n.intBounds()
	step, err := n.intStep()
	if err != nil {
		return nil, err
	}
	kLo := int64(math.Ceil(lo / float64(step)))
	kHi := int64(math.Floor(hi / float64(step)))
	if lo > hi || kLo > kHi {
		return nil, &SchemaError{Path: n.path, Keyword: "minimum/maximum", Line: n.line(),
			Reason: fmt.Sprintf("no integer lies in %s that is a multiple of %d; fix minimum/maximum/exclusive*/multipleOf", rangeText(n), step)}
	}
	if g.fixed {
		cand := int64(0)
		switch {
		case hasLo:
			cand = int64(lo)
		case 0 >= lo && 0 <= hi:
			cand = 0
		case hasHi:
			cand = int64(hi)
		}
		k := ceilDiv(cand, step)
		if k > kHi {
			k = kHi
		}
		return k * step, nil
	}
	// dynamic: a window of freeRange when a side is open
	wLo, wHi := kLo, kHi
	span := int64(freeRange) / step
	if span < 1 {
		span = 1
	}
	switch {
	case !hasLo && !hasHi:
		wLo, wHi = max(kLo, 0), min(kHi, span)
		if wLo > wHi {
			wLo, wHi = kLo, kHi
		}
	case !hasLo:
		wLo = max(kLo, kHi-span)
	case !hasHi:
		wHi = min(kHi, kLo+span)
	}
	k := wLo + g.rnd.Int64N(wHi-wLo+1)
	return k * step, nil
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}

func rangeText(n *node) string {
	l, h := "(-inf", "+inf)"
	if n.hasLo {
		br := "["
		if n.exLo {
			br = "("
		}
		l = br + strconv.FormatFloat(n.lo, 'g', -1, 64)
	}
	if n.hasHi {
		br := "]"
		if n.exHi {
			br = ")"
		}
		h = strconv.FormatFloat(n.hi, 'g', -1, 64) + br
	}
	return l + ", " + h
}

// numberOKNode checks a float against the node's bounds and multipleOf values.
func (n *node) numberOK(f float64) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	if n.hasLo && (f < n.lo || (n.exLo && f == n.lo)) {
		return false
	}
	if n.hasHi && (f > n.hi || (n.exHi && f == n.hi)) {
		return false
	}
	for _, m := range n.multipleOf {
		if !isMultiple(f, m) {
			return false
		}
	}
	return true
}

func (g *generator) genNumber(n *node) (any, error) {
	if n.hasLo && n.hasHi && (n.lo > n.hi || (n.lo == n.hi && (n.exLo || n.exHi))) {
		return nil, &SchemaError{Path: n.path, Keyword: "minimum/maximum", Line: n.line(),
			Reason: fmt.Sprintf("the range %s is empty; fix minimum/maximum/exclusiveMinimum/exclusiveMaximum", rangeText(n))}
	}
	if len(n.multipleOf) > 0 {
		return g.genMultiple(n)
	}
	if g.fixed {
		for _, c := range g.staticNumberCandidates(n) {
			if n.numberOK(c) {
				return c, nil
			}
		}
	}
	lo, hi := n.lo, n.hi
	switch {
	case !n.hasLo && !n.hasHi:
		lo, hi = 0, freeRange
	case !n.hasLo:
		lo = hi - freeRange
	case !n.hasHi:
		hi = lo + freeRange
	}
	for attempt := 0; attempt < 8; attempt++ {
		f := lo + g.rnd.Float64()*(hi-lo)
		if r := math.Round(f*100) / 100; n.numberOK(r) {
			return r, nil
		}
		if n.numberOK(f) {
			return f, nil
		}
	}
	mid := lo + (hi-lo)/2
	if n.numberOK(mid) {
		return mid, nil
	}
	return nil, retryable(n.path, "minimum/maximum", n.line(), fmt.Sprintf("no number found in %s; widen the range", rangeText(n)))
}

// staticNumberCandidates mirrors openapi-sampler's number sampler, in order of preference.
func (g *generator) staticNumberCandidates(n *node) []float64 {
	zero := 0.0
	if n.format == "float" || n.format == "double" {
		zero = 0.1
	}
	var c []float64
	if n.hasLo {
		if n.exLo {
			c = append(c, math.Floor(n.lo)+1)
		} else {
			c = append(c, n.lo)
		}
	}
	c = append(c, zero, 0)
	if n.hasHi {
		if n.exHi {
			c = append(c, math.Ceil(n.hi)-1)
		} else {
			c = append(c, n.hi)
		}
	}
	if n.hasLo && n.hasHi {
		c = append(c, n.lo+(n.hi-n.lo)/2)
	}
	return c
}

// genMultiple generates k*m for the largest multipleOf m, computed in decimal so the JSON text is exact.
func (g *generator) genMultiple(n *node) (any, error) {
	m := n.multipleOf[0]
	for _, x := range n.multipleOf[1:] {
		if x > m {
			m = x
		}
	}
	mr, _ := ratOf(m)
	lo, hi := n.lo, n.hi
	switch {
	case !n.hasLo && !n.hasHi:
		lo, hi = 0, math.Max(freeRange, m*10)
	case !n.hasLo:
		lo = hi - math.Max(freeRange, m*10)
	case !n.hasHi:
		hi = lo + math.Max(freeRange, m*10)
	}
	kLo := int64(math.Ceil(lo / m))
	kHi := int64(math.Floor(hi / m))
	if kHi-kLo > 1<<40 {
		kHi = kLo + 1<<40
	}
	if kLo > kHi+1 {
		return nil, &SchemaError{Path: n.path, Keyword: "multipleOf", Line: n.line(),
			Reason: fmt.Sprintf("no multiple of %v lies in %s; fix multipleOf or the bounds", m, rangeText(n))}
	}
	value := func(k int64) float64 {
		r := new(big.Rat).Mul(mr, new(big.Rat).SetInt64(k))
		f, _ := strconv.ParseFloat(r.FloatString(12), 64)
		return f
	}
	var ks []int64
	if g.fixed {
		ks = append(ks, max(kLo, min(0, kHi)), kLo, kLo+1, kHi, kHi-1)
		if kLo <= 0 && kHi >= 0 {
			ks = append([]int64{0}, ks...)
		}
	}
	for attempt := 0; attempt < 16; attempt++ {
		if kHi >= kLo {
			ks = append(ks, kLo+g.rnd.Int64N(kHi-kLo+1))
		}
	}
	ks = append(ks, kLo-1, kLo, kHi, kHi+1)
	for _, k := range ks {
		f := value(k)
		if n.numberOK(f) {
			return f, nil
		}
	}
	return nil, &SchemaError{Path: n.path, Keyword: "multipleOf", Line: n.line(),
		Reason: fmt.Sprintf("no value in %s is a multiple of every multipleOf %v; fix multipleOf or the bounds", rangeText(n), n.multipleOf)}
}
