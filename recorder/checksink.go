package recorder

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// CheckFunc inspects one recorded exchange before it is stored, e.g.
// validates it against a spec and logs what violates it. req and resp are
// rebuilt for it (Exchange): it may read their bodies.
type CheckFunc func(ctx context.Context, req *http.Request, resp *http.Response)

// CheckingSink hands each interaction to Check, then appends it to Next:
// whatever Check finds, the interaction is stored. An interaction whose
// request cannot be rebuilt (a bad method or URL) is stored unchecked.
type CheckingSink struct {
	Next  InteractionSink
	Check CheckFunc
}

// Append checks it, then appends it to Next.
func (c *CheckingSink) Append(ctx context.Context, it *cassette.Interaction) error {
	if req, resp, err := Exchange(it); err == nil {
		c.Check(ctx, req, resp)
	}
	return c.Next.Append(ctx, it)
}

// Exchange rebuilds the HTTP request and response of a recorded
// interaction, with bodies as recorded; resp.Request is req. Nil headers
// become empty ones.
func Exchange(it *cassette.Interaction) (*http.Request, *http.Response, error) {
	req, err := http.NewRequest(it.Request.Method, it.Request.URL, strings.NewReader(it.Request.Body))
	if err != nil {
		return nil, nil, fmt.Errorf("recorded request %s %s: %w", it.Request.Method, it.Request.URL, err)
	}
	req.Header = it.Request.Headers.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	resp := &http.Response{
		StatusCode: it.Response.Code,
		Header:     it.Response.Headers.Clone(),
		Body:       io.NopCloser(strings.NewReader(it.Response.Body)),
		Request:    req,
	}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	return req, resp, nil
}
