package fault_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mockd/mockd/fault"
)

func TestParseRulesGood(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		check func(t *testing.T, rs *fault.RuleSet)
	}{
		{"brief example", `seed: 42
rules:
  - name: checkout-retries
    match: {method: POST, path: /orders, operation: createOrder, headers: {X-Tenant: acme}}
    key: header:Idempotency-Key
    sequence: [{status: 503, retry_after: 1}, {status: 503, retry_after: 1}, pass]
  - name: slow-reads
    match: {method: GET}
    rate: 0.2
    fault: {latency: {dist: lognormal, median: 200ms, sigma: 0.5, max: 2s}}
  - name: outage
    match: {path: "/books/{bookId}"}
    phase: {after: 5s, for: 10s}
    fault: {status: 503}
    connection: any
`, func(t *testing.T, rs *fault.RuleSet) {
			if !rs.HasSeed || rs.Seed != 42 || len(rs.Rules) != 3 {
				t.Fatalf("seed/rules: %+v", rs)
			}
			r0 := rs.Rules[0]
			if r0.Key != "header:Idempotency-Key" || len(r0.Sequence) != 3 || r0.Sequence[2] != nil || r0.Then != fault.ThenPass {
				t.Fatalf("rule 0: %+v", r0)
			}
			if r0.Sequence[0].Status.Code != 503 || r0.Sequence[0].RetryAfter.Seconds != 1 {
				t.Fatalf("step 0: %+v", r0.Sequence[0])
			}
			if r0.Match.Methods[0] != "POST" || r0.Match.Headers["X-Tenant"] != "acme" || r0.Pos.Line != 3 || r0.Pos.Col != 5 {
				t.Fatalf("match/pos: %+v %+v", r0.Match, r0.Pos)
			}
			l := rs.Rules[1].Fault.Latency
			if l.Dist != "lognormal" || l.Median != 200*time.Millisecond || l.Sigma != 0.5 || l.Max != 2*time.Second || *rs.Rules[1].Rate != 0.2 {
				t.Fatalf("latency: %+v", l)
			}
			if ph := rs.Rules[2].Phase; ph.After != 5*time.Second || ph.For != 10*time.Second || ph.From != "engine" {
				t.Fatalf("phase: %+v", ph)
			}
		}},
		{"every wire fault and shorthands", `rules:
  - {name: a, fault: reset}
  - {name: b, fault: close}
  - {name: c, fault: {hang: {max: 2s}}}
  - {name: d, fault: {refuse: 1s}}
  - {name: e, fault: {stall_body: 3s}}
  - {name: f, fault: {dribble: {chunks: 3, duration: 1s}}}
  - {name: g, fault: {throttle: 100}}
  - {name: h, fault: {truncate: {bytes: 3, end: reset}}}
  - {name: i, fault: malformed_chunk}
  - {name: j, fault: {garbage: 32}}
  - {name: k, fault: {corrupt: invalid_json}}
  - {name: l, fault: {corrupt: {kind: wrong_content_type, content_type: text/html}}}
  - {name: m, fault: 418}
  - {name: n, fault: {latency: 100ms, truncate: true}}
  - {name: o, fault: {status: 429, retry_after: "Sun, 06 Nov 1994 08:49:37 GMT"}}
  - {name: p, fault: {status: 503, retry_after: huge}}
  - {name: q, fault: {retry_after: {in: 30s}}}
  - {name: r, every: "2/5", fault: {latency: {dist: uniform, min: 1ms, max: 5ms}}}
  - {name: s, rate_limit: {capacity: 3, refill_every: 500ms}, key: "query:api_key"}
  - {name: t, sequence: [503, reset, pass], then: cycle, phase: {after_requests: 2, from: arm}}
`, func(t *testing.T, rs *fault.RuleSet) {
			if len(rs.Rules) != 20 {
				t.Fatalf("got %d rules", len(rs.Rules))
			}
			want := []string{"reset", "close", "hang", "refuse", "stall_body", "dribble", "throttle", "truncate",
				"malformed_chunk", "garbage", "corrupt", "corrupt", "status", "latency+truncate", "status+retry_after",
				"status+retry_after", "retry_after", "latency"}
			for i, w := range want {
				if got := rs.Rules[i].Fault.Names(); got != w {
					t.Errorf("rule %s: names %q, want %q", rs.Rules[i].Name, got, w)
				}
			}
			if rs.Rules[7].Fault.Truncate.Bytes != 3 || rs.Rules[7].Fault.Truncate.End != "reset" {
				t.Errorf("truncate: %+v", rs.Rules[7].Fault.Truncate)
			}
			if rs.Rules[12].Fault.Status.Code != 418 || rs.Rules[19].Then != "cycle" || rs.Rules[19].Sequence[1].Reset != true {
				t.Errorf("shorthands: %+v %+v", rs.Rules[12].Fault, rs.Rules[19])
			}
		}},
		{"empty rule list", "rules: []\n", func(t *testing.T, rs *fault.RuleSet) {
			if len(rs.Rules) != 0 || rs.HasSeed {
				t.Fatalf("%+v", rs)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := fault.ParseRules([]byte(c.yaml), "good.yaml")
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			c.check(t, rs)
		})
	}
}

