package probe

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/mockd/mockd/validator"
)

// The kinds of sequence cases: valid requests whose path parameter comes
// from the response of an earlier case.
const (
	// KindLinked follows a link of the producer's response (or, for specs
	// without links, the convention POST /things → /things/{id}).
	KindLinked Kind = "linked"
	// KindCleanup deletes what the producer created.
	KindCleanup Kind = "cleanup"
)

// Chain feeds a case the value an earlier case's response created.
type Chain struct {
	// From is the producing case; its response body holds the value.
	From *Case
	// Param is the path parameter the value fills.
	Param string
	// Pointers are JSON pointers into From's response body, tried in order
	// ("/id"); the first that holds a string or number is used.
	Pointers []string
}

// placeholder stands in a chained case's path for the value to come.
func placeholder(param string) string { return "__probe_" + param + "__" }

// Resolve fills the chained path parameter of r (a copy of the case's
// request) from the producer's response body; false when the body has no
// usable value at any pointer.
func (ch *Chain) Resolve(r *Request, producerBody []byte) (string, bool) {
	var doc any
	if json.Unmarshal(producerBody, &doc) != nil {
		return "", false
	}
	for _, ptr := range ch.Pointers {
		v, ok := lookupPointer(doc, ptr)
		if !ok {
			continue
		}
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case float64, bool:
			s = scalar(t)
		default:
			continue
		}
		r.Path = strings.ReplaceAll(r.Path, url.PathEscape(placeholder(ch.Param)), url.PathEscape(s))
		return s, true
	}
	return "", false
}

// lookupPointer resolves an RFC 6901 pointer in a decoded JSON document.
func lookupPointer(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, false
		}
		if doc, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return doc, true
}

// addSequences adds the chained cases: for every link of a producer's
// response (operationId links whose parameter is $response.body#/...),
// and, when the spec declares no links, for every POST on a collection
// path and each operation on its item path (collection/{param}): the
// item operation with the created id, then a DELETE of it unless
// opts.NoCleanup.
func (p *Plan) addSequences(spec *validator.Spec, opts PlanOptions) {
	producers := map[*validator.Operation]*Case{}
	for _, c := range p.Cases {
		if c.Kind == KindExample && producers[c.Op] == nil {
			producers[c.Op] = c
		}
	}
	linked := false
	for _, op := range p.Operations {
		if c := producers[op]; c != nil && p.addLinks(spec, c, opts) {
			linked = true
		}
	}
	if linked {
		return
	}
	for _, op := range p.Operations {
		if c := producers[op]; c != nil && op.Method == "POST" {
			p.addConvention(spec, c, opts)
		}
	}
}

// addLinks adds a case per operationId link of c's 2xx responses whose
// parameter is a response body pointer; true when c's operation has links.
func (p *Plan) addLinks(spec *validator.Spec, c *Case, opts PlanOptions) bool {
	responses := c.Op.Op.Responses
	if responses == nil || responses.Codes == nil {
		return false
	}
	found := false
	for r := responses.Codes.First(); r != nil; r = r.Next() {
		if !strings.HasPrefix(r.Key(), "2") || r.Value() == nil || r.Value().Links == nil {
			continue
		}
		for l := r.Value().Links.First(); l != nil; l = l.Next() {
			link := l.Value()
			found = true
			target, ok := spec.Operation(link.OperationId)
			if !ok || link.Parameters == nil || !p.selected(target) {
				continue
			}
			for pp := link.Parameters.First(); pp != nil; pp = pp.Next() {
				ptr, ok := strings.CutPrefix(pp.Value(), "$response.body#")
				if !ok || !strings.Contains(target.Path, "{"+pp.Key()+"}") {
					continue
				}
				p.addChained(target, KindLinked, "link "+l.Key()+" from "+c.Op.ID, &Chain{From: c, Param: pp.Key(), Pointers: []string{ptr}}, opts)
			}
		}
	}
	return found
}

// addConvention chains the operations on c's item path (its path plus
// one parameter segment) to the POST case c.
func (p *Plan) addConvention(spec *validator.Spec, c *Case, opts PlanOptions) {
	var cleanup *validator.Operation
	var param string
	for _, op := range spec.Operations {
		rest, ok := strings.CutPrefix(op.Path, strings.TrimRight(c.Op.Path, "/")+"/{")
		if !ok || !strings.HasSuffix(rest, "}") || strings.ContainsAny(rest[:len(rest)-1], "/{}") || !p.selected(op) {
			continue
		}
		name := rest[:len(rest)-1]
		ch := &Chain{From: c, Param: name, Pointers: []string{"/" + name, "/id"}}
		if op.Method == "DELETE" {
			cleanup, param = op, name
			continue
		}
		p.addChained(op, KindLinked, "item created by "+c.Op.ID, ch, opts)
	}
	if cleanup != nil && !opts.NoCleanup {
		p.addChained(cleanup, KindCleanup, "delete what "+c.Op.ID+" created", &Chain{From: c, Param: param, Pointers: []string{"/" + param, "/id"}}, opts)
	}
}

// addChained adds a valid case for op with the chained parameter left as
// a placeholder that the runner fills.
func (p *Plan) addChained(op *validator.Operation, kind Kind, note string, ch *Chain, opts PlanOptions) {
	r, err := Build(op, BuildOptions{EncodeBody: opts.EncodeBody, PathValues: map[string]string{ch.Param: placeholder(ch.Param)}})
	if err != nil {
		p.Skipped = append(p.Skipped, Skip{Operation: op.ID, Reason: fmt.Sprintf("%s: %v", note, err)})
		return
	}
	p.Cases = append(p.Cases, &Case{Op: op, Kind: kind, Valid: true, Note: note, Request: r, Chain: ch})
}

// selected reports whether op is one of the plan's operations.
func (p *Plan) selected(op *validator.Operation) bool {
	for _, o := range p.Operations {
		if o == op {
			return true
		}
	}
	return false
}
