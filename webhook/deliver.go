package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mockd/mockd/redact"
)

// Retry is the retry policy: an attempt is retried while the receiver
// answers 5xx or 429, times out or cannot be reached, up to Attempts tries;
// the gap before try n+1 is Backoff·Multiplier^(n-1), capped at MaxBackoff,
// scaled by a seeded factor in [1-Jitter, 1+Jitter].
type Retry struct {
	Attempts   int           `json:"attempts"`
	Backoff    time.Duration `json:"backoff"`
	MaxBackoff time.Duration `json:"max_backoff"`
	Multiplier float64       `json:"multiplier"`
	Jitter     float64       `json:"jitter"`
	// Timeout bounds each attempt (connect to the end of the answer).
	Timeout time.Duration `json:"timeout"`
}

// DefaultRetry is the policy for zero fields of Config.Retry.
var defaultRetry = Retry{Attempts: 4, Backoff: 500 * time.Millisecond, MaxBackoff: 30 * time.Second, Multiplier: 2, Jitter: 0.2, Timeout: 5 * time.Second}

// DefaultRetry returns the policy used for zero fields of Config.Retry:
// 4 attempts, 500ms doubling up to 30s, ±20% jitter, 5s per attempt.
func DefaultRetry() Retry { return defaultRetry }

func (r Retry) withDefaults() Retry {
	d := defaultRetry
	if r.Attempts > 0 {
		d.Attempts = r.Attempts
	}
	if r.Backoff > 0 {
		d.Backoff = r.Backoff
	}
	if r.MaxBackoff > 0 {
		d.MaxBackoff = r.MaxBackoff
	}
	if r.Multiplier >= 1 {
		d.Multiplier = r.Multiplier
	}
	if r.Jitter > 0 {
		d.Jitter = r.Jitter
	}
	if r.Timeout > 0 {
		d.Timeout = r.Timeout
	}
	return d
}

// gap is the wait before attempt n+1 (n from 1) of message id.
func (r Retry) gap(seed uint64, id string, n int) time.Duration {
	base := float64(r.Backoff) * math.Pow(r.Multiplier, float64(n-1))
	base = math.Min(base, float64(r.MaxBackoff))
	u := draw(seed, "backoff:"+id, uint64(n))
	return time.Duration(base * (1 + r.Jitter*(2*u-1)))
}

// Headers mockd sends with every scheme: the event's name and the message
// id (the same on retries and duplicates: a receiver de-duplicates on it).
const (
	NameHeader = "X-Mockd-Webhook"
	IDHeader   = "X-Mockd-Message-Id"
)

// Config configures a Deliverer.
type Config struct {
	// Scheme is the signature scheme: github (""), stripe or standard.
	Scheme string
	// Secret signs every message; it is never logged nor journalled.
	Secret Secret
	// Retry is the retry policy (zero fields: DefaultRetry).
	Retry Retry
	// Seed drives jitter, message ids and fault choices.
	Seed uint64
	// Rules are the delivery faults, first match wins.
	Rules []Rule
	// JournalSize bounds the journal (0: DefaultJournalSize).
	JournalSize int
	// Client sends the requests (nil: a client without proxy or redirects).
	Client *http.Client
	// Logger logs each attempt (nil: discard). Wrap it with redact.Handler.
	Logger *slog.Logger
	// Redactor redacts receiver URLs in the journal and logs (nil: default).
	Redactor *redact.Redactor
}

// Event is one webhook or callback to send.
type Event struct {
	// Name is the webhook's name or the callback's "operation/callback".
	Name string
	// URL is the receiver.
	URL string
	// Method is the HTTP method ("" is POST).
	Method string
	// Body is sent as is and signed.
	Body []byte
	// ContentType of Body ("" is application/json).
	ContentType string
}

// Result is what became of an event.
type Result struct {
	ID        string `json:"id"`
	Webhook   string `json:"webhook"`
	Status    int    `json:"status"`
	Attempts  int    `json:"attempts"`
	Delivered bool   `json:"delivered"`
	// Held: an out_of_order fault holds the message until the next event.
	Held  bool   `json:"held,omitempty"`
	Fault string `json:"fault,omitempty"`
}

// ErrUndelivered wraps the error of an event whose every attempt failed.
var ErrUndelivered = errors.New("webhook: not delivered")

// Deliverer signs and sends events. It is safe for concurrent use.
type Deliverer struct {
	cfg     Config
	scheme  Scheme
	retry   Retry
	journal *Journal
	picker  *picker
	client  *http.Client
	log     *slog.Logger
	red     *redact.Redactor

	mu   sync.Mutex
	seq  uint64     // messages signed
	held []*pending // out_of_order messages waiting for the next event
	wg   sync.WaitGroup
	ctx  context.Context // cancelled by Close: ends hold timers
	stop context.CancelFunc
}

// pending is a signed message ready to send.
type pending struct {
	ev    Event
	msg   Message
	hdr   http.Header
	rule  *Rule
	timer *time.Timer
}

