package state

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mockd/mockd/validator"
)

// Pagination styles.
const (
	// PageNone lists every item.
	PageNone = "none"
	// PageLimit lists the first `limit` items.
	PageLimit = "limit"
	// PageOffset lists `limit` items from `offset`.
	PageOffset = "offset"
	// PagePage lists page `page` of `per_page` items (numbered from 1, or
	// from 0 when the parameter's minimum is 0).
	PagePage = "page"
	// PageCursor lists `limit` items after an opaque cursor; the next
	// cursor is a body field or an RFC 8288 Link header with rel="next".
	PageCursor = "cursor"
)

// Styles lists the pagination styles, in the order messages name them.
func Styles() []string { return []string{PageNone, PageLimit, PageOffset, PagePage, PageCursor} }

// IsStyle reports whether s is one of the pagination styles.
func IsStyle(s string) bool {
	switch s {
	case PageNone, PageLimit, PageOffset, PagePage, PageCursor:
		return true
	}
	return false
}

// PagingError is a pagination configuration that does not fit the spec (a
// resource it does not have, a style its list operation cannot page with).
type PagingError struct {
	// Resource is the configured resource name; Reason says what is wrong
	// and the fix.
	Resource, Reason string
}

func (e *PagingError) Error() string {
	return fmt.Sprintf("state: paging for %q: %s", e.Resource, e.Reason)
}

// pagingErr makes a *PagingError.
func pagingErr(resource, format string, args ...any) error {
	return &PagingError{Resource: resource, Reason: fmt.Sprintf(format, args...)}
}

// restyle is the paging detected for res in another style: the list
// operation's own parameters, of which the style needs its own (limit: a
// page size, offset: an offset, page: a page number, cursor: a cursor).
func (res *Resource) restyle(style string) (Paging, error) {
	list := res.Ops[KindList]
	if !IsStyle(style) {
		return Paging{}, pagingErr(res.Name, "style %q: use %s", style, strings.Join(Styles(), ", "))
	}
	if list == nil {
		return Paging{}, pagingErr(res.Name, "it has no list operation (GET %s) to page", res.CollectionPath)
	}
	p := detectPaging(list, res.listShape)
	need := map[string]struct{ param, names string }{
		PageLimit:  {p.LimitParam, "a page size (" + strings.Join(limitNames[:4], ", ") + "...)"},
		PageOffset: {p.OffsetParam, "an offset (" + strings.Join(offsetNames, ", ") + ")"},
		PagePage:   {p.PageParam, "a page number (" + strings.Join(pageNames, ", ") + ")"},
		PageCursor: {p.CursorParam, "a cursor (" + strings.Join(cursorNames[:4], ", ") + "...)"},
	}
	if n, ok := need[style]; ok && n.param == "" {
		return Paging{}, pagingErr(res.Name, "style %s needs %s query parameter on GET %s, which declares none (use the detected style %s, or declare the parameter)",
			style, n.names, res.CollectionPath, p.Style)
	}
	p.Style = style
	p.NextField, p.LinkHeader = "", false
	p.responseFacts(list, res.listShape)
	return p, nil
}

// DefaultPageSize is the page size when the spec gives no default.
const DefaultPageSize = 20

// Paging is how a resource's list is paginated: detected from the list
// operation's query parameters and response, or configured.
type Paging struct {
	// Style is PageNone, PageLimit, PageOffset, PagePage or PageCursor.
	Style string `json:"style"`
	// LimitParam, OffsetParam, PageParam and CursorParam name the query
	// parameters ("" when absent).
	LimitParam  string `json:"limit_param,omitempty"`
	OffsetParam string `json:"offset_param,omitempty"`
	PageParam   string `json:"page_param,omitempty"`
	CursorParam string `json:"cursor_param,omitempty"`
	// FirstPage is the number of the first page (1, or 0).
	FirstPage int `json:"first_page,omitempty"`
	// DefaultLimit is the page size when the request gives none.
	DefaultLimit int `json:"default_limit,omitempty"`
	// NextField is the body field that carries the next cursor; "" with
	// PageCursor means a Link header.
	NextField string `json:"next_field,omitempty"`
	// LinkHeader sends an RFC 8288 Link rel="next" header (always for a
	// cursor without NextField, else when the response declares Link).
	LinkHeader bool `json:"link_header,omitempty"`
	// TotalHeader and TotalField carry the number of matching items when
	// the response declares them.
	TotalHeader string `json:"total_header,omitempty"`
	TotalField  string `json:"total_field,omitempty"`
}

