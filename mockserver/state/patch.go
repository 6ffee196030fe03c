package state

import (
	"fmt"
	"strconv"
	"strings"
)

// JSONPatchType is the media type of RFC 6902 JSON Patch bodies; any other
// PATCH body is an RFC 7386 JSON Merge Patch.
const JSONPatchType = "application/json-patch+json"

// applyPatch applies a PATCH body to a copy of old.
func applyPatch(old map[string]any, body []byte, contentType string) (map[string]any, error) {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0]))
	cur := deepCopy(old).(map[string]any)
	if mt == JSONPatchType {
		var ops []map[string]any
		if err := decodeJSON(body, &ops); err != nil {
			return nil, err
		}
		var doc any = cur
		for i, op := range ops {
			var err error
			if doc, err = applyOp(doc, op); err != nil {
				return nil, fmt.Errorf("%w: JSON Patch operation %d: %v", ErrBadBody, i, err)
			}
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: the JSON Patch replaced the object with a non-object", ErrBadBody)
		}
		return m, nil
	}
	var patch any
	if err := decodeJSON(body, &patch); err != nil {
		return nil, err
	}
	m, ok := mergePatch(cur, patch).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a merge patch must be a JSON object", ErrBadBody)
	}
	return m, nil
}

// mergePatch is RFC 7386 section 2's MergePatch(target, patch).
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// applyOp applies one RFC 6902 operation to doc and returns the new doc.
func applyOp(doc any, op map[string]any) (any, error) {
	name, _ := op["op"].(string)
	path, ok := op["path"].(string)
	if !ok {
		return nil, fmt.Errorf("%q has no path", name)
	}
	switch name {
	case "add", "replace":
		v, ok := op["value"]
		if !ok {
			return nil, fmt.Errorf("%s %s has no value", name, path)
		}
		return setAt(doc, path, deepCopy(v), name == "add")
	case "remove":
		d, _, err := removeAt(doc, path)
		return d, err
	case "move", "copy":
		from, ok := op["from"].(string)
		if !ok {
			return nil, fmt.Errorf("%s %s has no from", name, path)
		}
		v, err := getAt(doc, from)
		if err != nil {
			return nil, err
		}
		if name == "move" {
			if doc, _, err = removeAt(doc, from); err != nil {
				return nil, err
			}
		}
		return setAt(doc, path, deepCopy(v), true)
	case "test":
		v, err := getAt(doc, path)
		if err != nil {
			return nil, err
		}
		if fmt.Sprint(normalize(v)) != fmt.Sprint(normalize(op["value"])) {
			return nil, fmt.Errorf("test %s failed", path)
		}
		return doc, nil
	}
	return nil, fmt.Errorf("unknown op %q (use add, remove, replace, move, copy or test)", name)
}

// normalize makes numbers comparable as text.
func normalize(v any) any {
	if n, ok := v.(interface{ String() string }); ok {
		if f, err := strconv.ParseFloat(n.String(), 64); err == nil {
			return f
		}
	}
	return v
}

// pointer splits an RFC 6901 pointer.
func pointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("path %q must start with /", p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

func getAt(doc any, path string) (any, error) {
	parts, err := pointer(path)
	if err != nil {
		return nil, err
	}
	cur := doc
	for _, k := range parts {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, fmt.Errorf("%s: no member %q", path, k)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("%s: no index %q", path, k)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%s: %q is inside a scalar", path, k)
		}
	}
	return cur, nil
}

// setAt adds (insert) or replaces the value at path; it returns the new doc.
func setAt(doc any, path string, v any, insert bool) (any, error) {
	parts, err := pointer(path)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return v, nil
	}
	parent, err := getAt(doc, "/"+strings.Join(escapeAll(parts[:len(parts)-1]), "/"))
	if len(parts) == 1 {
		parent, err = doc, nil
	}
	if err != nil {
		return nil, err
	}
	last := parts[len(parts)-1]
	switch c := parent.(type) {
	case map[string]any:
		if _, ok := c[last]; !ok && !insert {
			return nil, fmt.Errorf("replace %s: no member %q", path, last)
		}
		c[last] = v
		return doc, nil
	case []any:
		i := len(c)
		if last != "-" {
			if i, err = strconv.Atoi(last); err != nil || i < 0 || i > len(c) || (!insert && i == len(c)) {
				return nil, fmt.Errorf("%s: bad index %q", path, last)
			}
		}
		var arr []any
		if insert {
			arr = append(append(append([]any{}, c[:i]...), v), c[i:]...)
		} else {
			arr = c
			arr[i] = v
		}
		return setAt(doc, "/"+strings.Join(escapeAll(parts[:len(parts)-1]), "/"), arr, false)
	}
	return nil, fmt.Errorf("%s: the parent is not an object or array", path)
}

func removeAt(doc any, path string) (any, any, error) {
	parts, err := pointer(path)
	if err != nil || len(parts) == 0 {
		return nil, nil, fmt.Errorf("remove %q: cannot remove the whole document", path)
	}
	parentPath := "/" + strings.Join(escapeAll(parts[:len(parts)-1]), "/")
	parent := doc
	if len(parts) > 1 {
		if parent, err = getAt(doc, parentPath); err != nil {
			return nil, nil, err
		}
	}
	last := parts[len(parts)-1]
	switch c := parent.(type) {
	case map[string]any:
		v, ok := c[last]
		if !ok {
			return nil, nil, fmt.Errorf("remove %s: no member %q", path, last)
		}
		delete(c, last)
		return doc, v, nil
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(c) {
			return nil, nil, fmt.Errorf("remove %s: no index %q", path, last)
		}
		v := c[i]
		arr := append(append([]any{}, c[:i]...), c[i+1:]...)
		d, err := setAt(doc, parentPath, arr, false)
		return d, v, err
	}
	return nil, nil, fmt.Errorf("remove %s: the parent is not an object or array", path)
}

func escapeAll(parts []string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
	}
	return out
}

// deepCopy copies maps and slices of a decoded JSON value.
func deepCopy(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, x := range c {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(c))
		for i, x := range c {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}
