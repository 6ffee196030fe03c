package state

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// list answers GET on the collection: the items matching the filters, one
// page of them, with totals and the next page's cursor or link.
func (s *Store) list(r *rstate, req Request, scope string) (Result, error) {
	p := r.res.Paging
	w, err := p.window(req.Query)
	if err != nil {
		return Result{}, err
	}
	filters := r.res.activeFilters(req.Query)
	r.mu.RLock()
	var matched []*item
	if c := r.collectionFor(scope, false); c != nil {
		start := 0
		if p.Style == PageCursor {
			start = sort.Search(len(c.order), func(i int) bool { return c.order[i].seq > w.afterSeq })
		}
		for _, it := range c.order[start:] {
			if matches(it.value, filters) {
				matched = append(matched, it)
			}
		}
	}
	page := matched
	if p.Style != PageCursor && w.offset > 0 {
		page = page[min(w.offset, len(page)):]
	}
	more := w.limit >= 0 && len(page) > w.limit
	if w.limit >= 0 && len(page) > w.limit {
		page = page[:w.limit]
	}
	items := make([]any, len(page))
	for i, it := range page {
		items[i] = r.res.visible(it.value)
	}
	var lastSeq uint64
	if len(page) > 0 {
		lastSeq = page[len(page)-1].seq
	}
	r.mu.RUnlock()

	total := len(matched)
	if p.Style == PageCursor {
		total = s.count(r, scope, filters) // all matching items, not only those after the cursor
	}
	res := Result{Status: SuccessStatus(req.Op, 200), Header: http.Header{}}
	if p.TotalHeader != "" {
		res.Header.Set(p.TotalHeader, strconv.Itoa(total))
	}
	var next string
	if more && (p.Style == PageCursor || p.Style == PageOffset || p.Style == PagePage) {
		nq := p.nextQuery(req.Query, w, lastSeq)
		if p.LinkHeader {
			res.Header.Set("Link", "<"+req.Path+"?"+nq.Encode()+`>; rel="next"`)
		}
		if p.Style == PageCursor {
			next = nq.Get(p.CursorParam)
		}
	}
	body, err := s.listBody(r.res, items, total, next)
	if err != nil {
		return Result{}, err
	}
	res.Body = body
	return res, nil
}

// count counts the scope's items matching filters.
func (s *Store) count(r *rstate, scope string, filters map[string][]string) int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c := r.collectionFor(scope, false)
	if c == nil {
		return 0
	}
	if len(filters) == 0 {
		return len(c.order)
	}
	n := 0
	for _, it := range c.order {
		if matches(it.value, filters) {
			n++
		}
	}
	return n
}

// listBody shapes a page: the bare array, or the wrapper object with the
// items, the total and the next cursor (absent, null or "" on the last
// page, as the schema allows).
func (s *Store) listBody(res *Resource, items []any, total int, next string) (any, error) {
	sh := res.listShape
	if sh.wrapper == nil {
		return items, nil
	}
	base, err := s.wrapperBase(sh.wrapper)
	if err != nil {
		return nil, fmt.Errorf("state: %s: the list's object: %w", res.Name, err)
	}
	base[sh.itemsField] = items
	if f := res.Paging.TotalField; f != "" {
		base[f] = total
	}
	if f := res.Paging.NextField; f != "" {
		switch {
		case next != "":
			base[f] = next
		case sh.nullable[f]:
			base[f] = nil
		case sh.required[f]:
			base[f] = ""
		default:
			delete(base, f)
		}
	}
	return base, nil
}

// wrapperBase is a fresh static value of the list's object schema: the
// other fields it requires.
func (s *Store) wrapperBase(p *base.SchemaProxy) (map[string]any, error) {
	v, err := s.spec.Generate(p, func(sp *base.SchemaProxy) (any, error) {
		return schemagen.GenerateProxy(sp, schemagen.Options{Mode: schemagen.Static})
	})
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{}, nil
	}
	return m, nil
}

// activeFilters are the request's filter parameters: property → values.
func (res *Resource) activeFilters(q map[string][]string) map[string][]string {
	var out map[string][]string
	for param, prop := range res.Filters {
		vs := q[param]
		if len(vs) == 0 {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		for _, v := range vs {
			out[prop] = append(out[prop], strings.Split(v, ",")...)
		}
	}
	return out
}

// matches reports whether v equals one of the filter values of every
// filtered property (compared as text).
func matches(v map[string]any, filters map[string][]string) bool {
	for prop, want := range filters {
		got, ok := v[prop]
		if !ok {
			return false
		}
		text := fmt.Sprint(got)
		found := false
		for _, w := range want {
			if w == text {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// responseFor is op's declared response for code.
func responseFor(op *validator.Operation, code int) *v3.Response {
	_, resp := op.ResponseFor(code)
	return resp
}

// declaresHeader reports whether op's response for code declares header.
func declaresHeader(op *validator.Operation, code int, header string) bool {
	resp := responseFor(op, code)
	if resp == nil || resp.Headers == nil {
		return false
	}
	for h := resp.Headers.First(); h != nil; h = h.Next() {
		if strings.EqualFold(h.Key(), header) {
			return true
		}
	}
	return false
}
