package webhook_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/webhook"
)

func TestParseFile(t *testing.T) {
	src := `seed: 7
scheme: stripe
url: http://127.0.0.1:9/hooks
retry: {attempts: 5, backoff: 100ms, max_backoff: 2s, multiplier: 3, jitter: 0.1, timeout: 1s}
schedule:
  - {webhook: invoice.paid, every: 10s, after: 1s, count: 3}
faults:
  - {name: dupes, webhook: "invoice.*", rate: 0.5, fault: duplicate}
  - name: mixed
    times: 2
    fault: {duplicate: 2, stale_timestamp: 1h, timeout: 50ms, bad_signature: true, out_of_order: {hold: 2s}}
  - {name: late, fault: out_of_order}
`
	f, err := webhook.ParseFile([]byte(src), "hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if *f.Seed != 7 || f.Scheme != "stripe" || f.URL != "http://127.0.0.1:9/hooks" {
		t.Errorf("top level: %+v", f)
	}
	want := webhook.Retry{Attempts: 5, Backoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, Multiplier: 3, Jitter: 0.1, Timeout: time.Second}
	if f.Retry != want {
		t.Errorf("retry %+v", f.Retry)
	}
	if len(f.Schedule) != 1 || f.Schedule[0].Every != 10*time.Second || f.Schedule[0].Count != 3 || f.Schedule[0].Pos.Line != 6 {
		t.Errorf("schedule %+v", f.Schedule)
	}
	if len(f.Rules) != 3 {
		t.Fatalf("rules %+v", f.Rules)
	}
	m := f.Rules[1].Fault
	if m.Duplicate != 2 || m.Stale != time.Hour || m.Timeout != 50*time.Millisecond || !m.BadSignature || !m.OutOfOrder || m.Hold != 2*time.Second {
		t.Errorf("mixed fault %+v", m)
	}
	if f.Rules[0].Fault.Duplicate != 1 || *f.Rules[0].Rate != 0.5 || f.Rules[1].Times != 2 || !f.Rules[2].Fault.OutOfOrder {
		t.Errorf("rules %+v", f.Rules)
	}
	if got := m.Names(); got != "duplicate,out_of_order,bad_signature,stale_timestamp,timeout" {
		t.Errorf("names %q", got)
	}
}

// TestParseFileErrors: every problem is reported at its line and column,
// with a fix, as a fault.ParseErrors.
func TestParseFileErrors(t *testing.T) {
	rows := []struct{ src, want string }{
		{"", "h.yaml:1:1: empty webhooks file"},
		{"scheme: a\n  b: c\n", "h.yaml:2:1: invalid YAML: mapping values are not allowed in this context"},
		{"scheme: hmac", "h.yaml:1:9: unknown signature scheme \"hmac\" (fix: use one of github, stripe, standard)"},
		{"sheme: github", "h.yaml:1:1: unknown key \"sheme\" in the webhooks file (fix: allowed keys:"},
		{"sheme: github", "h.yaml:1:1: unknown key \"sheme\" in the webhooks file (fix: allowed keys: seed, scheme, url, retry, schedule, faults; did you mean \"scheme\"?)"},
		{"faults: {a: 1}", "h.yaml:1:9: faults must be a list, not a mapping"},
		{"retry: {attempts: 0}", "h.yaml:1:19: retry.attempts 0 is out of range"},
		{"retry: {backoff: 5}", "h.yaml:1:18: retry.backoff \"5\" is not valid (fix: give a duration such as 250ms or 2s)"},
		{"retry: {jitter: 2}", "retry.jitter 2 is out of range"},
		{"schedule: [{webhook: a}]", "h.yaml:1:12: a schedule needs `webhook:` and `every:`"},
		{"faults: [{fault: duplicate}]", "h.yaml:1:10: fault rule has no name"},
		{"faults: [{name: a}]", "rule \"a\" has no fault (fix: add e.g. `fault: duplicate`"},
		{"faults: [{name: a, fault: explode}]", "h.yaml:1:27: unknown webhook fault \"explode\""},
		{"faults: [{name: a, fault: timeout}]", "timeout needs a duration"},
		{"faults: [{name: a, fault: {duplicate: 50}}]", "duplicate 50 is out of range"},
		{"faults: [{name: a, rate: 2, fault: duplicate}]", "rate 2 is outside [0,1]"},
		{"faults:\n  - {name: a, fault: duplicate}\n  - {name: a, fault: duplicate}", "h.yaml:3:5: duplicate rule name \"a\" (first at line 2)"},
		{"faults: [{name: a, fault: {stale_timestamp: -1s}}]", "stale_timestamp must be positive"},
	}
	for _, r := range rows {
		_, err := webhook.ParseFile([]byte(r.src), "h.yaml")
		var pe fault.ParseErrors
		if !errors.As(err, &pe) {
			t.Errorf("%q: want fault.ParseErrors, got %v", r.src, err)
			continue
		}
		if !strings.Contains(err.Error(), r.want) {
			t.Errorf("%q:\n got %v\nwant %s", r.src, err, r.want)
		}
	}
	if _, err := webhook.LoadFile("no/such/hooks.yaml"); err == nil || !strings.Contains(err.Error(), "--webhooks") {
		t.Errorf("missing file: %v", err)
	}
}

// TestScheduleRun fires Count times, Every apart, then returns.
func TestScheduleRun(t *testing.T) {
	var n atomic.Int32
	began := time.Now()
	webhook.Schedule{Webhook: "a", Every: 20 * time.Millisecond, Count: 3}.Run(context.Background(),
		func(context.Context) error { n.Add(1); return nil }, nil)
	if n.Load() != 3 {
		t.Errorf("fired %d times", n.Load())
	}
	if el := time.Since(began); el < 40*time.Millisecond {
		t.Errorf("3 fires 20ms apart took %s", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	webhook.Schedule{Webhook: "a", Every: time.Millisecond, After: time.Hour}.Run(ctx, func(context.Context) error {
		t.Error("fired after cancel")
		return nil
	}, nil)
}
