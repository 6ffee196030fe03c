package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mockd/mockd/validator"
)

// Store holds the items of every inferred resource. It is safe for
// concurrent use: each resource has its own lock.
type Store struct {
	spec      *validator.Spec
	seed      uint64
	resources []*rstate
	byName    map[string]*rstate
	byOp      map[*validator.Operation]opRef
	stateless []Skipped
	initial   Snapshot // the seeded data Reset restores
	// wrappers are the static values of the list objects (by resource),
	// copied for each page.
	wrappers map[string]map[string]any
	now      func() time.Time
}

// opRef is a stateful operation's resource and kind.
type opRef struct {
	r    *rstate
	kind Kind
}

// rstate is one resource's items and counters, under its lock.
type rstate struct {
	res     *Resource
	mu      sync.RWMutex
	scopes  map[string]*collection // collection URL path (base path stripped) → items
	seq     uint64                 // the last seq handed out
	counter int64                  // the last integer (or counter) id
	rng     *rand.Rand
}

// collection is the items under one collection URL, in creation order.
type collection struct {
	items map[string]*item
	order []*item // ascending seq
}

// item is one stored object.
type item struct {
	id    string
	seq   uint64
	value map[string]any
}

// Options configure New.
type Options struct {
	// Seed makes generated ids and values deterministic.
	Seed uint64
	// Paging overrides the detected pagination per resource name.
	Paging map[string]Paging
	// Now is the clock of readOnly timestamps (nil: time.Now).
	Now func() time.Time
}

