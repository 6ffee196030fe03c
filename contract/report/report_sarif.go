package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/validator"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifText    `json:"shortDescription"`
	DefaultConfig    sarifDefault `json:"defaultConfiguration"`
}

type sarifDefault struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// writeSARIF writes a SARIF 2.1.0 log: one result per finding group,
// located at the spec's line and column (code scanning shows it on the
// spec file), with the traffic occurrences in its properties.
func writeSARIF(w io.Writer, r *contract.Result, opts Options) error {
	driver := sarifDriver{Name: "contract", InformationURI: "https://github.com/mockd/mockd", Version: opts.ToolVersion}
	ruleIndex := map[string]int{}
	for _, id := range contract.CheckIDs {
		ruleIndex[id] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule{ID: id, ShortDescription: sarifText{Text: CheckDescriptions[id]}, DefaultConfig: sarifDefault{Level: "error"}})
	}
	results := make([]sarifResult, 0, len(r.Groups))
	for _, g := range r.Groups {
		f := &g.Finding
		idx, ok := ruleIndex[f.Check]
		if !ok {
			idx = len(driver.Rules)
			ruleIndex[f.Check] = idx
			driver.Rules = append(driver.Rules, sarifRule{ID: f.Check, ShortDescription: sarifText{Text: f.Check}, DefaultConfig: sarifDefault{Level: "error"}})
		}
		level := "error"
		switch f.Severity {
		case validator.SeverityWarning:
			level = "warning"
		case validator.SeverityInfo:
			level = "note"
		default:
		}
		msg := findingText(f)
		if op := findingOperation(f); op != "" {
			msg = op + ": " + msg
		}
		if f.Hint != "" {
			msg += " (hint: " + f.Hint + ")"
		}
		res := sarifResult{RuleID: f.Check, RuleIndex: idx, Level: level, Message: sarifText{Text: msg},
			PartialFingerprints: map[string]string{"contractFinding/v1": fingerprint(g)},
			Properties: map[string]any{
				"count": g.Count, "occurrences": g.Occurrences, "operationId": f.OperationID,
				"specPointer": f.SpecPointer, "instancePath": f.Pointer,
			}}
		if f.SpecFile != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: filepath.ToSlash(f.SpecFile)}}}
			if f.SpecLine > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.SpecLine, StartColumn: f.SpecCol}
			}
			res.Locations = []sarifLocation{loc}
		}
		results = append(results, res)
	}
	return EncodeSARIF(w, driver, results)
}

func fingerprint(g *contract.Group) string {
	f := &g.Finding
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s", f.Check, f.OperationID, f.SpecPointer, contract.InstancePattern(f.Pointer), f.Message)))
	return hex.EncodeToString(sum[:16])
}