func TestParseRulesBad(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown fault", "rules:\n  - name: a\n    fault: {explode: true}\n", `bad.yaml:3:13: unknown key "explode" in fault`},
		{"unknown bare fault", "rules:\n  - name: a\n    fault: boom\n", `bad.yaml:3:12: unknown fault "boom" in fault`},
		{"pass is no fault", "rules:\n  - name: a\n    fault: pass\n", "a status code, or one of"},
		{"pass is a sequence step", "rules:\n  - name: a\n    sequence: [boom]\n", "a status code, `pass`, or one of"},
		{"unknown top key", "seed: 1\nrulez: []\n", `bad.yaml:2:1: unknown key "rulez" in the rule file`},
		{"a misspelt fault is named", "rules:\n  - name: a\n    fault: {latnecy: 1s}\n", `did you mean "latency"?)`},
		{"unknown rule key", "rules:\n  - name: a\n    fault: reset\n    colour: red\n", `bad.yaml:4:5: unknown key "colour" in a rule`},
		{"unknown match key", "rules:\n  - name: a\n    match: {verb: GET}\n    fault: reset\n", `bad.yaml:3:13: unknown key "verb" in match`},
		{"unknown nested key", "rules:\n  - name: a\n    fault: {latency: {dist: fixed, value: 1s, jitter: 2s}}\n", `bad.yaml:3:47: unknown key "jitter" in latency`},
		{"negative duration", "rules:\n  - name: a\n    fault: {latency: -5ms}\n", `bad.yaml:3:22: latency -5ms is negative`},
		{"duration without unit", "rules:\n  - name: a\n    fault: {hang: {max: 5}}\n", `bad.yaml:3:25: hang.max "5" has no unit (fix: add a unit`},
		{"negative phase", "rules:\n  - name: a\n    phase: {after: -1s}\n    fault: reset\n", `bad.yaml:3:20: phase.after -1s is negative`},
		{"rate above 1", "rules:\n  - name: a\n    rate: 1.5\n    fault: reset\n", `bad.yaml:3:11: rate 1.5 is outside [0,1]`},
		{"rate negative", "rules:\n  - name: a\n    rate: -0.1\n    fault: reset\n", `bad.yaml:3:11: rate -0.1 is outside [0,1]`},
		{"every k>n", "rules:\n  - name: a\n    every: \"6/5\"\n    fault: reset\n", `bad.yaml:3:12: every "6/5" is not k/n with 0<k<=n (fix: e.g. "1/5")`},
		{"every k=0", "rules:\n  - name: a\n    every: 0/5\n    fault: reset\n", `bad.yaml:3:12: every "0/5"`},
		{"every junk", "rules:\n  - name: a\n    every: often\n    fault: reset\n", `bad.yaml:3:12: every "often"`},
		{"empty name", "rules:\n  - name: \"\"\n    fault: reset\n", `bad.yaml:2:11: rule name is empty`},
		{"missing name", "rules:\n  - fault: reset\n", `bad.yaml:2:5: rule has no name`},
		{"duplicate names", "rules:\n  - name: a\n    fault: reset\n  - name: a\n    fault: close\n", `bad.yaml:4:5: duplicate rule name "a" (first at line 2)`},
		{"bad status", "rules:\n  - name: a\n    fault: {status: 999}\n", `bad.yaml:3:21: status code 999 is not a valid final HTTP status`},
		{"informational status", "rules:\n  - name: a\n    fault: {status: {code: 100}}\n", `bad.yaml:3:28: status code 100`},
		{"unknown key kind", "rules:\n  - name: a\n    key: cookie:session\n    fault: reset\n", `bad.yaml:3:10: unknown key kind "cookie" (fix: use global, header:NAME, query:NAME or connection)`},
		{"global key with a name", "rules:\n  - name: a\n    key: global:a\n    fault: reset\n", `bad.yaml:3:10: key "global:a" takes no name (fix: write just "global")`},
		{"key without name", "rules:\n  - name: a\n    key: \"header:\"\n    fault: reset\n", `bad.yaml:3:10: key "header:" needs a name`},
		{"conflicting wire faults", "rules:\n  - name: a\n    fault: {reset: true, close: true}\n", `bad.yaml:3:12: fault: faults close and reset cannot compose`},
		{"reset with status", "rules:\n  - name: a\n    fault: {reset: true, status: 503}\n", `bad.yaml:3:12: fault: reset sends no response`},
		{"no fault", "rules:\n  - name: a\n    match: {method: GET}\n", `bad.yaml:2:5: rule "a" has no fault`},
		{"fault and sequence", "rules:\n  - name: a\n    fault: reset\n    sequence: [pass]\n", `rule "a" sets more than one of fault, sequence and rate_limit`},
		{"then without sequence", "rules:\n  - name: a\n    then: cycle\n    fault: reset\n", `bad.yaml:3:11: then applies only to a sequence`},
		{"bad then", "rules:\n  - name: a\n    then: forever\n    sequence: [pass]\n", `bad.yaml:3:11: unknown then "forever"`},
		{"bad connection", "rules:\n  - name: a\n    connection: new\n    fault: reset\n", `bad.yaml:3:17: unknown connection scope "new"`},
		{"negative retry_after", "rules:\n  - name: a\n    fault: {status: 503, retry_after: -1}\n", `bad.yaml:3:39: retry_after -1 is negative`},
		{"junk retry_after", "rules:\n  - name: a\n    fault: {status: 503, retry_after: tomorrow}\n", `bad.yaml:3:39: retry_after "tomorrow" is not a Retry-After value`},
		{"path without slash", "rules:\n  - name: a\n    match: {path: books}\n    fault: reset\n", `bad.yaml:3:19: path "books" does not start with /`},
		{"phase mixes", "rules:\n  - name: a\n    phase: {after: 1s, for_requests: 3}\n    fault: reset\n", `bad.yaml:3:24: phase mixes time and request counts`},
		{"yaml syntax", "rules:\n  - name: a\n    fault: reset\n    match: x: y\n", `bad.yaml:4:1: invalid YAML: mapping values are not allowed`},
		{"empty file", "", `bad.yaml:1:1: empty rule file`},
		{"rules not list", "rules: {a: 1}\n", `bad.yaml:1:8: rules must be a list`},
		{"alias", "rules:\n  - name: a\n    fault: &f {status: 503}\n  - name: b\n    fault: *f\n", `bad.yaml:5:12: YAML aliases are not supported here`},
		{"dup key", "rules:\n  - name: a\n    name: b\n    fault: reset\n", `bad.yaml:3:5: duplicate key "name" in a rule`},
		{"bad seed", "seed: -3\nrules: []\n", `bad.yaml:1:7: seed "-3" is not an unsigned 64-bit integer`},
		{"latency field for other dist", "rules:\n  - name: a\n    fault: {latency: {dist: uniform, min: 1ms, max: 2ms, sigma: 1}}\n", `bad.yaml:3:58: sigma does not apply to latency uniform`},
		{"rate without fault", "rules:\n  - name: a\n    rate: 0.5\n    sequence: [pass]\n", `bad.yaml:3:11: rate and every apply only to`},
		{"truncate fraction 1", "rules:\n  - name: a\n    fault: {truncate: {fraction: 1}}\n", `bad.yaml:3:34: truncate.fraction 1 is outside [0,1)`},
		{"bad rate_limit", "rules:\n  - name: a\n    rate_limit: {capacity: 0, refill_every: 1s}\n", `bad.yaml:3:28: rate_limit.capacity 0 is out of range`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := fault.ParseRules([]byte(c.yaml), "bad.yaml")
			if err == nil {
				t.Fatalf("no error; parsed %+v", rs)
			}
			if rs != nil {
				t.Errorf("rule set returned with an error")
			}
			first := strings.SplitN(err.Error(), "\n", 2)[0]
			if !strings.HasPrefix(first, c.want) && !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
			var pe *fault.ParseError
			if !errors.As(err, &pe) || pe.Pos.File != "bad.yaml" || pe.Pos.Line < 1 || pe.Pos.Col < 1 {
				t.Fatalf("not a positioned ParseError: %#v", err)
			}
		})
	}
}

