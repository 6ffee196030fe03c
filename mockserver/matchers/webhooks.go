package matchers

import (
	"fmt"
	"strings"

	"github.com/mockd/mockd/webhook"
)

// deliverer is anything with a webhook delivery journal:
// *mockserver.Server and *mockserver.TestServer.
type deliverer interface {
	WebhookDeliveries() *webhook.Journal
}

// HaveDelivered succeeds when the webhook delivery journal shows a message
// of the webhook or callback name delivered (the receiver answered 2xx).
// Times and InAttempts make it stricter. Callbacks go out in the
// background, so poll:
//
//	Eventually(srv).Should(HaveDelivered("invoice.paid"))
//	Eventually(srv).Should(HaveDelivered("invoice.paid").Times(2).InAttempts(3))
//
// It accepts a *webhook.Journal, a []webhook.Attempt, or anything with
// WebhookDeliveries() (*mockserver.Server, *mockserver.TestServer). The
// failure message lists the attempts made for name, or the last ones made.
func HaveDelivered(name string) *DeliveredMatcher {
	return &DeliveredMatcher{name: name, times: -1}
}

// DeliveredMatcher is the matcher HaveDelivered returns.
type DeliveredMatcher struct {
	name     string
	times    int // -1: at least one
	attempts int // 0: any

	all, got  []webhook.Attempt
	delivered []string // ids delivered, in order
	wrong     string   // an id delivered in another number of attempts
}

// Times requires exactly n distinct messages delivered (duplicates of one
// message count once).
func (m *DeliveredMatcher) Times(n int) *DeliveredMatcher {
	c := *m
	c.times = n
	return &c
}

// InAttempts requires every delivered message to have taken n attempts
// (n-1 retries) for its first copy.
func (m *DeliveredMatcher) InAttempts(n int) *DeliveredMatcher {
	c := *m
	c.attempts = n
	return &c
}

// Match reads the journal.
func (m *DeliveredMatcher) Match(actual any) (bool, error) {
	var all []webhook.Attempt
	switch a := actual.(type) {
	case *webhook.Journal:
		if a != nil {
			all = a.Attempts("")
		}
	case []webhook.Attempt:
		all = a
	case deliverer:
		j := a.WebhookDeliveries()
		if j == nil {
			return false, fmt.Errorf("HaveDelivered(%q): webhooks are off on this server (fix: set a webhook secret, e.g. mockserver.WebhookSecret)", m.name)
		}
		all = j.Attempts("")
	default:
		return false, fmt.Errorf("HaveDelivered expects a *webhook.Journal, []webhook.Attempt or a server with WebhookDeliveries(), got %T (fix: pass the server)", actual)
	}
	m.all, m.got, m.delivered, m.wrong = all, nil, nil, ""
	seen := map[string]bool{}
	for _, a := range all {
		if a.Webhook != m.name {
			continue
		}
		m.got = append(m.got, a)
		if a.Outcome != webhook.OutcomeDelivered || seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		m.delivered = append(m.delivered, a.ID)
		if m.attempts > 0 && a.Copy == 0 && a.Attempt != m.attempts && m.wrong == "" {
			m.wrong = fmt.Sprintf("%s was delivered at attempt %d", a.ID, a.Attempt)
		}
	}
	switch {
	case m.times < 0 && len(m.delivered) == 0, m.times >= 0 && len(m.delivered) != m.times:
		return false, nil
	}
	return m.wrong == "", nil
}

func (m *DeliveredMatcher) want() string {
	s := fmt.Sprintf("%q delivered", m.name)
	if m.times >= 0 {
		s += fmt.Sprintf(" %s", plural(m.times, "time"))
	}
	if m.attempts > 0 {
		s += fmt.Sprintf(" in %s each", plural(m.attempts, "attempt"))
	}
	return s
}

// FailureMessage says what was delivered and lists the attempts.
func (m *DeliveredMatcher) FailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected %s, but %s delivered", m.want(), plural(len(m.delivered), "message"))
	if m.wrong != "" {
		b.WriteString(" and " + m.wrong)
	}
	list, what := m.got, "attempts for "+m.name
	if len(list) == 0 {
		list, what = m.all, "last attempts (of any webhook)"
		if len(list) > maxListed {
			list = list[len(list)-maxListed:]
		}
	}
	if len(list) == 0 {
		b.WriteString("; the delivery journal is empty.")
		return b.String()
	}
	fmt.Fprintf(&b, ". The %s:", what)
	writeAttempts(&b, list)
	return b.String()
}

// NegatedFailureMessage says that it was delivered.
func (m *DeliveredMatcher) NegatedFailureMessage(any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Expected not %s, but it was:", m.want())
	writeAttempts(&b, m.got)
	return b.String()
}

// writeAttempts lists attempts one a line (at most maxListed).
func writeAttempts(b *strings.Builder, list []webhook.Attempt) {
	for i, a := range list {
		if i == maxListed {
			fmt.Fprintf(b, "\n  ... and %d more", len(list)-maxListed)
			return
		}
		fmt.Fprintf(b, "\n  #%d %s %s attempt %d", a.Seq, a.Webhook, a.ID, a.Attempt)
		if a.Copy > 0 {
			fmt.Fprintf(b, " (copy %d)", a.Copy)
		}
		fmt.Fprintf(b, " → %s", a.Outcome)
		if a.Status > 0 {
			fmt.Fprintf(b, " %d", a.Status)
		}
		if a.Error != "" {
			fmt.Fprintf(b, " (%s)", a.Error)
		}
		if a.Fault != "" {
			fmt.Fprintf(b, " fault %s", a.Fault)
		}
		fmt.Fprintf(b, " after a %.0f ms wait", a.WaitMS)
	}
}
