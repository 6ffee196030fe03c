package recorder

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/redact"
)

// Player answers requests from recorded interactions. Requests are matched
// by method + path + query (parameter order ignored), optionally also body
// and chosen headers (see the Options). Lookup is a map access on a key
// built from the request, so it does not slow down with cassette size.
// Repeated identical requests get the matching interactions in recorded
// order, then the last one again; Reset rewinds. Add makes a newly
// recorded interaction playable at once. Safe for concurrent use.
type Player struct {
	opts options

	mu      sync.Mutex // guards entries, buckets, byPath and bucket.next
	entries []*entry
	buckets map[string]*bucket
	byPath  map[string][]*entry
}

type entry struct {
	it     *cassette.Interaction
	source string
	index  int
	sig    signature
}

type bucket struct {
	entries []*entry
	next    int
}

// signature is the part of a request that matching looks at.
type signature struct {
	method  string
	path    string
	query   []qpair // sorted, redacted, ignored parameters removed
	headers []string
	body    string // canonical body, when matching on body
	key     string
}

type qpair struct{ k, v string }

// NewPlayer indexes the interactions of the given cassettes, in order. An
// interaction whose URL does not parse is an error naming its cassette and
// index.
func NewPlayer(cassettes []*cassette.Cassette, opts ...Option) (*Player, error) {
	p := &Player{
		opts:    buildOptions(opts),
		buckets: map[string]*bucket{},
		byPath:  map[string][]*entry{},
	}
	for _, c := range cassettes {
		if c == nil {
			continue
		}
		source := c.File
		if source == "" {
			source = c.Name
		}
		c.Mu.RLock()
		its := append([]*cassette.Interaction(nil), c.Interactions...)
		c.Mu.RUnlock()
		for idx, it := range its {
			if it == nil || it.DiscardOnSave {
				continue
			}
			sig, err := p.recordedSignature(it)
			if err != nil {
				return nil, fmt.Errorf("recorder: cassette %s: interaction %d: %w (fix or remove the interaction)", source, idx, err)
			}
			p.index(&entry{it: it, source: source, index: idx, sig: sig})
		}
	}
	return p, nil
}

// index adds e to the lookup tables. Call with p.mu held (or before
// sharing p).
func (p *Player) index(e *entry) {
	p.entries = append(p.entries, e)
	b := p.buckets[e.sig.key]
	if b == nil {
		b = &bucket{}
		p.buckets[e.sig.key] = b
	}
	b.entries = append(b.entries, e)
	p.byPath[e.sig.path] = append(p.byPath[e.sig.path], e)
}

