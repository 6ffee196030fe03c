package matchers

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/redact"
)

// Journal matchers accept a *mockserver.Journal, a []mockserver.Entry, or
// anything with a Journal() *mockserver.Journal method (*mockserver.Server,
// *mockserver.TestServer).
//
// A journal entry is added when mockd's handler returns, which is just after
// the client has its response: an assertion made at once can miss the last
// request. Poll with Eventually; a *Journal is live, so this re-reads it:
//
//	Eventually(srv.Journal()).Should(HaveAttempts("Idempotency-Key", "k1", 3))
//
// Entries hold request headers with secrets redacted (Authorization,
// cookies, API keys, *token*, ...); other header names and values, such as
// Idempotency-Key, are kept.

// journaller is anything that has a journal: *mockserver.Server and
// *mockserver.TestServer.
type journaller interface {
	Journal() *mockserver.Journal
}

// entriesOf reads the entries of a journal matcher's actual value.
func entriesOf(matcher string, actual any) ([]mockserver.Entry, error) {
	switch a := actual.(type) {
	case *mockserver.Journal:
		if a != nil {
			return a.Entries(mockserver.Filter{}), nil
		}
	case []mockserver.Entry:
		return a, nil
	case journaller:
		if j := a.Journal(); j != nil {
			return j.Entries(mockserver.Filter{}), nil
		}
	}
	return nil, fmt.Errorf("%s expects a *mockserver.Journal, []mockserver.Entry or a server with Journal(), got %T (fix: pass srv.Journal())", matcher, actual)
}

// HaveAttempts succeeds when the journal holds exactly n requests whose
// header name has the given value, e.g. the attempts a retrying client made
// with one idempotency key:
//
//	Eventually(srv.Journal()).Should(HaveAttempts("Idempotency-Key", "k1", 3))
//
// The failure message lists those requests (or, when there are none, the
// last requests of the journal).
func HaveAttempts(header, value string, n int) *AttemptsMatcher {
	return &AttemptsMatcher{header: http.CanonicalHeaderKey(header), value: value, n: n}
}

// AttemptsMatcher is the matcher HaveAttempts returns.
type AttemptsMatcher struct {
	header, value string
	n             int

	got, all []mockserver.Entry
}

// Match counts the attempts.
func (m *AttemptsMatcher) Match(actual any) (bool, error) {
	if m.n < 0 {
		return false, fmt.Errorf("HaveAttempts(%q, %q, %d): the count must not be negative", m.header, m.value, m.n)
	}
	all, err := entriesOf("HaveAttempts", actual)
	if err != nil {
		return false, err
	}
	m.all, m.got = all, withHeader(all, m.header, m.value)
	return len(m.got) == m.n, nil
}

// FailureMessage says how many attempts there were and lists them.
func (m *AttemptsMatcher) FailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected %s with %s: %s, but the journal has %s", plural(m.n, "attempt"), m.header, m.value, countWord(len(m.got)))
	if len(m.got) > 0 {
		b.WriteString(":")
		writeEntries(&b, m.got, m.got[0].Received)
		return b.String()
	}
	b.WriteString(".")
	if redacted(m.all, m.header) {
		fmt.Fprintf(&b, " %s is redacted in the journal (it looks like a secret); match on a header that is not.", m.header)
	}
	writeContext(&b, m.all)
	return b.String()
}

// NegatedFailureMessage says that the count matched.
func (m *AttemptsMatcher) NegatedFailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected the journal not to have %s with %s: %s, but it has", plural(m.n, "attempt"), m.header, m.value)
	if len(m.got) == 0 {
		b.WriteString(" none.")
		return b.String()
	}
	b.WriteString(":")
	writeEntries(&b, m.got, m.got[0].Received)
	return b.String()
}

// HaveGapsAtLeast succeeds when consecutive requests arrived at least d
// apart (measured between the times mockd received them), e.g. a client
// honouring Retry-After: 1. It needs at least two requests: a client that
// never retried has no gap to measure and fails.
//
// Without ForKey or Where it measures every request in the journal; to
// measure the attempts of one idempotency key among other traffic, say so:
//
//	Eventually(srv.Journal()).Should(HaveGapsAtLeast(time.Second).ForKey("Idempotency-Key", "k1"))
func HaveGapsAtLeast(d time.Duration) *GapsMatcher {
	return &GapsMatcher{min: d}
}

// GapsMatcher is the matcher HaveGapsAtLeast returns. ForKey and Where
// narrow the requests it measures.
type GapsMatcher struct {
	min    time.Duration
	header string
	value  string
	filter *mockserver.Filter

	got   []mockserver.Entry
	worst int // index in got of the request after the shortest gap; 0 if none
	short int // how many gaps are shorter than min
}

