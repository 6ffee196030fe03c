package matchers

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mockd/mockd/validator"
)

// maxListed bounds how many findings or journal entries a failure message
// lists; the rest are counted.
const maxListed = 20

// SatisfyContract succeeds when an *http.Response and its request (the
// response's Request field, which http.Client sets) satisfy spec: the path
// and method are documented, and the request and the response validate
// (validator.Spec.ValidateExchange). The response body is read and restored,
// so the test can still read it; a body the test has already read is seen
// as empty, so match before reading it.
//
//	Expect(resp).To(SatisfyContract(spec))
//
// The failure message lists every finding with its check, its place in the
// exchange and in the spec, and the fix.
func SatisfyContract(spec *validator.Spec) *ContractMatcher {
	return &ContractMatcher{spec: spec}
}

// SatisfyOperation is SatisfyContract for one operation: the request must
// also route to the operation whose operationId is id (for operations
// without one, the "METHOD /path" id the spec gives them).
//
//	Expect(resp).To(SatisfyOperation(spec, "getBook"))
func SatisfyOperation(spec *validator.Spec, id string) *ContractMatcher {
	return &ContractMatcher{spec: spec, operation: id}
}

// ContractMatcher is the matcher SatisfyContract and SatisfyOperation
// return.
type ContractMatcher struct {
	spec         *validator.Spec
	operation    string // "" for any operation
	responseOnly bool

	// Set by Match for the messages.
	exchange  string
	routed    string // the operation the request routes to ("" when none)
	misrouted bool   // SatisfyOperation: the request routes elsewhere
	findings  []validator.Finding
}

// IgnoringRequest returns the matcher without the request's findings
// (parameters, body, content type): for negative tests that send an invalid
// request on purpose and check that the error response is documented. The
// route must still be documented.
//
//	Expect(resp).To(SatisfyOperation(spec, "createNote").IgnoringRequest())
func (m *ContractMatcher) IgnoringRequest() *ContractMatcher {
	c := *m
	c.responseOnly = true
	return &c
}

// Match validates the exchange.
func (m *ContractMatcher) Match(actual any) (bool, error) {
	m.exchange, m.routed, m.misrouted, m.findings = "", "", false, nil
	if m.spec == nil {
		return false, fmt.Errorf("%s was given a nil *validator.Spec (fix: load one with validator.Load or validator.Parse)", m.name())
	}
	resp, ok := actual.(*http.Response)
	if !ok || resp == nil {
		return false, fmt.Errorf("%s expects a non-nil *http.Response, got %T (fix: pass the response the client returned)", m.name(), actual)
	}
	if resp.Request == nil || resp.Request.URL == nil {
		return false, fmt.Errorf("%s needs the response's Request (fix: use the response http.Client returned, or set resp.Request)", m.name())
	}
	m.exchange = describeExchange(resp)
	var want *validator.Operation
	if m.operation != "" {
		op, found := m.spec.Operation(m.operation)
		if !found {
			return false, fmt.Errorf("%s: %s has no operation %q (fix: use one of %s)", m.name(), specName(m.spec), m.operation, operationIDs(m.spec))
		}
		want = op
	}
	if op, err := m.spec.Router().Find(resp.Request); err == nil {
		m.routed = describeOperation(op)
		m.misrouted = want != nil && op != want
	} else {
		m.misrouted = want != nil
	}
	if m.misrouted {
		return false, nil
	}
	m.findings = m.spec.ValidateExchange(resp.Request, resp)
	if m.responseOnly {
		kept := m.findings[:0]
		for _, f := range m.findings {
			if f.Check != validator.CheckRequest && !strings.HasPrefix(f.Check, "request.") {
				kept = append(kept, f)
			}
		}
		m.findings = kept
	}
	return len(m.findings) == 0, nil
}

