package recorder

// This file holds the cassette parser's field readers: alias resolution under
// the visit budget, mapping walks and typed scalars, each failing with a
// LoadError that names the interaction, the field and the fix.

import (
	"encoding/base64"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/internal/yamlpos"
)

// deref resolves aliases and charges the visit budget; nil means the budget
// is exhausted (alias bomb or cycle).
func (p *parser) deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops > 64 {
			return nil
		}
		n = n.Alias
	}
	p.budget--
	if p.budget < 0 || n == nil {
		return nil
	}
	return n
}

// lookup finds key in mapping m, resolving aliases; nil when absent.
func (p *parser) lookup(m *yaml.Node, key string) (*yaml.Node, error) {
	var found *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind == yaml.ScalarNode && k.Value == key {
			found = m.Content[i+1]
		}
	}
	if found == nil {
		return nil, nil
	}
	v := p.deref(found)
	if v == nil {
		return nil, p.fail(found, -1, key, ErrInvalidField, "excessive or circular YAML aliasing")
	}
	return v, nil
}

// fieldSetter decodes one known key's value of a mapping.
type fieldSetter func(v *yaml.Node, field string) error

func (p *parser) mapping(n *yaml.Node, idx int, field string, set map[string]fieldSetter) error {
	if n.Kind != yaml.MappingNode {
		return p.fail(n, idx, field, ErrInvalidField, "expected a mapping, found "+yamlpos.Describe(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		fn, ok := set[k.Value]
		if !ok {
			continue
		}
		v := p.deref(n.Content[i+1])
		if v == nil {
			return p.fail(n.Content[i+1], idx, field+"."+k.Value, ErrInvalidField, "excessive or circular YAML aliasing")
		}
		if err := fn(v, field+"."+k.Value); err != nil {
			return err
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func (p *parser) str(n *yaml.Node, idx int, field string) (string, error) {
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", p.fail(n, idx, field, ErrInvalidField, "expected a string, found "+yamlpos.Describe(n))
	}
	if n.ShortTag() == "!!binary" {
		b, err := base64.StdEncoding.DecodeString(stripSpace(n.Value))
		if err != nil {
			return "", p.fail(n, idx, field, fmt.Errorf("%w: invalid !!binary: %w", ErrInvalidBody, err),
				"a !!binary value must be standard base64; re-record the interaction")
		}
		return string(b), nil
	}
	return n.Value, nil
}

func stripSpace(s string) string {
	if !strings.ContainsAny(s, " \t\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

func (p *parser) integer(n *yaml.Node, idx int, field string) (int64, error) {
	if isNull(n) {
		return 0, nil
	}
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 0, 64); err == nil {
			return v, nil
		}
	}
	return 0, p.fail(n, idx, field, ErrInvalidField, fmt.Sprintf("expected an integer, found %q", n.Value))
}

func (p *parser) boolean(n *yaml.Node, idx int, field string) (bool, error) {
	if isNull(n) {
		return false, nil
	}
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseBool(strings.TrimSpace(n.Value)); err == nil {
			return v, nil
		}
	}
	return false, p.fail(n, idx, field, ErrInvalidField, fmt.Sprintf("expected true or false, found %q", n.Value))
}

func (p *parser) duration(n *yaml.Node, idx int, field string) (time.Duration, error) {
	if isNull(n) || (n.Kind == yaml.ScalarNode && strings.TrimSpace(n.Value) == "") {
		return 0, nil
	}
	if n.Kind == yaml.ScalarNode {
		v := strings.TrimSpace(n.Value)
		if d, err := time.ParseDuration(v); err == nil {
			return d, nil
		}
		if ns, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Duration(ns), nil
		}
	}
	return 0, p.fail(n, idx, field, ErrInvalidField, fmt.Sprintf("expected a duration such as 120ms, found %q", n.Value))
}

func (p *parser) strList(n *yaml.Node, idx int, field string) ([]string, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode {
		s, err := p.str(n, idx, field)
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.fail(n, idx, field, ErrInvalidField, "expected a list of strings, found "+yamlpos.Describe(n))
	}
	out := make([]string, 0, len(n.Content))
	for _, raw := range n.Content {
		v := p.deref(raw)
		if v == nil {
			return nil, p.fail(raw, idx, field, ErrInvalidField, "excessive or circular YAML aliasing")
		}
		s, err := p.str(v, idx, field)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// multimap decodes a mapping of name → list of strings (headers, form,
// trailers). canonical applies MIME header canonicalisation to names.
func (p *parser) multimap(n *yaml.Node, idx int, field string, canonical bool) (map[string][]string, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, idx, field, ErrInvalidField, "expected a mapping of names to lists of strings, found "+yamlpos.Describe(n))
	}
	out := make(map[string][]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := p.deref(n.Content[i])
		v := p.deref(n.Content[i+1])
		if k == nil || v == nil {
			return nil, p.fail(n.Content[i], idx, field, ErrInvalidField, "excessive or circular YAML aliasing")
		}
		if k.Kind != yaml.ScalarNode {
			return nil, p.fail(k, idx, field, ErrInvalidField, "names must be strings")
		}
		name := k.Value
		if canonical {
			name = textproto.CanonicalMIMEHeaderKey(name)
		}
		vals, err := p.strList(v, idx, field+"."+k.Value)
		if err != nil {
			return nil, err
		}
		out[name] = append(out[name], vals...)
	}
	return out, nil
}