// ForKey measures only the requests whose header name has the given value
// (the attempts of one key), and returns the matcher.
func (m *GapsMatcher) ForKey(header, value string) *GapsMatcher {
	c := *m
	c.header, c.value = http.CanonicalHeaderKey(header), value
	return &c
}

// Where measures only the requests that f selects (path, method, operation,
// rule, key...; f.Limit and f.AfterSeq apply too), and returns the matcher.
// It combines with ForKey.
func (m *GapsMatcher) Where(f mockserver.Filter) *GapsMatcher {
	c := *m
	c.filter = &f
	return &c
}

// what names the requests measured, for the messages.
func (m *GapsMatcher) what() string {
	switch {
	case m.header != "" && m.filter != nil:
		return "attempts with " + m.header + ": " + m.value + " among the requests selected by " + describeFilter(*m.filter)
	case m.header != "":
		return "attempts with " + m.header + ": " + m.value
	case m.filter != nil:
		return "requests selected by " + describeFilter(*m.filter)
	}
	return "requests in the journal"
}

// Match measures the gaps.
func (m *GapsMatcher) Match(actual any) (bool, error) {
	if m.min < 0 {
		return false, fmt.Errorf("HaveGapsAtLeast(%s): the gap must not be negative", m.min)
	}
	var all []mockserver.Entry
	var err error
	if j, ok := actual.(*mockserver.Journal); ok && j != nil && m.filter != nil {
		all = j.Entries(*m.filter)
	} else {
		all, err = entriesOf("HaveGapsAtLeast", actual)
		if err != nil {
			return false, err
		}
		if m.filter != nil {
			all = filterEntries(all, *m.filter)
		}
	}
	if m.header != "" {
		all = withHeader(all, m.header, m.value)
	}
	m.got, m.worst, m.short = all, 0, 0
	if len(all) < 2 {
		return false, nil
	}
	for i := 1; i < len(all); i++ {
		gap := all[i].Received.Sub(all[i-1].Received)
		if gap < m.min {
			m.short++
		}
		if m.worst == 0 || gap < all[m.worst].Received.Sub(all[m.worst-1].Received) {
			m.worst = i
		}
	}
	return m.short == 0, nil
}

// FailureMessage names the shortest gap and lists the requests.
func (m *GapsMatcher) FailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected at least %s between consecutive %s, but ", m.min, m.what())
	if len(m.got) < 2 {
		fmt.Fprintf(&b, "there %s, so there is no gap to measure (did the client retry at all?)", isAre(len(m.got)))
		if len(m.got) == 0 {
			b.WriteString(".")
			return b.String()
		}
		b.WriteString(":")
		writeEntries(&b, m.got, m.got[0].Received)
		return b.String()
	}
	w := m.got[m.worst]
	fmt.Fprintf(&b, "#%d came %s after #%d", w.Seq, w.Received.Sub(m.got[m.worst-1].Received).Round(time.Microsecond), m.got[m.worst-1].Seq)
	if m.short > 1 {
		fmt.Fprintf(&b, " (%d gaps are too short)", m.short)
	}
	b.WriteString(":")
	writeEntries(&b, m.got, m.got[0].Received)
	return b.String()
}

// NegatedFailureMessage says that every gap was long enough.
func (m *GapsMatcher) NegatedFailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected some gap between consecutive %s to be shorter than %s, but every gap is at least that long:", m.what(), m.min)
	writeEntries(&b, m.got, m.got[0].Received)
	return b.String()
}

// HaveNoRequestsBetween succeeds when no request reached mockd from t0 to t1
// (both included), e.g. while a client's circuit breaker was open:
//
//	openedAt := time.Now()
//	... calls that the open breaker rejects ...
//	Expect(srv.Journal()).To(HaveNoRequestsBetween(openedAt, time.Now()))
//
// A request that arrives in the window is added to the journal once mockd
// has answered it; when calls may still be in flight, wait for them (or
// assert with Consistently) before matching.
func HaveNoRequestsBetween(t0, t1 time.Time) *NoRequestsMatcher {
	return &NoRequestsMatcher{from: t0, to: t1}
}

// NoRequestsMatcher is the matcher HaveNoRequestsBetween returns.
type NoRequestsMatcher struct {
	from, to time.Time

	got []mockserver.Entry
}

// Match looks for requests in the window.
func (m *NoRequestsMatcher) Match(actual any) (bool, error) {
	if m.to.Before(m.from) {
		return false, fmt.Errorf("HaveNoRequestsBetween(%s, %s): the window ends before it starts (fix: pass the earlier time first)",
			clock(m.from), clock(m.to))
	}
	all, err := entriesOf("HaveNoRequestsBetween", actual)
	if err != nil {
		return false, err
	}
	m.got = nil
	for _, e := range all {
		if !e.Received.Before(m.from) && !e.Received.After(m.to) {
			m.got = append(m.got, e)
		}
	}
	return len(m.got) == 0, nil
}