// TestParseCorruptAlias: `contract`, the old name of `corrupt`, still parses
// in rule files and headers, and cannot be given beside its new name.
func TestParseCorruptAlias(t *testing.T) {
	rs, err := fault.ParseRules([]byte("rules:\n  - {name: old, fault: {contract: {kind: wrong_content_type, content_type: text/html}}}\n"), "old.yaml")
	if err != nil {
		t.Fatalf("the old name no longer parses: %v", err)
	}
	if c := rs.Rules[0].Fault.Corrupt; c == nil || c.Kind != fault.CorruptWrongContentType || c.ContentType != "text/html" || rs.Rules[0].Fault.Names() != "corrupt" {
		t.Fatalf("contract parsed as %+v (names %q)", rs.Rules[0].Fault, rs.Rules[0].Fault.Names())
	}
	f, err := fault.ParseHeader("contract=schema_violation")
	if err != nil || f.Corrupt == nil || f.Corrupt.Kind != fault.CorruptSchemaViolation {
		t.Fatalf("header with the old name: %+v %v", f, err)
	}
	_, err = fault.ParseRules([]byte("rules:\n  - {name: both, fault: {corrupt: invalid_json, contract: invalid_json}}\n"), "both.yaml")
	if err == nil || !strings.Contains(err.Error(), `both.yaml:2:49: keys "corrupt" and "contract" in fault name the same thing`) {
		t.Fatalf("both names at once: %v", err)
	}
}