// Add makes a redacted copy of a just-recorded interaction playable: the
// next matching request replays it instead of missing again. source names
// where it was recorded (e.g. the cassette file) for miss reports.
func (p *Player) Add(it *cassette.Interaction, source string) error {
	if it == nil {
		return fmt.Errorf("recorder: Player.Add: nil interaction")
	}
	cp := cloneInteraction(it)
	p.opts.redactor.Interaction(cp)
	sig, err := p.recordedSignature(cp)
	if err != nil {
		return fmt.Errorf("recorder: Player.Add from %s: %w", source, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.entries {
		if e.source == source {
			n++
		}
	}
	p.index(&entry{it: cp, source: source, index: n, sig: sig})
	return nil
}

// LoadPlayer loads cassette files (format 1 or 2) and builds a Player.
func LoadPlayer(paths []string, opts ...Option) (*Player, error) {
	cs := make([]*cassette.Cassette, 0, len(paths))
	for _, path := range paths {
		c, err := LoadFile(path)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return NewPlayer(cs, opts...)
}

// Len returns the number of indexed interactions.
func (p *Player) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// Reset rewinds every request's position to its first recorded interaction.
func (p *Player) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.buckets {
		b.next = 0
	}
}

// Match returns the recorded interaction for r, advancing that request's
// position. On a miss it returns a *MissError. A request body read for
// body matching is restored on r. The returned interaction is shared: do not
// modify it.
func (p *Player) Match(r *http.Request) (*cassette.Interaction, error) {
	sig, err := p.liveSignature(r)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	b := p.buckets[sig.key]
	if b == nil {
		p.mu.Unlock()
		return nil, &MissError{Method: r.Method, URL: p.opts.redactor.URL(r.URL.String()), player: p, sig: sig}
	}
	i := b.next
	if i >= len(b.entries) {
		i = len(b.entries) - 1
	} else {
		b.next++
	}
	it := b.entries[i].it
	p.mu.Unlock()
	return it, nil
}

// ServeHTTP answers r with its recorded response, or a 404
// application/problem+json that lists the closest recorded requests.
func (p *Player) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	it, err := p.Match(r)
	if err != nil {
		miss, ok := err.(*MissError)
		if !ok {
			writeProblem(w, http.StatusBadRequest, "Unreadable request", err.Error(), nil)
			return
		}
		writeProblem(w, http.StatusNotFound, "No recorded interaction matches", miss.Error(),
			map[string]any{"closest": miss.Closest()})
		return
	}
	if err := ServeInteraction(w, it); err != nil {
		p.opts.logger.Error("recorder: replay failed", "method", r.Method,
			"url", p.opts.redactor.URL(r.URL.String()), "err", err)
	}
}

func (p *Player) recordedSignature(it *cassette.Interaction) (signature, error) {
	u, err := url.Parse(it.Request.URL)
	if err != nil {
		return signature{}, fmt.Errorf("request.url: %w", err)
	}
	return p.signature(it.Request.Method, u, http.Header(it.Request.Headers), it.Request.Body), nil
}

func (p *Player) liveSignature(r *http.Request) (signature, error) {
	body := ""
	if p.opts.matchBody && r.Body != nil && r.Body != http.NoBody {
		data, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return signature{}, fmt.Errorf("recorder: read request body for matching: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		body = string(data)
	}
	return p.signature(r.Method, r.URL, r.Header, body), nil
}

func (p *Player) signature(method string, u *url.URL, h http.Header, body string) signature {
	red := p.opts.redactor
	s := signature{method: strings.ToUpper(method), path: u.EscapedPath()}
	if s.path == "" {
		s.path = "/"
	}
	if u.RawQuery != "" {
		for _, part := range strings.Split(u.RawQuery, "&") {
			if part == "" {
				continue
			}
			rk, rv, _ := strings.Cut(part, "=")
			k, err := url.QueryUnescape(rk)
			if err != nil {
				k = rk
			}
			if p.opts.ignoreQuery[k] {
				continue
			}
			v, err := url.QueryUnescape(rv)
			if err != nil {
				v = rv
			}
			if red.IsSecretQuery(k) {
				v = redact.Redacted
			}
			s.query = append(s.query, qpair{k, v})
		}
		sort.Slice(s.query, func(i, j int) bool {
			if s.query[i].k != s.query[j].k {
				return s.query[i].k < s.query[j].k
			}
			return s.query[i].v < s.query[j].v
		})
	}
	for _, name := range p.opts.matchHeaders {
		vals := h.Values(name)
		if red.IsSecretHeader(name) {
			rv := make([]string, len(vals))
			for i, v := range vals {
				rv[i] = red.HeaderValue(name, v)
			}
			vals = rv
		}
		s.headers = append(s.headers, strings.Join(vals, "\x01"))
	}
	if p.opts.matchBody {
		s.body = canonicalBody(red, h, body)
	}
	var b strings.Builder
	b.Grow(len(s.method) + len(s.path) + 64)
	b.WriteString(s.method)
	b.WriteByte(0)
	b.WriteString(s.path)
	b.WriteByte(0)
	for _, q := range s.query {
		b.WriteString(url.QueryEscape(q.k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(q.v))
		b.WriteByte('&')
	}
	b.WriteByte(0)
	for _, hv := range s.headers {
		b.WriteString(hv)
		b.WriteByte(2)
	}
	if p.opts.matchBody {
		b.WriteByte(0)
		sum := sha256.Sum256([]byte(s.body))
		b.Write(sum[:])
	}
	s.key = b.String()
	return s
}

// canonicalBody redacts a body the way it is recorded (decoded by its
// Content-Encoding under the decoder's limits), and renders JSON with
// sorted keys and no whitespace so JSON-equal bodies compare equal.
func canonicalBody(red *redact.Redactor, h http.Header, body string) string {
	if body == "" {
		return ""
	}
	data, _ := red.Body(h, []byte(body))
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') || json.Valid(data) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err == nil && !dec.More() {
			if out, err := json.Marshal(v); err == nil {
				return string(out)
			}
		}
	}
	return string(data)
}

// MissError reports a request no recorded interaction matches. Closest
// lists up to three recorded requests nearest to it and why each differs.
type MissError struct {
	// Method and URL of the unmatched request (URL redacted).
	Method string
	URL    string

	player  *Player
	sig     signature
	once    sync.Once
	closest []NearMiss
}

// NearMiss is a recorded request close to an unmatched one.
type NearMiss struct {
	// Source is the cassette file and Index the interaction's position in it.
	Source string `json:"source"`
	Index  int    `json:"index"`
	// Method and URL of the recorded request (URL redacted).
	Method string `json:"method"`
	URL    string `json:"url"`
	// Reasons says what differs, e.g. "query param page differs".
	Reasons []string `json:"reasons"`
}

// Error implements error.
func (e *MissError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "recorder: no recorded interaction matches %s %s", e.Method, e.URL)
	closest := e.Closest()
	if len(closest) == 0 {
		b.WriteString(" (the cassettes are empty; record some traffic first)")
		return b.String()
	}
	b.WriteString("; closest:")
	for _, c := range closest {
		fmt.Fprintf(&b, " [%s #%d %s %s: %s]", c.Source, c.Index, c.Method, c.URL, strings.Join(c.Reasons, "; "))
	}
	return b.String()
}