var (
	limitNames  = []string{"limit", "per_page", "perPage", "page_size", "pageSize", "size", "max_results", "maxResults", "count", "$top", "top"}
	offsetNames = []string{"offset", "skip", "start", "$skip"}
	pageNames   = []string{"page", "page_number", "pageNumber"}
	cursorNames = []string{"cursor", "after", "page_token", "pageToken", "starting_after", "next_token", "nextToken", "continuation_token", "continuationToken"}
	nextNames   = []string{"next_cursor", "nextCursor", "next", "next_page_token", "nextPageToken", "next_token", "nextToken", "cursor"}
	totalNames  = []string{"total", "total_count", "totalCount", "total_items", "totalItems", "total_results", "totalResults", "count"}
)

// uses reports whether name is one of the paging parameters.
func (p Paging) uses(name string) bool {
	return name != "" && (name == p.LimitParam || name == p.OffsetParam || name == p.PageParam || name == p.CursorParam)
}

// detectPaging reads the list operation's query parameters and response.
func detectPaging(op *validator.Operation, shape listShape) Paging {
	params := map[string]int{} // name → default (0: none)
	minimum := map[string]int{}
	for _, prm := range op.Parameters() {
		if prm == nil || !strings.EqualFold(prm.In, "query") {
			continue
		}
		params[prm.Name] = 0
		if prm.Schema != nil {
			if sc := prm.Schema.Schema(); sc != nil {
				if sc.Default != nil {
					if n, err := strconv.Atoi(sc.Default.Value); err == nil {
						params[prm.Name] = n
					}
				}
				if sc.Minimum != nil {
					minimum[prm.Name] = int(*sc.Minimum)
				}
			}
		}
	}
	pick := func(names []string) string {
		for _, n := range names {
			if _, ok := params[n]; ok {
				return n
			}
		}
		return ""
	}
	p := Paging{Style: PageNone, LimitParam: pick(limitNames), OffsetParam: pick(offsetNames),
		PageParam: pick(pageNames), CursorParam: pick(cursorNames), FirstPage: 1}
	switch {
	case p.CursorParam != "":
		p.Style = PageCursor
	case p.PageParam != "":
		p.Style = PagePage
		if m, ok := minimum[p.PageParam]; ok && m == 0 {
			p.FirstPage = 0
		}
	case p.OffsetParam != "":
		p.Style = PageOffset
	case p.LimitParam != "":
		p.Style = PageLimit
	}
	p.DefaultLimit = DefaultPageSize
	if d := params[p.LimitParam]; p.LimitParam != "" && d > 0 {
		p.DefaultLimit = d
	}
	p.responseFacts(op, shape)
	return p
}

// responseFacts finds the next-cursor field, the Link header and the
// totals the list response declares.
func (p *Paging) responseFacts(op *validator.Operation, shape listShape) {
	resp := successResponse(op)
	if resp != nil && resp.Headers != nil {
		for h := resp.Headers.First(); h != nil; h = h.Next() {
			switch k := strings.ToLower(h.Key()); {
			case k == "link":
				p.LinkHeader = true
			case k == "x-total-count" || k == "x-total" || k == "total-count":
				p.TotalHeader = h.Key()
			}
		}
	}
	if shape.wrapper != nil {
		props := map[string]bool{}
		for _, pr := range allProperties(shape.wrapper.Schema()) {
			props[pr.name] = true
		}
		if p.Style == PageCursor {
			for _, n := range nextNames {
				if props[n] && n != shape.itemsField {
					p.NextField = n
					break
				}
			}
		}
		for _, n := range totalNames {
			if props[n] && n != shape.itemsField {
				p.TotalField = n
				break
			}
		}
	}
	if p.Style == PageCursor && p.NextField == "" {
		p.LinkHeader = true
	}
}