func TestParseRulesReportsEveryProblem(t *testing.T) {
	_, err := fault.ParseRules([]byte("rules:\n  - name: a\n    rate: 2\n    fault: reset\n  - name: b\n    fault: {status: 42}\n"), "x.yaml")
	var pes fault.ParseErrors
	if !errors.As(err, &pes) || len(pes) != 2 {
		t.Fatalf("want 2 problems, got %v", err)
	}
	if pes[0].Pos.Line != 3 || pes[1].Pos.Line != 6 {
		t.Fatalf("positions: %v", err)
	}
}

// TestParseLatencyProblemsInFileOrder: keys that do not apply to the
// distribution are reported in the order the file gives them.
func TestParseLatencyProblemsInFileOrder(t *testing.T) {
	_, err := fault.ParseRules([]byte("rules:\n  - name: a\n    fault: {latency: {sigma: 1, value: 1ms, stddev: 2ms, min: 1ms}}\n"), "x.yaml")
	var pes fault.ParseErrors
	if !errors.As(err, &pes) || len(pes) != 3 {
		t.Fatalf("want 3 problems, got %v", err)
	}
	for i, want := range []string{"sigma", "stddev", "min"} {
		if !strings.HasPrefix(pes[i].Msg, want+" does not apply to latency fixed") || pes[i].Hint != "latency fixed takes value" {
			t.Errorf("problem %d: %v, want %s first", i+1, pes[i], want)
		}
	}
}