// New infers spec's resources and seeds them from the collections'
// examples.
func New(spec *validator.Spec, opts Options) (*Store, error) {
	inf, err := Infer(spec)
	if err != nil {
		return nil, err
	}
	s := &Store{spec: spec, seed: opts.Seed, byName: map[string]*rstate{}, byOp: map[*validator.Operation]opRef{},
		stateless: inf.Stateless, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	for _, res := range inf.Resources {
		if p, ok := opts.Paging[res.Name]; ok {
			if p == (Paging{Style: p.Style}) {
				// A style alone: the detected parameters in that style.
				if p, err = res.restyle(p.Style); err != nil {
					return nil, err
				}
			}
			if err := checkPaging(res, p); err != nil {
				return nil, err
			}
			res.Paging = p
		}
		if res.listShape.wrapper != nil {
			base, err := s.wrapperBase(res.listShape.wrapper)
			if err != nil {
				return nil, fmt.Errorf("state: %s: the list object of %s: %w", res.Name, res.CollectionPath, err)
			}
			if s.wrappers == nil {
				s.wrappers = map[string]map[string]any{}
			}
			s.wrappers[res.Name] = base
		}
		r := &rstate{res: res}
		s.resources = append(s.resources, r)
		s.byName[res.Name] = r
		for k, op := range res.Ops {
			s.byOp[op] = opRef{r: r, kind: k}
		}
	}
	for name := range opts.Paging {
		if s.byName[name] == nil {
			return nil, pagingErr(name, "no such resource (use one of the inferred: %s)", strings.Join(s.Names(), ", "))
		}
	}
	if err := s.seedAll(); err != nil {
		return nil, err
	}
	s.initial = s.Snapshot()
	return s, nil
}

// checkPaging checks a configured pagination against the list operation.
func checkPaging(res *Resource, p Paging) error {
	if !IsStyle(p.Style) {
		return pagingErr(res.Name, "style %q: use %s", p.Style, strings.Join(Styles(), ", "))
	}
	if p.DefaultLimit <= 0 && p.Style != PageNone {
		return pagingErr(res.Name, "default_limit must be positive")
	}
	return nil
}

// Names lists the resource names in inference order.
func (s *Store) Names() []string {
	out := make([]string, 0, len(s.resources))
	for _, r := range s.resources {
		out = append(out, r.res.Name)
	}
	return out
}

// Resources lists the inferred resources.
func (s *Store) Resources() []*Resource {
	out := make([]*Resource, 0, len(s.resources))
	for _, r := range s.resources {
		out = append(out, r.res)
	}
	return out
}

// Stateless lists the operations left to the spec's canned answers.
func (s *Store) Stateless() []Skipped { return s.stateless }

// Lookup says whether op is stateful, with its resource and kind.
func (s *Store) Lookup(op *validator.Operation) (*Resource, Kind, bool) {
	ref, ok := s.byOp[op]
	if !ok {
		return nil, 0, false
	}
	return ref.r.res, ref.kind, true
}

// Request is one stateful request, already validated against the spec.
type Request struct {
	Op *validator.Operation
	// Path is the request's URL path (decoded), Query its query.
	Path  string
	Query url.Values
	// Body is the request body; ContentType its media type.
	Body        []byte
	ContentType string
}

// Result is a stateful answer: the status, the body (nil: none) and
// headers. A NotFound result is answered with the spec's own 404 response.
type Result struct {
	Status   int
	Body     any
	Header   http.Header
	NotFound bool
}

// Errors a request can get; mockserver answers them as rejected requests.
var (
	// ErrBadBody is a body that cannot be read as JSON object (or patch).
	ErrBadBody = errors.New("bad request body")
	// ErrInvalidResult is an update whose result breaks the item schema.
	ErrInvalidResult = errors.New("the result is not valid against the item schema")
)

// Handle answers a stateful request.
func (s *Store) Handle(req Request) (Result, error) {
	ref, ok := s.byOp[req.Op]
	if !ok {
		return Result{}, fmt.Errorf("state: %s %s is not stateful", req.Op.Method, req.Op.Path)
	}
	r := ref.r
	scope, id := r.res.split(req.Path, ref.kind >= KindGet)
	switch ref.kind {
	case KindList:
		return s.list(r, req, scope)
	case KindCreate:
		return s.create(r, req, scope)
	case KindGet:
		return s.get(r, scope, id)
	case KindReplace, KindPatch:
		return s.update(r, req, ref.kind, scope, id)
	case KindDelete:
		return s.remove(r, req, scope, id)
	}
	return Result{}, fmt.Errorf("state: unknown kind %d", ref.kind)
}

// split takes a request path apart: the collection's path (the last
// segments, so that a server base path does not matter) and, for an item
// request, the id.
func (res *Resource) split(path string, item bool) (scope, id string) {
	segs := strings.Split(path, "/")
	if item {
		id = segs[len(segs)-1]
		segs = segs[:len(segs)-1]
	}
	if n := res.segments; len(segs) > n {
		segs = segs[len(segs)-n:]
	}
	return "/" + strings.Join(segs, "/"), id
}

// collectionFor returns the scope's items, making them when make is true.
func (r *rstate) collectionFor(scope string, create bool) *collection {
	c := r.scopes[scope]
	if c == nil && create {
		c = &collection{items: map[string]*item{}}
		if r.scopes == nil {
			r.scopes = map[string]*collection{}
		}
		r.scopes[scope] = c
	}
	return c
}

func (s *Store) get(r *rstate, scope, id string) (Result, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, it := r.lookup(scope, id)
	if it == nil {
		return Result{NotFound: true}, nil
	}
	return Result{Status: SuccessStatus(r.res.Ops[KindGet], 200), Body: r.res.visible(it.value)}, nil
}

func (s *Store) create(r *rstate, req Request, scope string) (Result, error) {
	v, err := decodeObject(req.Body)
	if err != nil {
		return Result{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.collectionFor(scope, true)
	id, idValue, err := r.newID(s.spec, c)
	if err != nil {
		return Result{}, err
	}
	if r.res.IDProperty != "" {
		v[r.res.IDProperty] = idValue
	}
	if err := r.fillReadOnly(s.spec, v, nil, s.now()); err != nil {
		return Result{}, err
	}
	r.insert(c, id, v)
	res := Result{Status: SuccessStatus(req.Op, http.StatusCreated), Body: r.res.visible(v), Header: http.Header{}}
	if r.res.location {
		res.Header.Set("Location", strings.TrimSuffix(req.Path, "/")+"/"+url.PathEscape(id))
	}
	return res, nil
}

// insert stores v under id with the next seq (the caller holds the lock).
func (r *rstate) insert(c *collection, id string, v map[string]any) {
	r.seq++
	it := &item{id: id, seq: r.seq, value: v}
	c.items[id] = it
	c.order = append(c.order, it)
}

// lookup finds the item id under scope (the caller holds the lock).
func (r *rstate) lookup(scope, id string) (*collection, *item) {
	c := r.collectionFor(scope, false)
	if c == nil {
		return nil, nil
	}
	return c, c.items[id]
}

func (s *Store) update(r *rstate, req Request, kind Kind, scope, id string) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, it := r.lookup(scope, id)
	if it == nil {
		return Result{NotFound: true}, nil
	}
	var next map[string]any
	var err error
	if kind == KindReplace {
		next, err = decodeObject(req.Body)
	} else {
		next, err = applyPatch(it.value, req.Body, req.ContentType)
	}
	if err != nil {
		return Result{}, err
	}
	if r.res.IDProperty != "" {
		next[r.res.IDProperty] = it.value[r.res.IDProperty]
	}
	if err := r.fillReadOnly(s.spec, next, it.value, s.now()); err != nil {
		return Result{}, err
	}
	if err := s.checkItem(r.res, next); err != nil {
		return Result{}, err
	}
	it.value = next
	return Result{Status: SuccessStatus(req.Op, 200), Body: r.res.visible(next)}, nil
}

// checkItem validates an updated item against the item schema (the GET
// item response), so a merge cannot store what the spec forbids.
func (s *Store) checkItem(res *Resource, v map[string]any) error {
	op := res.Ops[KindGet]
	if op == nil {
		return nil
	}
	body, err := json.Marshal(res.visible(v))
	if err != nil {
		return fmt.Errorf("state: %s: encoding the result: %w", res.Name, err)
	}
	code := SuccessStatus(op, 200)
	if fs := s.spec.ValidateResponseBody(op, code, "application/json", body); len(fs) > 0 {
		msgs := make([]string, 0, len(fs))
		for _, f := range fs {
			msgs = append(msgs, f.Message)
		}
		return fmt.Errorf("%w: %s", ErrInvalidResult, strings.Join(msgs, "; "))
	}
	return nil
}

func (s *Store) remove(r *rstate, req Request, scope, id string) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, it := r.lookup(scope, id)
	if it == nil {
		return Result{NotFound: true}, nil
	}
	delete(c.items, id)
	i := sort.Search(len(c.order), func(i int) bool { return c.order[i].seq >= it.seq })
	c.order = append(c.order[:i], c.order[i+1:]...)
	code := SuccessStatus(req.Op, http.StatusNoContent)
	res := Result{Status: code}
	if code != http.StatusNoContent && r.res.deleteBody {
		res.Body = r.res.visible(it.value)
	}
	return res, nil
}

// visible is the item as answers show it: writeOnly properties left out.
func (res *Resource) visible(v map[string]any) map[string]any {
	if len(res.writeOnly) == 0 {
		return v
	}
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = x
	}
	for _, k := range res.writeOnly {
		delete(out, k)
	}
	return out
}

// decodeObject reads a JSON object body, numbers kept exact.
func decodeObject(body []byte) (map[string]any, error) {
	var v any
	if err := decodeJSON(body, &v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the body must be a JSON object", ErrBadBody)
	}
	return m, nil
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadBody, err)
	}
	return nil
}

// hash64 mixes a name into a seed stream.
func hash64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
