package state

import (
	"strings"

	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/mockd/mockd/validator"
)

// Kind is what a stateful operation does to its resource.
type Kind int

// Kinds of stateful operations.
const (
	// KindList is GET on the collection path.
	KindList Kind = iota
	// KindCreate is POST on the collection path.
	KindCreate
	// KindGet is GET on the item path.
	KindGet
	// KindReplace is PUT on the item path.
	KindReplace
	// KindPatch is PATCH on the item path.
	KindPatch
	// KindDelete is DELETE on the item path.
	KindDelete
)

// String names the kind as the start-up banner shows it.
func (k Kind) String() string {
	switch k {
	case KindList:
		return "list"
	case KindCreate:
		return "create"
	case KindGet:
		return "get"
	case KindReplace:
		return "replace"
	case KindPatch:
		return "patch"
	case KindDelete:
		return "delete"
	}
	return "unknown"
}

// Resource is one inferred resource: a collection path and an item path
// with one id parameter, the operations on them, and what its item schema
// says about ids, readOnly and writeOnly properties, filters and pages.
type Resource struct {
	// Name is the resource's name (the collection path's last literal
	// segment, or x-mockd-resource's name): the key of snapshots, GET
	// /__mockd/state and HaveStored.
	Name string
	// CollectionPath and ItemPath are the path templates ("/books",
	// "/books/{bookId}"); IDParam is the item path's parameter.
	CollectionPath, ItemPath, IDParam string
	// IDProperty is the item property that holds the id ("" when the
	// item schema has none).
	IDProperty string
	// Paging is how lists are paginated.
	Paging Paging
	// Filters maps the list operation's query parameters that name an item
	// property to that property (equality filters).
	Filters map[string]string
	// Ops lists the operations by kind.
	Ops map[Kind]*validator.Operation

	id        idSpec
	schema    *base.SchemaProxy // the item schema (response side)
	readOnly  []property        // readOnly properties but the id
	writeOnly []string
	listShape listShape
	segments  int // path segments of CollectionPath
	// location: the create answer declares a Location header;
	// deleteBody: the delete answer declares a JSON body (the item).
	location, deleteBody bool
}

// property is a top-level property of the item schema.
type property struct {
	name   string
	format string
	proxy  *base.SchemaProxy
}

// listShape is how a list answer carries its items: a bare array, or an
// object with the items in ItemsField and optional total and next fields.
type listShape struct {
	wrapper    *base.SchemaProxy // nil: a bare array
	itemsField string
	required   map[string]bool
	nullable   map[string]bool
}

// kindOf says what method on which path does.
func kindOf(method string, item bool) (Kind, bool) {
	switch {
	case !item && method == "GET":
		return KindList, true
	case !item && method == "POST":
		return KindCreate, true
	case item && method == "GET":
		return KindGet, true
	case item && method == "PUT":
		return KindReplace, true
	case item && method == "PATCH":
		return KindPatch, true
	case item && method == "DELETE":
		return KindDelete, true
	}
	return 0, false
}

// facts reads the item schema's properties (under the spec's read lock).
func (r *Resource) facts(item *base.Schema) {
	props := allProperties(item)
	names := make(map[string]*base.SchemaProxy, len(props))
	for _, p := range props {
		names[p.name] = p.proxy
	}
	switch {
	case names[r.IDParam] != nil:
		r.IDProperty = r.IDParam
	case names["id"] != nil:
		r.IDProperty = "id"
	}
	for _, p := range props {
		sc := p.proxy.Schema()
		if sc == nil {
			continue
		}
		if sc.WriteOnly != nil && *sc.WriteOnly {
			r.writeOnly = append(r.writeOnly, p.name)
		}
		if sc.ReadOnly != nil && *sc.ReadOnly && p.name != r.IDProperty {
			r.readOnly = append(r.readOnly, property{name: p.name, format: sc.Format, proxy: p.proxy})
		}
	}
	r.Filters = map[string]string{}
	if list := r.Ops[KindList]; list != nil {
		for _, prm := range list.Parameters() {
			if prm == nil || !strings.EqualFold(prm.In, "query") || r.Paging.uses(prm.Name) {
				continue
			}
			if names[prm.Name] != nil {
				r.Filters[prm.Name] = prm.Name
			}
		}
	}
}

// allProperties lists the top-level properties of s and of its allOf
// members, first declaration first.
func allProperties(s *base.Schema) []property {
	var out []property
	seen := map[string]bool{}
	var walk func(s *base.Schema, depth int)
	walk = func(s *base.Schema, depth int) {
		if s == nil || depth > 8 {
			return
		}
		if s.Properties != nil {
			for p := s.Properties.First(); p != nil; p = p.Next() {
				if !seen[p.Key()] && p.Value() != nil {
					seen[p.Key()] = true
					out = append(out, property{name: p.Key(), proxy: p.Value()})
				}
			}
		}
		for _, a := range s.AllOf {
			if a != nil {
				walk(a.Schema(), depth+1)
			}
		}
	}
	walk(s, 0)
	return out
}

// hasParams reports whether a path template has parameters.
func hasParams(p string) bool { return strings.Contains(p, "{") }
