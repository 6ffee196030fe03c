package schemagen

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// maxYAMLDepth bounds the nesting of example/enum/const values decoded from the spec.
const maxYAMLDepth = 64

// yamlValue converts a YAML node (an example, default, const or enum member) into a JSON-compatible value:
// map[string]any, []any, string, int64, float64, bool or nil.
func yamlValue(n *yaml.Node) (any, error) {
	return yamlValueDepth(n, 0)
}

func yamlValueDepth(n *yaml.Node, depth int) (any, error) {
	if n == nil {
		return nil, nil
	}
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels at line %d", maxYAMLDepth, n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValueDepth(n.Content[0], depth+1)
	case yaml.AliasNode:
		return yamlValueDepth(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValueDepth(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := yamlValueDepth(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case yaml.ScalarNode:
		return yamlScalar(n)
	default:
		return nil, fmt.Errorf("unsupported YAML node kind %d at line %d", n.Kind, n.Line)
	}
}

// scalarTag returns the scalar's resolved tag. Nodes may have lost their Tag (libopenapi-validator's rendering
// clears it on the shared model), so plain scalars are resolved here rather than trusted to ShortTag.
func scalarTag(n *yaml.Node) string {
	if n.Tag != "" && n.Tag != "!" {
		return n.ShortTag()
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return "!!str"
	}
	v := n.Value
	switch v {
	case "", "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	}
	if _, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXpP") {
		l := strings.ToLower(v)
		if !strings.Contains(l, "inf") && !strings.Contains(l, "nan") {
			return "!!float"
		}
	}
	return "!!str"
}

func yamlScalar(n *yaml.Node) (any, error) {
	switch scalarTag(n) {
	case "!!null":
		return nil, nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return nil, fmt.Errorf("bad boolean %q at line %d: %w", n.Value, n.Line, err)
		}
		return b, nil
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("bad integer %q at line %d: %w", n.Value, n.Line, err)
		}
		return f, nil
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("number %q at line %d is not representable in JSON", n.Value, n.Line)
		}
		return f, nil
	default:
		return n.Value, nil
	}
}

// canonical returns a canonical JSON text for v, used for equality (enum, const, uniqueItems).
// encoding/json sorts map keys, and int64(1) and float64(1) both encode as "1", as JSON Schema requires.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// jsonEqual reports JSON Schema equality of two JSON-compatible values.
func jsonEqual(a, b any) bool {
	na, aNum := toFloat(a)
	nb, bNum := toFloat(b)
	if aNum || bNum {
		return aNum && bNum && na == nb
	}
	return canonical(a) == canonical(b)
}

// toFloat returns the numeric value of v when v is a JSON number.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// isIntegral reports whether v is a JSON number with no fractional part.
func isIntegral(v any) bool {
	switch x := v.(type) {
	case int64, int, int32:
		return true
	case float64:
		return !math.IsInf(x, 0) && !math.IsNaN(x) && x == math.Trunc(x)
	case float32:
		return float64(x) == math.Trunc(float64(x))
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == math.Trunc(f)
	}
	return false
}
