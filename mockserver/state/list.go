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
	page, total, more := r.window(scope, filters, w, p.Style == PageCursor)
	items := make([]any, len(page))
	for i, it := range page {
		items[i] = r.res.visible(it.value)
	}
	var lastSeq uint64
	if len(page) > 0 {
		lastSeq = page[len(page)-1].seq
	}
	r.mu.RUnlock()

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

// window returns one page of the scope's items matching filters, the
// number of all matching items (before and after a cursor alike), and
// whether more follow. Without filters it slices the ordered items
// directly (a binary search for a cursor); with filters it scans them. The
// caller holds the read lock.
func (r *rstate) window(scope string, filters map[string][]string, w window, cursor bool) (page []*item, total int, more bool) {
	c := r.collectionFor(scope, false)
	if c == nil {
		return nil, 0, false
	}
	all := c.order
	start := 0
	if cursor {
		start = sort.Search(len(all), func(i int) bool { return all[i].seq > w.afterSeq })
	}
	if len(filters) > 0 {
		return filtered(all, start, filters, w, cursor)
	}
	total = len(all)
	if !cursor {
		start = min(w.offset, len(all))
	}
	page = all[start:]
	if w.limit >= 0 && len(page) > w.limit {
		page, more = page[:w.limit], true
	}
	return page, total, more
}

// filtered is window's scan with filters: it counts every match and keeps
// only the page's.
func filtered(all []*item, start int, filters map[string][]string, w window, cursor bool) (page []*item, total int, more bool) {
	skip := w.offset
	if cursor {
		skip = 0
	}
	for i, it := range all {
		if !matches(it.value, filters) {
			continue
		}
		total++
		if i < start {
			continue
		}
		switch {
		case skip > 0:
			skip--
		case w.limit < 0 || len(page) < w.limit:
			page = append(page, it)
		default:
			more = true
		}
	}
	return page, total, more
}

// listBody shapes a page: the bare array, or the wrapper object with the
// items, the total and the next cursor (absent, null or "" on the last
// page, as the schema allows).
func (s *Store) listBody(res *Resource, items []any, total int, next string) (any, error) {
	sh := res.listShape
	if sh.wrapper == nil {
		return items, nil
	}
	if s.wrappers[res.Name] == nil {
		return nil, fmt.Errorf("state: %s: the list's object could not be generated", res.Name)
	}
	base := deepCopy(s.wrappers[res.Name]).(map[string]any)
	base[sh.itemsField] = items
	if f := res.Paging.TotalField; f != "" {
		base[f] = total
	}
	if f := res.Paging.NextField; f != "" && next != "" {
		base[f] = next
	}
	// The next-cursor field says "no next page" unless it carries one;
	// so does a cursor field of the wrapper that another style (--paging)
	// leaves unused, rather than a generated cursor no request can use.
	for _, f := range nextNames {
		if _, ok := base[f]; ok && f != sh.itemsField && (f != res.Paging.NextField || next == "") {
			sh.noNext(base, f)
		}
	}
	return base, nil
}

// noNext sets a next-cursor field to "no next page": null or "" when the
// schema needs a value, else absent.
func (sh listShape) noNext(base map[string]any, f string) {
	switch {
	case sh.nullable[f]:
		base[f] = nil
	case sh.required[f]:
		base[f] = ""
	default:
		delete(base, f)
	}
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
		text, isString := got.(string)
		if !isString {
			text = fmt.Sprint(got)
		}
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
