package contract

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/internal/yamlpos"

	"github.com/mockd/mockd/validator"
)

// A contract config file looks like this:
//
//	severities:            # per check id: error, warning, info or off
//	  response.header: warning
//	  request.security: off
//	ignore: ["/internal/**"]   # path globs (CheckConfig.IgnorePaths)
//	ignoreHeaders: [X-Debug]   # CheckConfig.IgnoreHeaders
//	rejectedRequests: info     # severity of request findings answered with a 4xx

// checkConfigKeys are the top-level keys of a contract config file.
const checkConfigKeys = "severities, ignore, ignoreHeaders, rejectedRequests"

// LoadCheckConfig reads a contract config file (YAML, see above) into cfg:
// severities override cfg's, lists are appended. Every error names the
// file, line and column, and the key the user wrote.
func LoadCheckConfig(path string, cfg *CheckConfig) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read contract config %s: %w", path, err)
	}
	return ParseCheckConfig(data, path, cfg)
}

// ParseCheckConfig is LoadCheckConfig on bytes; name is used in errors.
func ParseCheckConfig(data []byte, name string, cfg *CheckConfig) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("contract config %s: invalid YAML: %s (fix: check indentation and quoting)", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil // an empty file changes nothing
	}
	at := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("contract config %w", &yamlpos.Error{Pos: yamlpos.At(name, n), Msg: fmt.Sprintf(format, args...)})
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return at(root, "the file must be a mapping with the keys %s", checkConfigKeys)
	}
	var severities *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "severities":
			if v.Kind != yaml.MappingNode {
				return at(v, "severities must map check ids to severities, e.g. `response.header: warning`")
			}
			severities = v
		case "ignore", "ignoreHeaders":
			list, err := stringList(v)
			if err != nil {
				return at(v, "%s must be a list of strings, e.g. %s", k.Value, map[string]string{"ignore": `["/internal/**"]`, "ignoreHeaders": "[X-Debug]"}[k.Value])
			}
			if k.Value == "ignore" {
				cfg.IgnorePaths = append(cfg.IgnorePaths, list...)
			} else {
				cfg.IgnoreHeaders = append(cfg.IgnoreHeaders, list...)
			}
		case "rejectedRequests":
			sev, err := scalarSeverity(v)
			if err != nil {
				return at(v, "rejectedRequests: %v", err)
			}
			cfg.RejectedRequest = sev
		default:
			return at(k, "unknown key %q (keys: %s)", k.Value, checkConfigKeys)
		}
	}
	if severities == nil {
		return nil
	}
	known := map[string]bool{}
	for _, id := range CheckIDs {
		known[id] = true
	}
	for i := 0; i+1 < len(severities.Content); i += 2 {
		k, v := severities.Content[i], severities.Content[i+1]
		if !known[k.Value] {
			return at(k, "severities: unknown check id %q (known: %s)", k.Value, strings.Join(CheckIDs, ", "))
		}
		sev, err := scalarSeverity(v)
		if err != nil {
			return at(v, "severities.%s: %v", k.Value, err)
		}
		if cfg.Severities == nil {
			cfg.Severities = map[string]validator.Severity{}
		}
		cfg.Severities[k.Value] = sev
	}
	return nil
}

// scalarSeverity reads a severity written as a plain value.
func scalarSeverity(n *yaml.Node) (validator.Severity, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errors.New("want one of error, warning, info or off")
	}
	return validator.ParseSeverity(n.Value)
}

// stringList reads a YAML list of plain values.
func stringList(n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errors.New("not a list")
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			return nil, errors.New("not a list of strings")
		}
		out = append(out, item.Value)
	}
	return out, nil
}

// Severity returns the severity configured for check (CheckConfig.Severities
// and the config file); false when the check keeps its default.
func (c *Checker) Severity(check string) (validator.Severity, bool) {
	s, ok := c.cfg.Severities[check]
	return s, ok
}
