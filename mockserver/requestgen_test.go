package mockserver_test

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"

	"github.com/mockd/mockd/contract/probe"
	"github.com/mockd/mockd/mockserver"
	"github.com/mockd/mockd/validator"
)

// validRequest builds a request that satisfies op with contract test's
// generator (probe.Build): required parameters serialized in their
// declared style, credentials of the first security alternative, and a
// body generated from the first request media type (XML as mockd writes it).
func validRequest(op *validator.Operation, rng *rand.Rand) (*http.Request, error) {
	r, err := probe.Build(op, probe.BuildOptions{Rand: rng, EncodeBody: mockserver.EncodeBodyForTest})
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(r.Method, r.URL("http://mockd.test"), bytes.NewReader(r.Body))
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	return req, nil
}