// New checks cfg and builds a Deliverer.
func New(cfg Config) (*Deliverer, error) {
	sch, err := SchemeNamed(cfg.Scheme)
	if err != nil {
		return nil, err
	}
	if cfg.Secret == "" {
		return nil, errors.New("webhook: no signing secret (fix: set --webhook-secret or MOCKD_WEBHOOK_SECRET)")
	}
	if sch.Name() == SchemeStandard {
		if _, err := StandardKey(cfg.Secret); err != nil {
			return nil, err
		}
	}
	d := &Deliverer{cfg: cfg, scheme: sch, retry: cfg.Retry.withDefaults(), journal: NewJournal(cfg.JournalSize),
		picker: newPicker(cfg.Seed, cfg.Rules), client: cfg.Client, log: cfg.Logger, red: cfg.Redactor}
	if d.client == nil {
		d.client = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.red == nil {
		d.red = redact.Default()
	}
	d.ctx, d.stop = context.WithCancel(context.Background())
	return d, nil
}

// Journal returns the delivery journal.
func (d *Deliverer) Journal() *Journal { return d.journal }

// Scheme returns the signature scheme.
func (d *Deliverer) Scheme() Scheme { return d.scheme }

// Reset rewinds the fault counters and clears the journal.
func (d *Deliverer) Reset() {
	d.picker.reset()
	d.journal.Clear()
}

// Close sends the held messages now, waits for them, and stops.
func (d *Deliverer) Close() {
	d.mu.Lock()
	held := d.held
	d.held = nil
	d.mu.Unlock()
	for _, p := range held {
		if p.timer.Stop() {
			d.wg.Done()
		}
		_, _ = d.send(d.ctx, p)
	}
	d.stop()
	d.wg.Wait()
}

// Deliver signs ev and sends it, with retries and the faults its rule
// chooses, then sends the messages an out_of_order fault was holding. It
// returns when the last attempt is done (or, for a held message, at once).
func (d *Deliverer) Deliver(ctx context.Context, ev Event) (Result, error) {
	if ev.URL == "" {
		return Result{}, fmt.Errorf("webhook %s: no receiver URL (fix: pass --webhook-url, or name one in the fire request or the webhooks file)", ev.Name)
	}
	p, err := d.prepare(ev)
	if err != nil {
		return Result{}, err
	}
	var res Result
	if p.rule != nil && p.rule.Fault.OutOfOrder {
		d.hold(p)
		res = Result{ID: p.msg.ID, Webhook: ev.Name, Held: true, Fault: p.rule.Fault.Names()}
	} else {
		res, err = d.send(ctx, p)
	}
	d.releaseHeld(ctx, p)
	return res, err
}

// prepare picks the faults, numbers and signs the message.
func (d *Deliverer) prepare(ev Event) (*pending, error) {
	if u, err := url.Parse(ev.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook %s: receiver URL %q is not an absolute http(s) URL (fix: e.g. http://127.0.0.1:9000/hooks)", ev.Name, d.red.URL(ev.URL))
	}
	rule := d.picker.pick(ev.Name)
	d.mu.Lock()
	d.seq++
	n := d.seq
	d.mu.Unlock()
	msg := Message{ID: fmt.Sprintf("msg_%016x", rand64(d.cfg.Seed, n)), Timestamp: time.Now(), Body: ev.Body}
	signed := msg
	if rule != nil {
		if rule.Fault.Stale > 0 {
			msg.Timestamp = msg.Timestamp.Add(-rule.Fault.Stale)
			signed.Timestamp = msg.Timestamp
		}
		if rule.Fault.BadSignature {
			signed.Body = append(bytes.Clone(ev.Body), " tampered"...)
		}
	}
	h := http.Header{}
	if err := d.scheme.Sign(h, signed, d.cfg.Secret); err != nil {
		return nil, fmt.Errorf("webhook %s: %w", ev.Name, err)
	}
	ct := ev.ContentType
	if ct == "" {
		ct = "application/json"
	}
	h.Set("Content-Type", ct)
	h.Set("User-Agent", "mockd-webhooks")
	h.Set(NameHeader, ev.Name)
	h.Set(IDHeader, msg.ID)
	return &pending{ev: ev, msg: msg, hdr: h, rule: rule}, nil
}

// rand64 is the n-th message's id number under seed.
func rand64(seed, n uint64) uint64 {
	return rand.New(rand.NewPCG(seed, n)).Uint64()
}

// hold keeps p until the next event (or its hold time).
func (d *Deliverer) hold(p *pending) {
	hold := p.rule.Fault.Hold
	if hold <= 0 {
		hold = DefaultHold
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.held = append(d.held, p)
	d.wg.Add(1)
	p.timer = time.AfterFunc(hold, func() {
		defer d.wg.Done()
		if d.take(p) {
			_, _ = d.send(d.ctx, p)
		}
	})
}

// take removes p from the held list; false when someone else sent it.
func (d *Deliverer) take(p *pending) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, h := range d.held {
		if h == p {
			d.held = append(d.held[:i], d.held[i+1:]...)
			return true
		}
	}
	return false
}

// releaseHeld sends the messages held before cur, after cur went out.
func (d *Deliverer) releaseHeld(ctx context.Context, cur *pending) {
	d.mu.Lock()
	var due []*pending
	keep := d.held[:0]
	for _, h := range d.held {
		if h == cur {
			keep = append(keep, h)
		} else {
			due = append(due, h)
		}
	}
	d.held = keep
	d.mu.Unlock()
	for _, p := range due {
		if p.timer.Stop() {
			d.wg.Done()
		}
		_, _ = d.send(ctx, p)
	}
}

// send delivers p (with retries) and its duplicate copies.
func (d *Deliverer) send(ctx context.Context, p *pending) (Result, error) {
	res, err := d.attempts(ctx, p, 0)
	if p.rule != nil {
		for c := 1; c <= p.rule.Fault.Duplicate; c++ {
			if _, derr := d.attempts(ctx, p, c); derr != nil && err == nil {
				err = derr
			}
		}
	}
	return res, err
}

// attempts sends one copy of p until it is delivered, rejected, or out of
// attempts; it waits the backoff gaps between them.
func (d *Deliverer) attempts(ctx context.Context, p *pending, copyNo int) (Result, error) {
	res := Result{ID: p.msg.ID, Webhook: p.ev.Name}
	if p.rule != nil {
		res.Fault = p.rule.Fault.Names()
	}
	var wait time.Duration
	var lastErr error
	for n := 1; n <= d.retry.Attempts; n++ {
		if n > 1 {
			wait = d.retry.gap(d.cfg.Seed, p.msg.ID, n-1)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return res, fmt.Errorf("webhook %s (%s): %w", p.ev.Name, p.msg.ID, ctx.Err())
			case <-t.C:
			}
		}
		a := d.once(ctx, p, n, copyNo, wait)
		res.Attempts, res.Status = n, a.Status
		switch a.Outcome {
		case OutcomeDelivered:
			res.Delivered = true
			return res, nil
		case OutcomeRejected:
			return res, fmt.Errorf("%w: %s (%s) answered %d", ErrUndelivered, p.ev.Name, p.msg.ID, a.Status)
		}
		lastErr = fmt.Errorf("%w: %s (%s) after %d attempts: last %s", ErrUndelivered, p.ev.Name, p.msg.ID, n, describe(a))
	}
	return res, lastErr
}

func describe(a Attempt) string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("status %d", a.Status)
}

