package probe

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/mockd/mockd/validator"
)

// ErrNoOperations is returned by NewPlan when the filters select nothing.
var ErrNoOperations = errors.New("no operation selected")

// Kind is what a case sends.
type Kind string

// The kinds of cases. Example and Generated are valid requests; the others
// are invalid in one way each.
const (
	KindExample          Kind = "example"
	KindGenerated        Kind = "generated"
	KindMissingParam     Kind = "missing-parameter"
	KindWrongType        Kind = "wrong-type"
	KindOutOfBounds      Kind = "out-of-bounds"
	KindMissingField     Kind = "missing-field"
	KindWrongContentType Kind = "wrong-content-type"
	KindNoCredentials    Kind = "no-credentials"
)

// Case is one planned request and what it expects.
type Case struct {
	// Seq numbers the cases of a plan from 1, in plan order.
	Seq int
	Op  *validator.Operation
	// Kind is what the case sends; Valid is true for Example and
	// Generated, whose requests satisfy the spec.
	Kind  Kind
	Valid bool
	// Note says what the case changed ("query parameter limit: 0, below
	// minimum 1"); empty for valid cases.
	Note    string
	Request *Request
	// Chain, when set, is the sequence step that feeds this case a value
	// created by an earlier case (sequence.go).
	Chain *Chain
}

// Name is "operationId kind[: note]", for progress lines and reports.
func (c *Case) Name() string {
	s := c.Op.ID + " " + string(c.Kind)
	if c.Note != "" {
		s += ": " + c.Note
	}
	return s
}

// Skip is an operation the plan could not build a request for.
type Skip struct {
	Operation string
	Reason    string
}

// Plan is what contract test sends, in order.
type Plan struct {
	Cases      []*Case
	Operations []*validator.Operation
	Skipped    []Skip
}

// PlanOptions select operations and cases.
type PlanOptions struct {
	// Operations, Tags, Paths and Methods filter operations: an operation
	// is planned when it matches one value of every filter given.
	// Operations are operationIds, Paths path templates or globs
	// ("/books/*"), Methods case-insensitive.
	Operations, Tags, Paths, Methods []string
	// MaxExamples is how many generated valid requests per operation
	// (beside the spec's example).
	MaxExamples int
	// Seed seeds the generator: the same spec, options and seed give the
	// same plan.
	Seed uint64
	// PositiveOnly leaves out invalid requests.
	PositiveOnly bool
	// NoSequences leaves out the sequences of links and collection → item
	// paths (sequence.go).
	NoSequences bool
	// NoCleanup keeps what sequences create (no DELETE afterwards).
	NoCleanup bool
	// EncodeBody serializes XML request bodies (see BuildOptions).
	EncodeBody func(mediaType string, v any, schema *base.SchemaProxy) ([]byte, error)
}

// NewPlan plans the cases for the operations of spec that opts select.
// An operationId or path filter that matches no operation is an error
// naming it.
func NewPlan(spec *validator.Spec, opts PlanOptions) (*Plan, error) {
	if opts.MaxExamples < 0 {
		return nil, fmt.Errorf("max examples %d must not be negative", opts.MaxExamples)
	}
	ops, err := selectOperations(spec, opts)
	if err != nil {
		return nil, err
	}
	p := &Plan{Operations: ops}
	for _, op := range ops {
		p.planOperation(spec, op, opts)
	}
	if !opts.NoSequences {
		p.addSequences(spec, opts)
	}
	for i, c := range p.Cases {
		c.Seq = i + 1
	}
	return p, nil
}

// planOperation adds the example, the generated and the invalid cases of op.
func (p *Plan) planOperation(spec *validator.Spec, op *validator.Operation, opts PlanOptions) {
	base := BuildOptions{Spec: spec, EncodeBody: opts.EncodeBody}
	ex, err := Build(op, base)
	if err != nil {
		p.Skipped = append(p.Skipped, Skip{Operation: op.ID, Reason: err.Error()})
		return
	}
	if !accepted(spec, op, ex) {
		p.Skipped = append(p.Skipped, Skip{Operation: op.ID, Reason: "the example request does not satisfy the spec (fix the spec's examples)"})
	} else {
		p.Cases = append(p.Cases, &Case{Op: op, Kind: KindExample, Valid: true, Request: ex})
	}
	for i := range opts.MaxExamples {
		gen := base
		gen.Rand = rand.New(rand.NewPCG(opts.Seed, uint64(i)+1))
		r, err := Build(op, gen)
		if err != nil || !accepted(spec, op, r) {
			continue // only requests the spec accepts are valid cases
		}
		p.Cases = append(p.Cases, &Case{Op: op, Kind: KindGenerated, Valid: true, Request: r})
	}
	if opts.PositiveOnly {
		return
	}
	for _, m := range mutations(op) {
		b := base
		m.apply(&b)
		r, err := Build(op, b)
		if err != nil || !invalid(spec, op, r, m.kind) {
			continue // not invalid after all (the spec accepts it): nothing to expect
		}
		p.Cases = append(p.Cases, &Case{Op: op, Kind: m.kind, Note: m.note, Request: r})
	}
}

// invalid reports whether the spec rejects r (for KindNoCredentials: op
// requires credentials, which r lacks by construction).
func invalid(spec *validator.Spec, op *validator.Operation, r *Request, kind Kind) bool {
	if kind == KindNoCredentials {
		return len(op.Security) > 0 && !op.SecurityOptional
	}
	return !accepted(spec, op, r)
}

// accepted reports whether the spec accepts r's parameters, body and
// content type (ValidateRequest: credentials are not checked).
func accepted(spec *validator.Spec, op *validator.Operation, r *Request) bool {
	req, err := r.HTTP(context.Background(), "http://probe.invalid")
	if err != nil {
		return false
	}
	return len(spec.ValidateRequest(req, op)) == 0
}

// selectOperations applies the filters of opts.
func selectOperations(spec *validator.Spec, opts PlanOptions) ([]*validator.Operation, error) {
	for _, id := range opts.Operations {
		if _, ok := spec.Operation(id); !ok {
			return nil, fmt.Errorf("%w: operation %q is not an operationId of %s", ErrNoOperations, id, spec.File)
		}
	}
	for _, g := range opts.Paths {
		if _, err := path.Match(g, "/"); err != nil {
			return nil, fmt.Errorf("path filter %q: %w", g, err)
		}
	}
	var ops []*validator.Operation
	for _, op := range spec.Operations {
		if selected(op, opts) {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("%w: no operation of %s matches the filters (operations %v, tags %v, paths %v, methods %v)",
			ErrNoOperations, spec.File, opts.Operations, opts.Tags, opts.Paths, opts.Methods)
	}
	return ops, nil
}

func selected(op *validator.Operation, opts PlanOptions) bool {
	if len(opts.Operations) > 0 && !slices.Contains(opts.Operations, op.ID) {
		return false
	}
	if len(opts.Methods) > 0 && !slices.ContainsFunc(opts.Methods, func(m string) bool { return strings.EqualFold(m, op.Method) }) {
		return false
	}
	if len(opts.Tags) > 0 && !slices.ContainsFunc(op.Op.Tags, func(t string) bool { return slices.Contains(opts.Tags, t) }) {
		return false
	}
	if len(opts.Paths) > 0 && !slices.ContainsFunc(opts.Paths, func(g string) bool {
		ok, _ := path.Match(g, op.Path)
		return ok || g == op.Path
	}) {
		return false
	}
	return true
}