// FailureMessage says why the exchange does not satisfy the contract.
func (m *ContractMatcher) FailureMessage(any) string {
	var b strings.Builder
	if m.operation != "" {
		want := m.operation
		if op, ok := m.spec.Operation(m.operation); ok {
			want = describeOperation(op)
		}
		if m.misrouted {
			routed := "no operation of the spec"
			if m.routed != "" {
				routed = m.routed
			}
			fmt.Fprintf(&b, "Expected %s to be an exchange of operation %s in %s, but the request routes to %s.",
				m.exchange, want, specName(m.spec), routed)
			return b.String()
		}
		fmt.Fprintf(&b, "Expected %s to satisfy operation %s in %s%s, but ", m.exchange, want, specName(m.spec), m.scope())
	} else {
		fmt.Fprintf(&b, "Expected %s to satisfy the contract of %s%s, but ", m.exchange, specName(m.spec), m.scope())
	}
	if len(m.findings) == 1 {
		b.WriteString("it has 1 problem:")
	} else {
		fmt.Fprintf(&b, "it has %d problems:", len(m.findings))
	}
	for i, f := range m.findings {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(m.findings)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  %d. %s", i+1, DescribeFinding(f))
	}
	return b.String()
}

// NegatedFailureMessage says that the exchange satisfies the contract.
func (m *ContractMatcher) NegatedFailureMessage(any) string {
	if m.operation != "" {
		return fmt.Sprintf("Expected %s not to satisfy operation %s in %s, but it does.", m.exchange, m.operation, specName(m.spec))
	}
	return fmt.Sprintf("Expected %s not to satisfy the contract of %s, but it does.", m.exchange, specName(m.spec))
}

// scope qualifies the messages of IgnoringRequest.
func (m *ContractMatcher) scope() string {
	if m.responseOnly {
		return " (request not checked)"
	}
	return ""
}

func (m *ContractMatcher) name() string {
	if m.operation != "" {
		return "SatisfyOperation"
	}
	return "SatisfyContract"
}

// DescribeFinding renders a finding on one line: its check, where it is in
// the exchange and in the spec, the message, the reason and the fix, e.g.
//
//	response.body.schema in body at /price/amount (spec line 212, col 11): ... (fix: ...)
func DescribeFinding(f validator.Finding) string {
	var b strings.Builder
	b.WriteString(f.Check)
	var where []string
	switch {
	case f.In != "" && f.Name != "":
		where = append(where, f.In+" "+f.Name)
	case f.In != "":
		where = append(where, f.In)
	case f.Name != "":
		where = append(where, f.Name)
	}
	if f.Pointer != "" {
		where = append(where, "at "+f.Pointer)
	}
	if len(where) > 0 {
		b.WriteString(" in " + strings.Join(where, " "))
	}
	if f.SpecLine > 0 {
		b.WriteString(" (spec line " + strconv.Itoa(f.SpecLine))
		if f.SpecCol > 0 {
			b.WriteString(", col " + strconv.Itoa(f.SpecCol))
		}
		b.WriteString(")")
	}
	b.WriteString(": " + f.Message)
	if f.Detail != "" && f.Detail != f.Message {
		b.WriteString(" — " + f.Detail)
	}
	if f.Hint != "" {
		b.WriteString(" (fix: " + f.Hint + ")")
	}
	return b.String()
}

// describeExchange names an exchange without its host, e.g.
// "GET /books/42 → 404", so that messages do not depend on the port.
func describeExchange(resp *http.Response) string {
	u := resp.Request.URL
	target := u.Path
	if target == "" {
		target = "/"
	}
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	method := resp.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	return fmt.Sprintf("%s %s → %d", method, target, resp.StatusCode)
}

func describeOperation(op *validator.Operation) string {
	return fmt.Sprintf("%s (%s %s)", op.ID, op.Method, op.Path)
}

func specName(s *validator.Spec) string {
	if s.File == "" || strings.HasPrefix(s.File, "<") {
		return "the spec"
	}
	return filepath.Base(s.File)
}

func operationIDs(s *validator.Spec) string {
	ids := make([]string, 0, len(s.Operations))
	for _, op := range s.Operations {
		ids = append(ids, op.ID)
	}
	if len(ids) == 0 {
		return "none: the spec has no operations"
	}
	return strings.Join(ids, ", ")
}
