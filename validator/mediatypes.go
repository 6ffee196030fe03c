package validator

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/pb33f/libopenapi/orderedmap"

	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// requestBodyKey stands for the request body where aliasedItem takes a
// response status key.
const requestBodyKey = "request"

// RequestMediaType returns the key of the request body media type op
// declares for a request's contentType (see declaredMedia for the rules),
// "" when op declares none that covers it. The mock server answers 415 for
// a Content-Type that gets "", and the validator checks the body against
// the schema of the key it returns.
func (o *Operation) RequestMediaType(contentType string) string {
	if o.Op == nil || o.Op.RequestBody == nil {
		return ""
	}
	return declaredMedia(o.Op.RequestBody.Content, contentType)
}

// declaredMedia finds the entry of content that declares the media type of
// contentType: the type itself; else the type declared with parameters or
// in other letter case ("application/json; version=2.4" for
// "application/json; version=2.4" or "application/json"), the entry whose
// parameters equal contentType's first; else a range ("application/*",
// "*/*"). A key whose parameters do not parse is matched on its type; a key
// that is no media type at all, as written (letter case and surrounding
// space aside). It returns the entry's key, or "" when none declares it.
func declaredMedia(content *orderedmap.Map[string, *v3.MediaType], contentType string) string {
	if content == nil || content.Len() == 0 {
		return ""
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	if _, ok := content.Get(mt); ok {
		return mt
	}
	typ, _, _ := strings.Cut(mt, "/")
	var sameType, rangeKey string
	for p := content.First(); p != nil; p = p.Next() {
		kmt, kparams, err := mime.ParseMediaType(p.Key())
		switch {
		case errors.Is(err, mime.ErrInvalidMediaParameter):
			// The type is sound, a parameter is not: match on the type.
		case err != nil:
			// Not a media type: compare the key as written.
			kmt, kparams = strings.ToLower(strings.TrimSpace(p.Key())), nil
		}
		switch {
		case kmt == mt && sameParams(kparams, params):
			return p.Key()
		case kmt == mt && sameType == "":
			sameType = p.Key()
		case (kmt == "*/*" || kmt == typ+"/*") && rangeKey == "":
			rangeKey = p.Key()
		}
	}
	if sameType != "" {
		return sameType
	}
	return rangeKey
}

func sameParams(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !strings.EqualFold(b[k], v) {
			return false
		}
	}
	return true
}

// isRange reports whether a declared media type is a range ("*/*",
// "image/*").
func isRange(key string) bool {
	mt, _, err := mime.ParseMediaType(key)
	return err == nil && strings.HasSuffix(mt, "/*")
}

// responseForLibrary fills a gap of libopenapi-validator, which looks up a
// response's media type by its bare type ("application/json") exactly as
// written in the spec. When the spec declares the type only with parameters
// ("application/json; version=2.4.13") or in other letter case, the library
// gets a path item whose content for that status also lists the bare type
// (aliasedItem); when it declares only a range ("*/*", "application/*"),
// the response is presented with the range as its Content-Type. It returns
// the path item and the response to give the library.
func responseForLibrary(resp *http.Response, op *Operation) (*v3.PathItem, *http.Response) {
	status, declared := op.ResponseFor(resp.StatusCode)
	if declared != nil && declared.Content == nil && status == "default" {
		// The library takes a default without content for no response
		// at all ("response code 401 does not exist"): give it an empty
		// content map.
		return op.aliasedItem(status, "", ""), resp
	}
	if declared == nil || declared.Content == nil || declared.Content.Len() == 0 {
		return op.checked, resp
	}
	ct := resp.Header.Get("Content-Type")
	key := declaredMedia(declared.Content, ct)
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case key == "" || key == mt:
		return op.checked, resp
	case isRange(key):
		clone := *resp
		clone.Header = resp.Header.Clone()
		clone.Header.Set("Content-Type", key)
		return op.checked, &clone
	}
	return op.aliasedItem(status, key, mt), resp
}

