package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mockd/mockd/contract"
	"github.com/mockd/mockd/recorder"
	"github.com/mockd/mockd/validator"
)

// ReportFormats lists the formats WriteReport writes.
var ReportFormats = []string{"text", "json", "junit", "sarif", "markdown"}

// CheckDescriptions says in one line what each check id verifies (SARIF
// rules, documentation).
var CheckDescriptions = map[string]string{
	contract.CheckServer:            "The request was sent to a server (host and base path) the spec declares.",
	validator.CheckPathParam:        "Path parameters match their schema.",
	validator.CheckQueryParam:       "Query parameters are present when required and match their schema.",
	validator.CheckHeaderParam:      "Header parameters are present when required and match their schema.",
	validator.CheckCookieParam:      "Cookie parameters are present when required and match their schema.",
	validator.CheckRequestBody:      "The request body matches the schema of its media type.",
	validator.CheckRequestMediaType: "The request Content-Type is one the operation declares.",
	validator.CheckRequestSecurity:  "The request carries credentials of a security requirement of the operation.",
	validator.CheckRequest:          "The request could be validated at all.",
	validator.CheckResponseStatus:   "The response status is declared (exact, range such as 2XX, or default).",
	validator.CheckResponseMedia:    "The response Content-Type is declared for its status.",
	validator.CheckResponseBody:     "The response body matches the schema of its status and media type.",
	validator.CheckResponseHeader:   "Required response headers are present and present ones match their schema.",
	validator.CheckWriteOnly:        "Responses carry no writeOnly properties.",
	validator.CheckResponse:         "The response could be validated at all.",
	validator.CheckUnknownPath:      "The request path is documented in the spec.",
	validator.CheckUnknownMethod:    "The request method is documented for its path.",
	contract.CheckServerError:       "The provider answers without a 5xx (contract test).",
	contract.CheckInvalidAccepted:   "The provider rejects requests the spec rejects with a 4xx (contract test).",
	contract.CheckValidRejected:     "The provider accepts requests the spec accepts (contract test).",
	contract.CheckRequestEncoding:   "The request body's Content-Encoding can be decoded within the inflation limits.",
	contract.CheckResponseEncoding:  "The response body's Content-Encoding can be decoded within the inflation limits.",
}

// Options tunes report output.
type Options struct {
	// Color writes ANSI colours in the text format (when stdout is a TTY).
	Color bool
	// ToolVersion is recorded in SARIF.
	ToolVersion string
}

// WriteReport writes r in format (one of ReportFormats).
func WriteReport(w io.Writer, format string, r *contract.Result, opts Options) error {
	var err error
	switch strings.ToLower(format) {
	case "text":
		err = writeText(w, r, opts)
	case "json":
		err = writeJSON(w, r)
	case "junit":
		err = writeJUnit(w, r)
	case "sarif":
		err = writeSARIF(w, r, opts)
	case "markdown", "md":
		err = writeMarkdown(w, r)
	default:
		return fmt.Errorf("unknown report format %q (use %s)", format, strings.Join(ReportFormats, ", "))
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	return nil
}

// findingText returns the finding's message with its detail.
func findingText(f *contract.Finding) string {
	msg := f.Message
	if f.Detail != "" && f.Detail != f.Message {
		msg += ": " + f.Detail
	}
	return msg
}

// findingOperation names the operation ("getBook GET /books/{bookId}").
func findingOperation(f *contract.Finding) string {
	if f.OperationID == "" {
		return f.Method
	}
	if f.OperationID == f.Method+" "+f.PathTemplate {
		return f.OperationID
	}
	return f.OperationID + " " + f.Method + " " + f.PathTemplate
}

// specLocation is FILE:LINE:COL (or FILE when the position is unknown).
func specLocation(f *contract.Finding) string {
	if f.SpecFile == "" {
		return ""
	}
	loc := filepath.ToSlash(f.SpecFile)
	if f.SpecLine > 0 {
		loc += fmt.Sprintf(":%d", f.SpecLine)
		if f.SpecCol > 0 {
			loc += fmt.Sprintf(":%d", f.SpecCol)
		}
	}
	return loc
}

func findingWhere(f *contract.Finding) string {
	var parts []string
	if f.In != "" {
		parts = append(parts, f.In)
	}
	if f.Name != "" && f.In != "body" {
		parts = append(parts, f.Name)
	}
	if f.Pointer != "" {
		parts = append(parts, f.Pointer)
	}
	return strings.Join(parts, " ")
}

func sourceText(s recorder.Source) string {
	out := fmt.Sprintf("%s#%d", filepath.ToSlash(s.File), s.Index)
	if s.Entry != "" {
		out += " (" + s.Entry + ")"
	}
	return out
}