// once sends one attempt and journals it.
func (d *Deliverer) once(ctx context.Context, p *pending, n, copyNo int, wait time.Duration) Attempt {
	timeout := d.retry.Timeout
	fault, ruleName := "", ""
	if p.rule != nil {
		fault, ruleName = p.rule.Fault.Names(), p.rule.Name
		if p.rule.Fault.Timeout > 0 && n == 1 && copyNo == 0 {
			timeout = p.rule.Fault.Timeout
		}
	}
	sh := d.scheme.Header()
	a := Attempt{Webhook: p.ev.Name, ID: p.msg.ID, URL: d.red.URL(p.ev.URL), Attempt: n, Copy: copyNo,
		WaitMS: ms(wait), Signature: sh + ": " + p.hdr.Get(sh), Timestamp: p.msg.Timestamp.Unix(), Fault: fault, Rule: ruleName}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := p.ev.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(actx, method, p.ev.URL, bytes.NewReader(p.ev.Body))
	if err != nil {
		a.Outcome, a.Error = OutcomeFailed, err.Error()
		d.journal.add(a)
		return a
	}
	req.Header = p.hdr.Clone()
	a.Sent = time.Now()
	resp, err := d.client.Do(req)
	a.LatencyMS = ms(time.Since(a.Sent))
	last := n == d.retry.Attempts
	switch {
	case err != nil:
		a.Error = d.red.Text(err.Error())
		if errors.Is(actx.Err(), context.DeadlineExceeded) {
			a.Error = fmt.Sprintf("timeout after %s", timeout)
		}
		a.Outcome = retryOrFail(last)
	default:
		drain(resp)
		a.Status = resp.StatusCode
		switch {
		case a.Status >= 200 && a.Status < 300:
			a.Outcome = OutcomeDelivered
		case a.Status >= 500 || a.Status == http.StatusTooManyRequests:
			a.Outcome = retryOrFail(last)
		default:
			a.Outcome = OutcomeRejected
		}
	}
	d.journal.add(a)
	d.log.Info("webhook attempt", "webhook", a.Webhook, "id", a.ID, "attempt", n, "copy", copyNo, "status", a.Status,
		"outcome", a.Outcome, "latency_ms", a.LatencyMS, "fault", fault, "url", a.URL, "error", a.Error)
	return a
}

func retryOrFail(last bool) string {
	if last {
		return OutcomeFailed
	}
	return OutcomeRetry
}

// drain reads a bounded part of the answer so the connection can be reused.
func drain(resp *http.Response) {
	buf := make([]byte, 4096)
	for i := 0; i < 16; i++ {
		if _, err := resp.Body.Read(buf); err != nil {
			break
		}
	}
	_ = resp.Body.Close()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