// requestForLibrary is responseForLibrary's request side: the path item to
// validate a request whose body's media type the spec declares only with
// parameters or in other letter case (the library matches ranges itself).
func requestForLibrary(r *http.Request, op *Operation) *v3.PathItem {
	if op.Op == nil || op.Op.RequestBody == nil {
		return op.checked
	}
	ct := r.Header.Get("Content-Type")
	key := declaredMedia(op.Op.RequestBody.Content, ct)
	mt, _, _ := mime.ParseMediaType(ct)
	if key == "" || key == mt || isRange(key) {
		return op.checked
	}
	return op.aliasedItem(requestBodyKey, key, mt)
}

// aliasedItem returns op.checked with the content of one response (status
// key) or of the request body (requestBodyKey) also listing entry key under
// the bare media type alias (key "": an empty content map where there was
// none), built once per (status, key) and shared. The spec's own model is
// not changed: what mockd serves still comes from it.
func (o *Operation) aliasedItem(status, key, alias string) *v3.PathItem {
	cacheKey := status + "\x00" + key + "\x00" + alias
	if v, ok := o.aliases.Load(cacheKey); ok {
		return v.(*v3.PathItem)
	}
	item := o.checked
	op := operationOf(item, o.Method)
	if op == nil {
		return item
	}
	cp := *op
	if status == requestBodyKey {
		if cp.RequestBody == nil {
			return item
		}
		rb := *cp.RequestBody
		rb.Content = withAlias(rb.Content, key, alias)
		cp.RequestBody = &rb
	} else {
		if cp.Responses == nil {
			return item
		}
		rs := *cp.Responses
		if status == "default" && rs.Default != nil {
			d := *rs.Default
			d.Content = withAlias(d.Content, key, alias)
			rs.Default = &d
		} else if rs.Codes != nil {
			codes := orderedmap.New[string, *v3.Response]()
			for p := rs.Codes.First(); p != nil; p = p.Next() {
				v := p.Value()
				if p.Key() == status && v != nil {
					r := *v
					r.Content = withAlias(r.Content, key, alias)
					v = &r
				}
				codes.Set(p.Key(), v)
			}
			rs.Codes = codes
		}
		cp.Responses = &rs
	}
	pi := *item
	setOperation(&pi, o.Method, &cp)
	v, _ := o.aliases.LoadOrStore(cacheKey, &pi)
	return v.(*v3.PathItem)
}

// withAlias copies content with alias → content[key] in front (content may
// be nil; key "" adds nothing).
func withAlias(content *orderedmap.Map[string, *v3.MediaType], key, alias string) *orderedmap.Map[string, *v3.MediaType] {
	out := orderedmap.New[string, *v3.MediaType]()
	if content == nil {
		return out
	}
	if media, ok := content.Get(key); ok && key != "" {
		out.Set(alias, media)
	}
	for p := content.First(); p != nil; p = p.Next() {
		if p.Key() != alias {
			out.Set(p.Key(), p.Value())
		}
	}
	return out
}

// operationSlot returns the field of item that holds method's operation,
// nil for a method a path item has no field for.
func operationSlot(item *v3.PathItem, method string) **v3.Operation {
	switch method {
	case http.MethodGet:
		return &item.Get
	case http.MethodPut:
		return &item.Put
	case http.MethodPost:
		return &item.Post
	case http.MethodDelete:
		return &item.Delete
	case http.MethodOptions:
		return &item.Options
	case http.MethodHead:
		return &item.Head
	case http.MethodPatch:
		return &item.Patch
	case http.MethodTrace:
		return &item.Trace
	}
	return nil
}

// operationOf returns the operation of item for method.
func operationOf(item *v3.PathItem, method string) *v3.Operation {
	if slot := operationSlot(item, method); slot != nil {
		return *slot
	}
	return nil
}

// setOperation puts op into item for method.
func setOperation(item *v3.PathItem, method string, op *v3.Operation) {
	if slot := operationSlot(item, method); slot != nil {
		*slot = op
	}
}
