package schemagen

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// stringAttempts bounds generate-and-check rounds for one string.
const stringAttempts = 24

// propName returns the property name a node's path ends with ("" when not a property).
func (n *node) propName() string {
	i := strings.LastIndex(n.path, "/properties/")
	if i < 0 {
		return ""
	}
	return n.path[i+len("/properties/"):]
}

// stringOK checks a candidate string against the node's length, pattern and format constraints.
func (g *generator) nodeStringOK(n *node, s string) bool {
	l := utf8.RuneCountInString(s)
	if l < n.minLen || (n.maxLen >= 0 && l > n.maxLen) {
		return false
	}
	for _, p := range n.patterns {
		re, err := g.regexp(p)
		if err != nil || !re.MatchString(s) {
			return false
		}
	}
	return formatOK(n.format, s)
}

func (g *generator) genString(n *node) (any, error) {
	if n.maxLen >= 0 && n.minLen > n.maxLen {
		return nil, &SchemaError{Path: n.path, Keyword: "minLength/maxLength", Line: n.line(),
			Reason: fmt.Sprintf("minLength %d > maxLength %d; fix the bounds", n.minLen, n.maxLen)}
	}
	if g.fixed {
		if s := samplerString(n.format, n.minLen, n.maxLen, n.propName()); g.nodeStringOK(n, s) {
			return s, nil
		}
	}
	if len(n.patterns) > 0 {
		pg, err := g.patternGen(n.patterns[0])
		if err != nil {
			return nil, &SchemaError{Path: n.path, Keyword: "pattern", Line: n.line(), Reason: err.Error()}
		}
		for attempt := 0; attempt < stringAttempts; attempt++ {
			s, err := pg.generate(g.rnd, n.minLen, n.maxLen)
			if err != nil {
				return nil, &SchemaError{Path: n.path, Keyword: "pattern", Line: n.line(), Reason: err.Error()}
			}
			if g.nodeStringOK(n, s) {
				return s, nil
			}
		}
		kw := "pattern"
		if n.format != "" {
			kw = "pattern/format"
		}
		return nil, retryable(n.path, kw, n.line(), fmt.Sprintf("no string matching pattern %q also met format %q and the other patterns in %d attempts; make them compatible", n.patterns[0], n.format, stringAttempts))
	}
	for attempt := 0; attempt < stringAttempts; attempt++ {
		s, err := g.formatString(n)
		if err != nil {
			return nil, err
		}
		if g.nodeStringOK(n, s) {
			return s, nil
		}
	}
	return nil, retryable(n.path, "format", n.line(), fmt.Sprintf("no %q string of %d..%s characters was found; relax minLength/maxLength", n.format, n.minLen, boundText(n.maxLen)))
}

// samplerString mirrors openapi-sampler's string sampler (the one Prism uses in static mode).
func samplerString(format string, minLen, maxLen int, prop string) string {
	switch format {
	case "email":
		return "user@example.com"
	case "idn-email":
		return "пошта@укр.нет"
	case "password":
		res := "pa$$word"
		if minLen > len(res) {
			res += "_"
			res += ensureMinLength("qwerty!@#$%^123456", minLen-len(res))[:minLen-len(res)]
		}
		return res
	case "date-time":
		return "2019-08-24T14:15:22Z"
	case "date":
		return "2019-08-24"
	case "time":
		return "14:15:22Z"
	case "ipv4":
		return "192.168.0.1"
	case "ipv6":
		return "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
	case "hostname":
		return "example.com"
	case "idn-hostname":
		return "приклад.укр"
	case "iri":
		return "http://example.com/entity/1"
	case "iri-reference":
		return "/entity/1"
	case "uri", "url":
		return "http://example.com"
	case "uri-reference":
		return "../dictionary"
	case "uri-template":
		return "http://example.com/{endpoint}"
	case "uuid":
		if prop == "" {
			prop = "id"
		}
		return samplerUUID(prop)
	case "json-pointer":
		return "/json/pointer"
	case "relative-json-pointer":
		return "1/relative/json/pointer"
	case "regex":
		return "/regex/"
	case "byte":
		return "U3dhZ2dlciByb2Nrcw=="
	case "duration":
		return "P3D"
	}
	res := ensureMinLength("string", minLen)
	if maxLen >= 0 && utf8.RuneCountInString(res) > maxLen {
		res = string([]rune(res)[:maxLen])
	}
	return res
}

func ensureMinLength(sample string, minLen int) string {
	if minLen > len(sample) {
		return strings.Repeat(sample, minLen/len(sample)+1)[:minLen]
	}
	return sample
}