func TestLoadRulesMissingFile(t *testing.T) {
	_, err := fault.LoadRules("/nonexistent/faults.yaml")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/faults.yaml") {
		t.Fatalf("got %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	good := []struct{ in, names string }{
		{"status=503; retry_after=2", "status+retry_after"},
		{"reset", "reset"},
		{" close ", "close"},
		{"503", "status"},
		{"latency=200ms; status=504", "latency+status"},
		{"dribble.chunks=4; dribble.duration=1s", "dribble"},
		{"status.code=418; status.body=short and stout", "status"},
		{"truncate.bytes=5; truncate.end=reset", "truncate"},
		{"hang=2s", "hang"},
		{"garbage", "garbage"},
		{"corrupt=schema_violation", "corrupt"},
		{"retry_after=past", "retry_after"},
	}
	for _, g := range good {
		f, err := fault.ParseHeader(g.in)
		if err != nil {
			t.Errorf("%q: %v", g.in, err)
			continue
		}
		if f.Names() != g.names {
			t.Errorf("%q: names %q, want %q", g.in, f.Names(), g.names)
		}
	}
	f, err := fault.ParseHeader("status=503; retry_after=2")
	if err != nil || f.Status.Code != 503 || f.RetryAfter.Seconds != 2 {
		t.Fatalf("values: %+v %v", f, err)
	}
	if f, err := fault.ParseHeader("pass"); f != nil || err != nil {
		t.Fatalf("pass: %+v %v", f, err)
	}
	bad := []struct{ in, want string }{
		{"", "X-Mockd-Fault:1:1: empty X-Mockd-Fault header"},
		{"explode", `X-Mockd-Fault:1:1: unknown key "explode"`},
		{"status=503; boom=1", `X-Mockd-Fault:1:13: unknown key "boom"`},
		{"status=abc", `X-Mockd-Fault:1:8: status "abc" is not an integer`},
		{"latency=-1s", `X-Mockd-Fault:1:9: latency -1s is negative`},
		{"reset; close", "faults close and reset cannot compose"},
		{"status=503; status=504", `X-Mockd-Fault:1:13: duplicate key "status"`},
		{strings.Repeat("a", 5000), "too long"},
	}
	for _, b := range bad {
		_, err := fault.ParseHeader(b.in)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: error %v, want %q", b.in, err, b.want)
		}
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add([]byte("seed: 1\nrules:\n  - name: a\n    match: {method: GET, path: \"/b/{id}\"}\n    fault: {status: 503, retry_after: 1}\n"))
	f.Add([]byte("rules:\n  - name: s\n    key: header:K\n    sequence: [503, reset, pass]\n    then: cycle\n"))
	f.Add([]byte("rules:\n  - {name: x, every: \"1/5\", fault: {latency: {dist: normal, mean: 1s, stddev: 1s}}}\n"))
	f.Add([]byte("rules:\n  - {name: y, rate_limit: {capacity: 1, refill_every: 1s}, phase: {after_requests: 1}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("rules: [{name: z, fault: {truncate: {bytes: 1}}, match: {headers: {A: b}, query: {q: '*'}}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := fault.ParseRules(data, "fuzz.yaml")
		if err == nil {
			if rs == nil {
				t.Fatal("nil rule set without error")
			}
			e := fault.NewEngine(rs, fault.WithSeed(1), fault.WithLogger(discardLogger()))
			e.Decide(&fault.Request{Method: "GET", Path: "/b/1"})
			return
		}
		if !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
			t.Fatalf("error without position: %v", err)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{"status=503; retry_after=2", "reset", "dribble.chunks=2;dribble.duration=1s", "latency=1s;truncate", "503", ";;", "status.code=400; status=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := fault.ParseHeader(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "X-Mockd-Fault:1:") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		if fl != nil {
			if verr := fl.Validate(); verr != nil {
				t.Fatalf("accepted an invalid composition %q: %v", s, verr)
			}
		}
	})
}
