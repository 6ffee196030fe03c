package report

import (
	"encoding/json"
	"io"
)

// The SARIF 2.1.0 shapes the reports write, exported so that other
// commands (contract diff) write theirs the same way through EncodeSARIF.
type (
	// SARIFDriver is the tool and its rules.
	SARIFDriver = sarifDriver
	// SARIFRule is one rule (a check or change id).
	SARIFRule = sarifRule
	// SARIFText is a SARIF message.
	SARIFText = sarifText
	// SARIFDefault is a rule's default level.
	SARIFDefault = sarifDefault
	// SARIFResult is one result.
	SARIFResult = sarifResult
	// SARIFLocation is a result's place.
	SARIFLocation = sarifLocation
	// SARIFPhysical is a file and region.
	SARIFPhysical = sarifPhysical
	// SARIFArtifact is a file.
	SARIFArtifact = sarifArtifact
	// SARIFRegion is a line and column.
	SARIFRegion = sarifRegion
)

// EncodeSARIF writes one SARIF 2.1.0 run of driver with results, indented.
func EncodeSARIF(w io.Writer, driver SARIFDriver, results []SARIFResult) error {
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}
