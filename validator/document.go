package validator

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	lowbase "github.com/pb33f/libopenapi/datamodel/low/base"
	v3low "github.com/pb33f/libopenapi/datamodel/low/v3"
	"github.com/pb33f/libopenapi/index"
	"github.com/pb33f/libopenapi/utils"
)

// Document is a parsed OpenAPI document, as Parse and ParseDocument use it:
// a libopenapi.Document, or (for a JSON OpenAPI 3.x document) one read by
// the fast JSON path, whose model is built the way libopenapi builds it.
type Document interface {
	GetVersion() string
	GetSpecInfo() *datamodel.SpecInfo
	GetRolodex() *index.Rolodex
	BuildV3Model() (*libopenapi.DocumentModel[v3.Document], error)
}

// ParsedDocument is what ParseDocument returns: the document, and the map
// from its node positions to the file's.
type ParsedDocument struct {
	Document
	pos *positions
}

// FilePosition returns the file's line and column for a node position. They
// are the same except in a document that crowds hundreds of nodes onto one
// line (minified JSON): its nodes get a line each, so that libopenapi's
// index, which tells nodes apart by line and column, keeps them apart.
func (d *ParsedDocument) FilePosition(line, col int) (int, int) { return d.pos.file(line, col) }

// ParseDocument parses an OpenAPI or Swagger document as
// libopenapi.NewDocumentWithConfiguration does, without converting it. A
// JSON OpenAPI 3.x document is read in one pass (on GitHub's 13 MB spec
// with 2.7 times less CPU than go-yaml, which libopenapi uses); anything
// else, and any JSON that path is unsure of, goes to libopenapi, whose
// errors are returned unchanged. When the document is not a JSON 3.x one,
// Document is a libopenapi.Document (BuildV2Model is there for Swagger).
func ParseDocument(data []byte, cfg *datamodel.DocumentConfiguration) (*ParsedDocument, error) {
	doc, pos, err := newDocument(data, cfg)
	if err != nil {
		return nil, err
	}
	return &ParsedDocument{Document: doc, pos: pos}, nil
}

// newDocument parses a document: JSON OpenAPI 3.x documents with jsonNodes
// (pos is set when their positions are virtual), everything else, and
// everything jsonNodes is not sure of, with libopenapi.
func newDocument(data []byte, cfg *datamodel.DocumentConfiguration) (doc Document, pos *positions, err error) {
	if d, pos, ok := newJSONDocument(data, cfg); ok {
		return d, pos, nil
	}
	ld, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, nil, err
	}
	return ld, nil, nil
}

// jsonObject reports whether libopenapi takes data for JSON (it takes the
// rest for YAML).
func jsonObject(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	return len(trimmed) > 0 && trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}'
}

// jsonDocument is an OpenAPI 3.x document parsed by jsonNodes. Its model is
// built the way libopenapi's Document.BuildV3Model builds one.
type jsonDocument struct {
	info    *datamodel.SpecInfo
	config  *datamodel.DocumentConfiguration
	rolodex *index.Rolodex
	model   *libopenapi.DocumentModel[v3.Document]
}

// newJSONDocument returns the document when data is an OpenAPI 3.x JSON
// document jsonNodes parses (ok false otherwise: libopenapi then parses it
// and reports what is wrong).
func newJSONDocument(data []byte, cfg *datamodel.DocumentConfiguration) (*jsonDocument, *positions, bool) {
	if !jsonObject(data) {
		return nil, nil, false
	}
	root, pos, lines, err := jsonNodes(data)
	if err != nil {
		return nil, nil, false
	}
	// The same look-ups as libopenapi's: an "openapi" 3.x document that
	// does not also look like Swagger 2.0 or AsyncAPI.
	_, openAPI3 := utils.FindKeyNode(utils.OpenApi3, root.Content)
	_, openAPI2 := utils.FindKeyNode(utils.OpenApi2, root.Content)
	_, asyncAPI := utils.FindKeyNode(utils.AsyncApi, root.Content)
	if openAPI3 == nil || openAPI2 != nil || asyncAPI != nil {
		return nil, nil, false
	}
	version := strings.TrimSpace(openAPI3.Value)
	if !strings.HasPrefix(version, "3.") {
		return nil, nil, false
	}
	info := &datamodel.SpecInfo{
		SpecType:            utils.OpenApi3,
		NumLines:            lines,
		Version:             version,
		VersionNumeric:      3.0,
		SpecFormat:          datamodel.OAS3,
		SpecFileType:        datamodel.JSONFileType,
		SpecBytes:           &data,
		RootNode:            root,
		APISchema:           datamodel.OpenAPI3SchemaData,
		OriginalIndentation: utils.DetermineWhitespaceLengthBytes(data),
	}
	switch version[:3] {
	case "3.1":
		info.VersionNumeric, info.SpecFormat, info.APISchema = 3.1, datamodel.OAS31, datamodel.OpenAPI31SchemaData
	case "3.2":
		info.VersionNumeric, info.SpecFormat, info.APISchema = 3.2, datamodel.OAS32, datamodel.OpenAPI32SchemaData
	}
	if info.VersionNumeric > 3.0 {
		if _, self := utils.FindKeyNode("$self", root.Content); self != nil && self.Value != "" {
			info.Self = self.Value
		}
	}
	return &jsonDocument{info: info, config: cfg}, pos, true
}

// GetVersion returns the version the document declares.
func (d *jsonDocument) GetVersion() string { return d.info.Version }

// GetSpecInfo returns the parsed document.
func (d *jsonDocument) GetSpecInfo() *datamodel.SpecInfo { return d.info }

// GetRolodex returns the index of the document and the files it
// references (nil before BuildV3Model).
func (d *jsonDocument) GetRolodex() *index.Rolodex { return d.rolodex }

// BuildV3Model indexes the document and builds its model, as
// libopenapi.Document.BuildV3Model does: circular references are returned
// as errors beside a usable model, other resolving errors without one.
func (d *jsonDocument) BuildV3Model() (*libopenapi.DocumentModel[v3.Document], error) {
	if d.model != nil {
		return d.model, nil
	}
	lowDoc, docErr := v3low.CreateDocumentFromConfig(d.info, d.config)
	if lowDoc == nil {
		if docErr == nil {
			docErr = errors.New("the document could not be built into an OpenAPI model")
		}
		return nil, fmt.Errorf("build the OpenAPI model: %w", docErr)
	}
	d.rolodex = lowDoc.Rolodex
	errs := utils.UnwrapErrors(docErr)
	for _, err := range errs {
		var refErr *index.ResolvingError
		if errors.As(err, &refErr) && refErr.CircularReference == nil {
			return nil, errors.Join(errs...)
		}
	}
	high := v3.NewDocument(lowDoc)
	high.Rolodex = lowDoc.Index.GetRolodex()
	d.model = &libopenapi.DocumentModel[v3.Document]{Model: *high, Index: lowDoc.Index}
	lowbase.SchemaQuickHashMap.Clear()
	return d.model, errors.Join(errs...)
}
