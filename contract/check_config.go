package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mockd/mockd/validator"
)

// checkFile is the shape of a contract config file:
//
//	severities:            # per check id: error, warning, info or off
//	  response.header: warning
//	  request.security: off
//	ignore: ["/internal/**"]   # path globs (CheckConfig.IgnorePaths)
//	ignoreHeaders: [X-Debug]   # CheckConfig.IgnoreHeaders
//	rejectedRequests: info     # severity of request findings answered with a 4xx
type checkFile struct {
	Severities       map[string]string `yaml:"severities"`
	Ignore           []string          `yaml:"ignore"`
	IgnoreHeaders    []string          `yaml:"ignoreHeaders"`
	RejectedRequests string            `yaml:"rejectedRequests"`
}

// LoadCheckConfig reads a contract config file (YAML; see checkFile) into
// cfg: severities override cfg's, lists are appended. Unknown keys and
// unknown check ids are errors that name the file and line.
func LoadCheckConfig(path string, cfg *CheckConfig) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read contract config %s: %w", path, err)
	}
	return ParseCheckConfig(data, path, cfg)
}

// ParseCheckConfig is LoadCheckConfig on bytes; name is used in errors.
func ParseCheckConfig(data []byte, name string, cfg *CheckConfig) error {
	var f checkFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("contract config %s: %w (keys: severities, ignore, ignoreHeaders, rejectedRequests)", name, err)
	}
	known := map[string]bool{}
	for _, id := range CheckIDs {
		known[id] = true
	}
	ids := make([]string, 0, len(f.Severities))
	for id := range f.Severities {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !known[id] {
			return fmt.Errorf("contract config %s: severities: unknown check id %q (known: %s)", name, id, strings.Join(CheckIDs, ", "))
		}
		sev, err := validator.ParseSeverity(f.Severities[id])
		if err != nil {
			return fmt.Errorf("contract config %s: severities.%s: %w", name, id, err)
		}
		if cfg.Severities == nil {
			cfg.Severities = map[string]validator.Severity{}
		}
		cfg.Severities[id] = sev
	}
	cfg.IgnorePaths = append(cfg.IgnorePaths, f.Ignore...)
	cfg.IgnoreHeaders = append(cfg.IgnoreHeaders, f.IgnoreHeaders...)
	if f.RejectedRequests != "" {
		sev, err := validator.ParseSeverity(f.RejectedRequests)
		if err != nil {
			return fmt.Errorf("contract config %s: rejectedRequests: %w", name, err)
		}
		cfg.RejectedRequest = sev
	}
	return nil
}