// Key identifies what the player matched on: method, path, query (secret
// values redacted, ignored parameters left out), the matched headers and,
// with body matching, the canonical body. Two requests with the same Key
// match the same recorded interactions, so a caller can serve them once
// (mockd's `--on-miss record` forwards one of them and replays it to the
// others). It is not meant for display: it holds a hash and separators.
func (e *MissError) Key() string { return e.sig.key }

// Closest returns up to three recorded requests nearest to the unmatched
// one (computed on first call: the miss path stays cheap when unused).
func (e *MissError) Closest() []NearMiss {
	e.once.Do(func() {
		if e.player != nil {
			e.closest = e.player.closest(e.sig, 3)
		}
	})
	return e.closest
}

func (p *Player) closest(s signature, n int) []NearMiss {
	p.mu.Lock()
	defer p.mu.Unlock()
	candidates := p.byPath[s.path]
	if len(candidates) < n {
		candidates = p.entries
	}
	type scored struct {
		e       *entry
		reasons []string
		prefix  int
	}
	best := make([]scored, 0, n+1)
	for _, e := range candidates {
		reasons := diffSignatures(s, e.sig, p.opts)
		sc := scored{e: e, reasons: reasons, prefix: commonPrefix(s.path, e.sig.path)}
		pos := len(best)
		for pos > 0 {
			o := best[pos-1]
			if len(o.reasons) < len(sc.reasons) || (len(o.reasons) == len(sc.reasons) && o.prefix >= sc.prefix) {
				break
			}
			pos--
		}
		if pos >= n {
			continue
		}
		best = append(best, scored{})
		copy(best[pos+1:], best[pos:])
		best[pos] = sc
		if len(best) > n {
			best = best[:n]
		}
	}
	out := make([]NearMiss, 0, len(best))
	for _, b := range best {
		out = append(out, NearMiss{
			Source:  b.e.source,
			Index:   b.e.index,
			Method:  b.e.it.Request.Method,
			URL:     p.opts.redactor.URL(b.e.it.Request.URL),
			Reasons: b.reasons,
		})
	}
	return out
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// diffSignatures explains how a live request (got) differs from a recorded
// one (rec). An empty result means they match but the recorded one was
// indexed under another key, which cannot happen.
func diffSignatures(got, rec signature, o options) []string {
	var out []string
	if got.method != rec.method {
		out = append(out, fmt.Sprintf("method differs: request %s, recorded %s", got.method, rec.method))
	}
	if got.path != rec.path {
		out = append(out, fmt.Sprintf("path differs: request %s, recorded %s", got.path, rec.path))
	}
	gq, rq := groupQuery(got.query), groupQuery(rec.query)
	keys := make([]string, 0, len(gq)+len(rq))
	for k := range gq {
		keys = append(keys, k)
	}
	for k := range rq {
		if _, ok := gq[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, gok := gq[k]
		r, rok := rq[k]
		switch {
		case !rok:
			out = append(out, fmt.Sprintf("query param %s not in recording (request %q)", k, g))
		case !gok:
			out = append(out, fmt.Sprintf("query param %s missing from request (recorded %q)", k, r))
		case g != r:
			out = append(out, fmt.Sprintf("query param %s differs: request %q, recorded %q", k, g, r))
		}
	}
	for i, name := range o.matchHeaders {
		if i < len(got.headers) && i < len(rec.headers) && got.headers[i] != rec.headers[i] {
			out = append(out, fmt.Sprintf("header %s differs", name))
		}
	}
	if o.matchBody && got.body != rec.body {
		out = append(out, "body differs")
	}
	return out
}

func groupQuery(q []qpair) map[string]string {
	m := make(map[string]string, len(q))
	for _, p := range q {
		if v, ok := m[p.k]; ok {
			m[p.k] = v + "," + p.v
		} else {
			m[p.k] = p.v
		}
	}
	return m
}
