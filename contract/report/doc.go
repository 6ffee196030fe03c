// Package report writes a contract.Result as text, JSON, JUnit XML, SARIF
// 2.1.0 or Markdown (WriteReport); CheckDescriptions says what each check id
// verifies. It only formats: checking and gating are package contract's.
package report
