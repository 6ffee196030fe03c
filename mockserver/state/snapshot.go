package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v4"

	"github.com/mockd/mockd/validator"
)

// Snapshot is the store's content as JSON (GET /__mockd/state, --state
// files): per resource, per collection path, the items in creation order.
type Snapshot struct {
	Version   int                         `json:"version"`
	Resources map[string]ResourceSnapshot `json:"resources"`
}

// ResourceSnapshot is one resource's items and counters.
type ResourceSnapshot struct {
	// Collections maps a collection's URL path to its items.
	Collections map[string][]StoredItem `json:"collections"`
	// Counter is the last integer id handed out.
	Counter int64 `json:"counter,omitempty"`
}

// StoredItem is one item and its id.
type StoredItem struct {
	ID    string         `json:"id"`
	Value map[string]any `json:"value"`
}

// snapshotVersion is the format version of Snapshot.
const snapshotVersion = 1

// Snapshot copies the store's content.
func (s *Store) Snapshot() Snapshot {
	out := Snapshot{Version: snapshotVersion, Resources: map[string]ResourceSnapshot{}}
	for _, r := range s.resources {
		r.mu.RLock()
		rs := ResourceSnapshot{Collections: map[string][]StoredItem{}, Counter: r.counter}
		for scope, c := range r.scopes {
			items := make([]StoredItem, 0, len(c.order))
			for _, it := range c.order {
				items = append(items, StoredItem{ID: it.id, Value: deepCopy(it.value).(map[string]any)})
			}
			rs.Collections[scope] = items
		}
		r.mu.RUnlock()
		out.Resources[r.res.Name] = rs
	}
	return out
}

// Items returns a copy of the items of a resource across its collections,
// in creation order (for matchers and tests); ok is false when there is no
// such resource.
func (s *Store) Items(name string) ([]map[string]any, bool) {
	r := s.byName[name]
	if r == nil {
		return nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var all []*item
	for _, c := range r.scopes {
		all = append(all, c.order...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	out := make([]map[string]any, len(all))
	for i, it := range all {
		out[i] = deepCopy(it.value).(map[string]any)
	}
	return out, true
}

// Restore replaces the store's content with snap. Resources snap does not
// name are emptied; a resource snap names that the spec does not infer is
// an error naming it.
func (s *Store) Restore(snap Snapshot) error {
	if snap.Version != snapshotVersion {
		return fmt.Errorf("state: snapshot version %d: this mockd reads version %d", snap.Version, snapshotVersion)
	}
	for name := range snap.Resources {
		if s.byName[name] == nil {
			return fmt.Errorf("state: the snapshot has resource %q, which the spec does not infer (inferred: %v)", name, s.Names())
		}
	}
	for _, r := range s.resources {
		rs := snap.Resources[r.res.Name]
		r.mu.Lock()
		r.scopes, r.seq, r.counter = nil, 0, rs.Counter
		r.rng = rand.New(rand.NewPCG(s.seed, hash64(r.res.Name)))
		scopes := make([]string, 0, len(rs.Collections))
		for scope := range rs.Collections {
			scopes = append(scopes, scope)
		}
		sort.Strings(scopes)
		for _, scope := range scopes {
			c := r.collectionFor(scope, true)
			for _, it := range rs.Collections[scope] {
				r.insert(c, it.ID, deepCopy(it.Value).(map[string]any))
				if n, err := strconv.ParseInt(it.ID, 10, 64); err == nil && n > r.counter {
					r.counter = n
				}
			}
		}
		r.mu.Unlock()
	}
	return nil
}

// Reset restores the initial data (the seeds from the spec's examples)
// and the generators' seeds.
func (s *Store) Reset() {
	_ = s.Restore(s.initial) // the initial snapshot names only inferred resources
}

// Load restores a snapshot file written by Save. A missing file is not an
// error (the store keeps its seeds; Save creates it).
func (s *Store) Load(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: reading %s: %w", path, err)
	}
	var snap Snapshot
	if err := decodeJSON(data, &snap); err != nil {
		return fmt.Errorf("state: %s is not a mockd state snapshot (%w); delete it or fix it", path, err)
	}
	if err := s.Restore(snap); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Save writes the store's content to path atomically (a temporary file in
// the same folder, renamed).
func (s *Store) Save(path string) error {
	data, err := json.MarshalIndent(s.Snapshot(), "", "  ")
	if err != nil {
		return fmt.Errorf("state: encoding the snapshot: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mockd-state-*")
	if err != nil {
		return fmt.Errorf("state: saving %s: %w", path, err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("state: saving %s: %w", path, errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("state: saving %s: %w", path, err)
	}
	return nil
}

// seedAll stores the collections' examples: the list operation's default
// example (an array, or the items field of the list object). Collections
// whose path has parameters start empty.
func (s *Store) seedAll() error {
	for _, r := range s.resources {
		r.rng = rand.New(rand.NewPCG(s.seed, hash64(r.res.Name)))
		list := r.res.Ops[KindList]
		if list == nil || hasParams(r.res.CollectionPath) {
			continue
		}
		values, err := s.seedValues(r.res, list)
		if err != nil {
			return err
		}
		c := r.collectionFor(r.res.CollectionPath, true)
		for i, v := range values {
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("state: %s: example item %d of %s %s is not an object", r.res.Name, i, list.Method, list.Path)
			}
			id := ""
			if r.res.IDProperty != "" && m[r.res.IDProperty] != nil {
				id = fmt.Sprint(m[r.res.IDProperty])
				if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > r.counter {
					r.counter = n
				}
			}
			if id == "" || c.items[id] != nil {
				var idValue any
				if id, idValue, err = r.newID(s.spec, c); err != nil {
					return err
				}
				if r.res.IDProperty != "" {
					m[r.res.IDProperty] = idValue
				}
			}
			r.insert(c, id, m)
		}
	}
	return nil
}

// seedValues decodes the list response's default example into items.
func (s *Store) seedValues(res *Resource, list *validator.Operation) ([]any, error) {
	resp := successResponse(list)
	if resp == nil || resp.Content == nil {
		return nil, nil
	}
	var media = resp.Content.First()
	for p := media; p != nil; p = p.Next() {
		if IsJSON(p.Key()) {
			media = p
			break
		}
	}
	if media == nil || !IsJSON(media.Key()) {
		return nil, nil
	}
	var decodeErr error
	ex, ok := s.spec.MediaExample(media.Value(), "", func(n *yaml.Node) any {
		var v any
		if err := n.Decode(&v); err != nil {
			decodeErr = err
			return nil
		}
		return v
	})
	if !ok || ex.Value == nil {
		return nil, nil
	}
	if decodeErr != nil {
		return nil, fmt.Errorf("state: %s: reading the example of %s %s: %w", res.Name, list.Method, list.Path, decodeErr)
	}
	var norm any
	data, err := json.Marshal(ex.Value)
	if err != nil {
		return nil, fmt.Errorf("state: %s: the example of %s %s is not JSON: %w", res.Name, list.Method, list.Path, err)
	}
	if err := decodeJSON(data, &norm); err != nil {
		return nil, err
	}
	switch v := norm.(type) {
	case []any:
		return v, nil
	case map[string]any:
		if arr, ok := v[res.listShape.itemsField].([]any); ok {
			return arr, nil
		}
	}
	return nil, nil
}