// FailureMessage lists the requests that arrived in the window.
func (m *NoRequestsMatcher) FailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected no requests between %s and %s (a %s window), but %s arrived (times from the window's start):",
		clock(m.from), clock(m.to), m.to.Sub(m.from).Round(time.Microsecond), countWord(len(m.got)))
	writeEntries(&b, m.got, m.from)
	return b.String()
}

// NegatedFailureMessage says that the window was empty.
func (m *NoRequestsMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("Expected some request between %s and %s (a %s window), but none arrived.",
		clock(m.from), clock(m.to), m.to.Sub(m.from).Round(time.Microsecond))
}

// DescribeEntry renders a journal entry on one line, with its arrival time
// relative to ref, e.g.
//
//	#2 POST /books → 503 at +1.003s (fault checkout-retries/status+retry_after, key k1)
func DescribeEntry(e mockserver.Entry, ref time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s", e.Seq, e.Method, e.Path)
	if e.Query != "" {
		b.WriteString("?" + e.Query)
	}
	if e.Status > 0 {
		fmt.Fprintf(&b, " → %d", e.Status)
	} else {
		b.WriteString(" → no status")
	}
	if !ref.IsZero() {
		off := e.Received.Sub(ref).Round(time.Microsecond)
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		fmt.Fprintf(&b, " at %s%s", sign, off)
	}
	var extra []string
	if e.Fault != "" {
		extra = append(extra, "fault "+e.Fault)
	}
	if e.Key != "" {
		extra = append(extra, "key "+e.Key)
	}
	if e.End != "" && e.End != "normal" {
		extra = append(extra, "ended "+e.End)
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

func writeEntries(b *strings.Builder, entries []mockserver.Entry, ref time.Time) {
	for i, e := range entries {
		if i == maxListed {
			fmt.Fprintf(b, "\n    ... and %d more", len(entries)-maxListed)
			return
		}
		b.WriteString("\n    " + DescribeEntry(e, ref))
	}
}

// writeContext shows the last requests of the journal when the selection
// found none, so that a misspelt header or value stands out.
func writeContext(b *strings.Builder, all []mockserver.Entry) {
	if len(all) == 0 {
		b.WriteString(" The journal is empty.")
		return
	}
	const last = 5
	shown := all
	if len(shown) > last {
		shown = shown[len(shown)-last:]
	}
	fmt.Fprintf(b, " The journal holds %s; the last %s:", countWord(len(all)), plural(len(shown), "request"))
	writeEntries(b, shown, shown[0].Received)
}

func withHeader(all []mockserver.Entry, header, value string) []mockserver.Entry {
	var out []mockserver.Entry
	for _, e := range all {
		if v, ok := e.Headers[header]; ok && v == value {
			out = append(out, e)
		}
	}
	return out
}

func redacted(all []mockserver.Entry, header string) bool {
	for _, e := range all {
		if strings.Contains(e.Headers[header], redact.Redacted) {
			return true
		}
	}
	return false
}

// filterEntries applies f to entries that are not in a live journal.
func filterEntries(all []mockserver.Entry, f mockserver.Filter) []mockserver.Entry {
	var out []mockserver.Entry
	for i := range all {
		if f.Matches(&all[i]) {
			out = append(out, all[i])
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

func describeFilter(f mockserver.Filter) string {
	var parts []string
	add := func(name, v string) {
		if v != "" {
			parts = append(parts, name+"="+v)
		}
	}
	add("method", f.Method)
	add("path", f.Path)
	add("operation", f.Operation)
	add("rule", f.Rule)
	add("key", f.Key)
	add("header", f.Header)
	if !f.Since.IsZero() {
		parts = append(parts, "since="+clock(f.Since))
	}
	if f.AfterSeq > 0 {
		parts = append(parts, fmt.Sprintf("after=#%d", f.AfterSeq))
	}
	if f.Limit > 0 {
		parts = append(parts, fmt.Sprintf("limit=%d", f.Limit))
	}
	if len(parts) == 0 {
		return "an empty filter"
	}
	return strings.Join(parts, " ")
}

func clock(t time.Time) string { return t.Format("15:04:05.000") }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// countWord is "none", "1" or "N" for "the journal has ...".
func countWord(n int) string {
	if n == 0 {
		return "none"
	}
	return fmt.Sprint(n)
}

func isAre(n int) string {
	if n == 1 {
		return "is only 1"
	}
	if n == 0 {
		return "are none"
	}
	return fmt.Sprintf("are only %d", n)
}