// samplerUUID is openapi-sampler's deterministic UUID: a jsf32 PRNG seeded with a Java-style string hash.
func samplerUUID(s string) string {
	var hash int32
	for _, c := range utf16Units(s) {
		hash = (hash << 5) - hash + int32(c)
	}
	a, b, c, d := uint32(hash), uint32(hash), uint32(hash), uint32(hash)
	next := func() float64 {
		t := a - (b<<27 | b>>5)
		a = b ^ (c<<17 | c>>15)
		b = c + d
		c = d + t
		d = a + t
		return float64(d) / 4294967296
	}
	const tmpl = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
	const hexDigits = "0123456789abcdef"
	out := []byte(tmpl)
	for i, ch := range []byte(tmpl) {
		if ch != 'x' && ch != 'y' {
			continue
		}
		r := int(next()*16) % 16
		if ch == 'y' {
			r = r&0x3 | 0x8
		}
		out[i] = hexDigits[r]
	}
	return string(out)
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// wordParts are syllables for realistic-ish words (an immutable table).
const wordParts = "ka lo mi ne ta ri so vu pe da ne ro li sa te mo"

// word returns a lowercase pronounceable word of exactly k letters.
func (g *generator) word(k int) string {
	syl := strings.Fields(wordParts)
	var b strings.Builder
	for b.Len() < k {
		b.WriteString(syl[g.rnd.IntN(len(syl))])
	}
	return b.String()[:k]
}

// target picks a length in [max(lo, floor), min(hi, ceil)], preferring the natural length.
func (g *generator) target(n *node, fixed, floor, ceil, natural int) (int, bool) {
	lo := max(n.minLen-fixed, floor)
	hi := ceil
	if n.maxLen >= 0 {
		hi = min(hi, n.maxLen-fixed)
	}
	if lo > hi {
		return 0, false
	}
	if natural >= lo && natural <= hi && g.rnd.IntN(2) == 0 {
		return natural, true
	}
	return lo + g.rnd.IntN(min(hi-lo, 12)+1), true
}

// formatString generates a string for the node's format, sized to its length bounds where the format allows.
func (g *generator) formatString(n *node) (string, error) {
	r := g.rnd
	switch n.format {
	case "date", "date-time", "time":
		t := time.Date(1990+r.IntN(45), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
		switch n.format {
		case "date":
			return t.Format("2006-01-02"), nil
		case "time":
			return t.Format("15:04:05") + "Z", nil
		}
		return t.Format("2006-01-02T15:04:05Z"), nil
	case "duration":
		return fmt.Sprintf("P%dDT%dH%dM", r.IntN(30), r.IntN(24), 1+r.IntN(59)), nil
	case "uuid":
		return g.uuid(), nil
	case "email", "idn-email":
		domain := "example.com"
		if n.maxLen >= 0 && n.maxLen < 14 {
			domain = "ex.io"
		}
		k, ok := g.target(n, len(domain)+1, 1, 64, 4+r.IntN(6))
		if !ok {
			return "", g.formatLenErr(n)
		}
		return g.word(k) + "@" + domain, nil
	case "hostname", "idn-hostname":
		suffix := ".example.com"
		if n.maxLen >= 0 && n.maxLen < 16 {
			suffix = ""
		}
		k, ok := g.target(n, len(suffix), 1, 63, 3+r.IntN(8))
		if !ok {
			return "", g.formatLenErr(n)
		}
		return g.word(k) + suffix, nil
	case "ipv4":
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)), nil
	case "ipv6":
		parts := make([]string, 8)
		for i := range parts {
			parts[i] = fmt.Sprintf("%x", r.IntN(0x10000))
		}
		return strings.Join(parts, ":"), nil
	case "uri", "url", "iri":
		prefix := "https://example.com/"
		k, ok := g.target(n, len(prefix), 0, 200, 4+r.IntN(8))
		if !ok {
			return "", g.formatLenErr(n)
		}
		return prefix + g.word(k), nil
	case "uri-reference", "iri-reference":
		k, ok := g.target(n, 1, 0, 200, 4+r.IntN(8))
		if !ok {
			return "", g.formatLenErr(n)
		}
		return "/" + g.word(k), nil
	case "byte":
		return g.base64String(n)
	}
	// plain strings, password, binary and unknown formats
	k, ok := g.target(n, 0, 0, 1<<20, 5+r.IntN(10))
	if !ok {
		return "", g.formatLenErr(n)
	}
	if n.format == "password" || n.format == "binary" {
		const chars = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!@#$%^&*"
		b := make([]byte, k)
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		return string(b), nil
	}
	return g.word(k), nil
}

func (g *generator) formatLenErr(n *node) error {
	return &SchemaError{Path: n.path, Keyword: "format", Line: n.line(),
		Reason: fmt.Sprintf("no %q string has %d..%s characters; relax minLength/maxLength or drop the format", n.format, n.minLen, boundText(n.maxLen))}
}

// uuid is a random version 4 UUID.
func (g *generator) uuid() string {
	const hexDigits = "0123456789abcdef"
	b := []byte("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx")
	for i, c := range b {
		switch c {
		case 'x':
			b[i] = hexDigits[g.rnd.IntN(16)]
		case 'y':
			b[i] = hexDigits[8+g.rnd.IntN(4)]
		}
	}
	return string(b)
}

// base64String is a "byte" string: base64 of random bytes, its length
// within the node's bounds.
func (g *generator) base64String(n *node) (string, error) {
	r := g.rnd
	// base64 of m bytes is 4*ceil(m/3) characters
	lo, hi := n.minLen, n.maxLen
	var lens []int
	for l := 4; l <= 4*64; l += 4 {
		if l >= lo && (hi < 0 || l <= hi) {
			lens = append(lens, l)
		}
	}
	if lo == 0 && r.IntN(8) == 0 {
		return "", nil
	}
	if len(lens) == 0 {
		if lo == 0 {
			return "", nil
		}
		return "", g.formatLenErr(n)
	}
	l := lens[r.IntN(min(len(lens), 4))]
	raw := make([]byte, l/4*3)
	for i := range raw {
		raw[i] = byte(r.IntN(256))
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}