// ErrBadPage is a paging parameter that cannot be read (a cursor mockd did
// not hand out, a negative offset).
var ErrBadPage = errors.New("bad paging parameter")

// window is the part of the ordered items one page shows.
type window struct {
	afterSeq uint64 // cursor: items with a larger seq
	offset   int    // other styles: items from this index
	limit    int    // -1: all
}

// window reads the request's paging parameters.
func (p Paging) window(q url.Values) (window, error) {
	w := window{limit: -1}
	if p.Style == PageNone {
		return w, nil
	}
	w.limit = p.DefaultLimit
	if v := q.Get(p.LimitParam); p.LimitParam != "" && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return w, fmt.Errorf("%w: %s=%q is not a page size (a whole number, 0 or more)", ErrBadPage, p.LimitParam, v)
		}
		w.limit = n
	}
	switch p.Style {
	case PageOffset:
		if v := q.Get(p.OffsetParam); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return w, fmt.Errorf("%w: %s=%q is not an offset (a whole number, 0 or more)", ErrBadPage, p.OffsetParam, v)
			}
			w.offset = n
		}
	case PagePage:
		if v := q.Get(p.PageParam); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.FirstPage {
				return w, fmt.Errorf("%w: %s=%q is not a page number (pages start at %d)", ErrBadPage, p.PageParam, v, p.FirstPage)
			}
			w.offset = (n - p.FirstPage) * w.limit
		}
	case PageCursor:
		if v := q.Get(p.CursorParam); v != "" {
			seq, err := decodeCursor(v)
			if err != nil {
				return w, fmt.Errorf("%w: %s=%q is not a cursor this server handed out (use the next cursor of the previous page, or none for the first)", ErrBadPage, p.CursorParam, v)
			}
			w.afterSeq = seq
		}
	}
	return w, nil
}

// cursorPrefix starts every cursor (before base64url): a version, so that
// cursors of another format are refused rather than misread.
const cursorPrefix = "c1:"

// encodeCursor makes the opaque cursor after the item with seq.
func encodeCursor(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatUint(seq, 10)))
}

func decodeCursor(s string) (uint64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, ErrBadPage
	}
	return strconv.ParseUint(string(b[len(cursorPrefix):]), 10, 64)
}

// nextQuery is the query of the next page's request.
func (p Paging) nextQuery(q url.Values, w window, lastSeq uint64) url.Values {
	next := url.Values{}
	for k, vs := range q {
		next[k] = append([]string(nil), vs...)
	}
	switch p.Style {
	case PageCursor:
		next.Set(p.CursorParam, encodeCursor(lastSeq))
	case PageOffset:
		next.Set(p.OffsetParam, strconv.Itoa(w.offset+w.limit))
	case PagePage:
		next.Set(p.PageParam, strconv.Itoa(w.offset/max(w.limit, 1)+p.FirstPage+1))
	}
	return next
}

// SuccessStatus is the status a stateful answer of op uses: want when op
// declares it (exactly, as a range or default), else the first declared
// 2xx; 0 when op declares no success.
func SuccessStatus(op *validator.Operation, want int) int {
	if want != 0 {
		if k, resp := op.ResponseFor(want); resp != nil && k != "default" {
			return want
		}
	}
	for _, k := range op.Statuses() {
		if len(k) == 3 && k[0] == '2' {
			if n, err := strconv.Atoi(k); err == nil {
				return n
			}
			if strings.EqualFold(k, "2XX") && want >= 200 && want < 300 {
				return want
			}
		}
	}
	return 0
}
