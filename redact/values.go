package redact

import (
	"fmt"
	"slices"
)

// WithValues returns a copy of r that also knows these literal secret
// values (a webhook signing secret, a client secret): each is replaced by
// Redacted wherever r redacts — Text (and so the slog Handler), URL, Query,
// Headers, HeaderValue, RequestParts (which returns them with the values it
// found), Body and Exchange — whatever name it appears under. A value
// shorter than MinPropagated is an error: scrubbing it would corrupt
// unrelated data.
func (r *Redactor) WithValues(vals ...string) (*Redactor, error) {
	c := *r
	sc := &scan{}
	for _, v := range c.known {
		sc.add(v)
	}
	for _, v := range vals {
		if len(v) < MinPropagated {
			return nil, fmt.Errorf("redact: a known secret value shorter than %d bytes cannot be scrubbed safely (fix: use a longer secret)", MinPropagated)
		}
		sc.add(v)
	}
	c.known = sc.list()
	return &c, nil
}

// scrubKnown replaces the known values in s.
func (r *Redactor) scrubKnown(s string) string { return scrubString(s, r.known) }

// withKnown appends the known values to vals found by a scan (longest
// first stays true enough: each list is sorted, known values are exact).
func (r *Redactor) withKnown(vals []string) []string {
	if len(r.known) == 0 {
		return vals
	}
	return append(slices.Clip(vals), r.known...)
}
