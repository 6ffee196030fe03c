package state

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/mockd/mockd/schemagen"
	"github.com/mockd/mockd/validator"
)

// id kinds.
const (
	idString = iota // a counter, as text
	idInteger
	idUUID
	idGenerated // schemagen from the id parameter's schema (pattern, format...)
)

// idSpec is how new ids are made: from the id parameter's schema (its
// format), else the id property's.
type idSpec struct {
	kind   int
	proxy  *base.SchemaProxy
	minLen int
}

// idSpecOf reads the id parameter's (else the id property's) schema.
func idSpecOf(r *Resource, item *base.Schema) idSpec {
	var proxy *base.SchemaProxy
	for _, k := range []Kind{KindGet, KindReplace, KindPatch, KindDelete} {
		if op := r.Ops[k]; op != nil && proxy == nil {
			for _, prm := range op.Parameters() {
				if prm != nil && prm.In == "path" && prm.Name == r.IDParam && prm.Schema != nil {
					proxy = prm.Schema
				}
			}
		}
	}
	if r.IDProperty != "" {
		for _, p := range allProperties(item) {
			if p.name == r.IDProperty && (proxy == nil || proxy.Schema() == nil || proxy.Schema().Format == "") {
				if sc := p.proxy.Schema(); sc != nil && (sc.Format != "" || proxy == nil) {
					proxy = p.proxy
				}
			}
		}
	}
	if proxy == nil || proxy.Schema() == nil {
		return idSpec{kind: idString}
	}
	sc := proxy.Schema()
	spec := idSpec{proxy: proxy}
	switch {
	case contains(sc.Type, "integer") || contains(sc.Type, "number"):
		spec.kind = idInteger
	case sc.Format == "uuid":
		spec.kind = idUUID
	case sc.Pattern != "" || sc.Format != "" || len(sc.Enum) > 0:
		spec.kind = idGenerated
	default:
		spec.kind = idString
		if sc.MinLength != nil {
			spec.minLen = int(*sc.MinLength)
		}
	}
	return spec
}

// newID makes an id not yet used in c (the caller holds the resource's
// lock). idValue is the id as the item property holds it.
func (r *rstate) newID(spec *validator.Spec, c *collection) (id string, idValue any, err error) {
	for attempt := 0; attempt < 64; attempt++ {
		switch r.res.id.kind {
		case idInteger:
			r.counter++
			id, idValue = strconv.FormatInt(r.counter, 10), r.counter
		case idUUID:
			id = uuid(r.rng)
			idValue = id
		case idGenerated:
			v, gerr := spec.Generate(r.res.id.proxy, func(p *base.SchemaProxy) (any, error) {
				return schemagen.GenerateProxy(p, schemagen.Options{Mode: schemagen.Dynamic, Rand: r.rng})
			})
			if gerr != nil {
				return "", nil, fmt.Errorf("state: %s: generating an id: %w", r.res.Name, gerr)
			}
			id, idValue = fmt.Sprint(v), v
		default:
			r.counter++
			id = strconv.FormatInt(r.counter, 10)
			if len(id) < r.res.id.minLen {
				id = strings.Repeat("0", r.res.id.minLen-len(id)) + id
			}
			idValue = id
		}
		if _, taken := c.items[id]; !taken {
			return id, idValue, nil
		}
	}
	return "", nil, fmt.Errorf("state: %s: no free id after 64 tries (the id schema allows too few values)", r.res.Name)
}

// uuid is a version 4 UUID drawn from rng (seeded: deterministic).
func uuid(rng *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// fillReadOnly sets the readOnly properties a client cannot send: kept from
// old on an update, else a timestamp for date-time and date, else a value
// generated from the property's schema. Timestamps whose name says update
// or modification are refreshed on every write.
func (r *rstate) fillReadOnly(spec *validator.Spec, v, old map[string]any, now time.Time) error {
	for _, p := range r.res.readOnly {
		lower := strings.ToLower(p.name)
		fresh := strings.Contains(lower, "updat") || strings.Contains(lower, "modif")
		if prev, ok := old[p.name]; ok && !(fresh && old != nil && isTime(p.format)) {
			v[p.name] = prev
			continue
		}
		switch p.format {
		case "date-time":
			v[p.name] = now.UTC().Format(time.RFC3339)
			continue
		case "date":
			v[p.name] = now.UTC().Format(time.DateOnly)
			continue
		}
		if old != nil {
			continue // an optional readOnly property absent before stays absent
		}
		g, err := spec.Generate(p.proxy, func(sp *base.SchemaProxy) (any, error) {
			return schemagen.GenerateProxy(sp, schemagen.Options{Mode: schemagen.Dynamic, Rand: r.rng})
		})
		if err != nil {
			return fmt.Errorf("state: %s: generating readOnly %q: %w", r.res.Name, p.name, err)
		}
		v[p.name] = g
	}
	return nil
}

func isTime(format string) bool { return format == "date-time" || format == "date" }
