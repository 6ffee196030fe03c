package fault

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// maxHeaderLen bounds the X-Mockd-Fault value accepted by ParseHeader.
const maxHeaderLen = 4096

// ParseHeader parses an X-Mockd-Fault request header: `;`-separated items of
// the rule-file vocabulary, each `name`, `name=value` or `name.field=value`,
// e.g. "status=503; retry_after=2", "reset", "latency=200ms; status=504",
// "dribble.chunks=4; dribble.duration=1s", "status.code=418; status.body=hi".
// Errors name the column in the header value.
func ParseHeader(v string) (*Fault, error) {
	p := newParser(HeaderName)
	if len(v) > maxHeaderLen {
		p.Errs = append(p.Errs, &ParseError{Pos: Position{File: HeaderName, Line: 1, Col: maxHeaderLen + 1},
			Msg: "header value is too long", Hint: "keep it under 4096 bytes"})
		return nil, ParseErrors(p.Errs)
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	subs := map[string]*yaml.Node{}
	offset := 0
	for _, item := range strings.Split(v, ";") {
		col := offset + 1 + (len(item) - len(strings.TrimLeft(item, " \t")))
		offset += len(item) + 1
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, hasValue := strings.Cut(item, "=")
		name = strings.TrimSpace(name)
		value = strings.TrimSpace(value)
		valCol := col + strings.Index(item, "=") + 1
		if !hasValue {
			value, valCol = "true", col
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Value: name, Line: 1, Column: col}
		val := &yaml.Node{Kind: yaml.ScalarNode, Value: value, Line: 1, Column: valCol}
		parent, field, dotted := strings.Cut(name, ".")
		if !dotted {
			if !hasValue && !isBare(name) {
				if code := strings.TrimSpace(name); code != "" && code[0] >= '0' && code[0] <= '9' {
					key.Value, val.Value = "status", code
				}
			}
			root.Content = append(root.Content, key, val)
			continue
		}
		sub := subs[parent]
		if sub == nil {
			sub = &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: col}
			subs[parent] = sub
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: parent, Line: 1, Column: col}, sub)
		}
		key.Value = field
		sub.Content = append(sub.Content, key, val)
	}
	if len(root.Content) == 0 {
		p.Fail(root, "name a fault, e.g. `status=503` or `reset`", "empty %s header", HeaderName)
		return nil, ParseErrors(p.Errs)
	}
	if len(root.Content) == 2 && root.Content[0].Value == "pass" {
		return nil, nil
	}
	f := p.fault(root, HeaderName)
	if len(p.Errs) > 0 {
		return nil, ParseErrors(p.Errs)
	}
	return f, nil
}
