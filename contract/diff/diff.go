package diff

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mockd/mockd/validator"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v2 "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/utils"
	whatchanged "github.com/pb33f/libopenapi/what-changed"
	"github.com/pb33f/libopenapi/what-changed/model"
)

// Class says whom a change breaks.
type Class string

// The classes of a finding.
const (
	// BreakingForClients: a response clients read changed under them
	// (an operation, a response field or an enum value is gone, a type
	// changed, a value may now appear that they never saw).
	BreakingForClients Class = "breaking-for-clients"
	// BreakingForCallers: a request existing callers send is now rejected
	// (a new required field or parameter, a narrowed type, format, bound,
	// enum or pattern, a removed media type, changed security).
	BreakingForCallers Class = "breaking-for-callers"
	// NonBreaking: additions, documentation and loosened request rules.
	NonBreaking Class = "non-breaking"
)

// Breaking reports whether the class breaks someone.
func (c Class) Breaking() bool { return c == BreakingForClients || c == BreakingForCallers }

// Source is one version of a spec: its bytes and the name findings use
// for it (a file path, or REF:PATH for a git revision).
type Source struct {
	Name string
	Data []byte
	// Path is the file in the working tree this is a version of, when
	// Name is not (REF:PATH); SARIF places results there.
	Path string
}

func (s Source) path() string {
	if s.Path != "" {
		return s.Path
	}
	return s.Name
}

// Location is a place in one of the two specs.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// String is FILE:LINE:COL (FILE alone when the position is unknown).
func (l *Location) String() string {
	if l == nil {
		return ""
	}
	if l.Line == 0 {
		return l.File
	}
	return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Col)
}

// Operation names an operation by method and path template.
type Operation struct {
	Method string `json:"method,omitempty"`
	Path   string `json:"path"`
}

// String is "GET /pets/{id}" (the path alone for a path-wide change).
func (o Operation) String() string {
	if o.Method == "" {
		return o.Path
	}
	return o.Method + " " + o.Path
}

// Finding is one classified change.
type Finding struct {
	// ID is stable across versions (e.g. response-property-removed).
	ID    string `json:"id"`
	Class Class  `json:"class"`
	// Message says what changed, in one sentence.
	Message string `json:"message"`
	// Operation is the operation the change is in, when it is in one.
	Operation *Operation `json:"operation,omitempty"`
	// Component is the component the change is in (#/components/schemas/Pet),
	// for changes of shared schemas; UsedBy lists the operations using it
	// on the side the class is about.
	Component string      `json:"component,omitempty"`
	UsedBy    []Operation `json:"usedBy,omitempty"`
	// Where is the place inside the operation or component
	// ("response 200 application/json: items[].name").
	Where string `json:"where,omitempty"`
	// Old and New locate the change in each spec (nil on the side where
	// the thing does not exist).
	Old *Location `json:"old,omitempty"`
	New *Location `json:"new,omitempty"`
	// Before and After are the changed values, when they are scalars.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Result is the outcome of Compare.
type Result struct {
	Old      string    `json:"old"`
	New      string    `json:"new"`
	Findings []Finding `json:"findings"`
	// paths maps Old and New to their working-tree files (Source.Path).
	paths map[string]string
}

// Count returns how many findings have class c.
func (r *Result) Count(c Class) int {
	n := 0
	for i := range r.Findings {
		if r.Findings[i].Class == c {
			n++
		}
	}
	return n
}

// Breaking returns how many findings break clients or callers.
func (r *Result) Breaking() int { return r.Count(BreakingForClients) + r.Count(BreakingForCallers) }

// SpecError is a spec that could not be read or compared; Name is the
// source's name.
type SpecError struct {
	Name string
	Err  error
}

func (e *SpecError) Error() string { return fmt.Sprintf("%s: %v", e.Name, e.Err) }

func (e *SpecError) Unwrap() error { return e.Err }

// ErrVersionMismatch is returned when one spec is Swagger 2.0 and the other
// OpenAPI 3.x: libopenapi compares only like with like.
var ErrVersionMismatch = errors.New("the two specs are not the same OpenAPI major version")

// compareMu serializes comparisons: libopenapi's what-changed clears and
// fills process-wide hash caches (base.SchemaQuickHashMap, low's hash
// cache) while it compares.
var compareMu sync.Mutex

// Compare classifies every change libopenapi's what-changed reports
// between old and new. Unreadable specs are *SpecError; specs of different
// major versions are ErrVersionMismatch (wrapped in a *SpecError naming NEW).
func Compare(ctx context.Context, old, new Source) (*Result, error) {
	docs, err := parseBoth(ctx, old, new)
	if err != nil {
		return nil, err
	}
	oldType, newType := docs[0].GetSpecInfo().SpecType, docs[1].GetSpecInfo().SpecType
	if oldType != newType {
		return nil, &SpecError{Name: new.Name, Err: fmt.Errorf("%w: %s is %s and %s is %s; convert one so both are the same",
			ErrVersionMismatch, old.Name, versionName(docs[0]), new.Name, versionName(docs[1]))}
	}
	changes, err := compareDocs(ctx, docs, [2]Source{old, new})
	if err != nil {
		return nil, err
	}
	res := &Result{Old: old.Name, New: new.Name, Findings: []Finding{},
		paths: map[string]string{old.Name: old.path(), new.Name: new.path()}}
	if changes == nil {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w := newWalker(old.Name, new.Name, buildUsage(docs[0]), buildUsage(docs[1]))
	w.oldRoot, w.newRoot = docs[0].GetSpecInfo().RootNode, docs[1].GetSpecInfo().RootNode
	w.oldPos, w.newPos = docs[0].FilePosition, docs[1].FilePosition
	w.swagger = oldType == utils.OpenApi2
	w.document(changes)
	res.Findings = distinct(w.findings)
	sortFindings(res.Findings)
	return res, nil
}

func versionName(d *validator.ParsedDocument) string {
	if d.GetSpecInfo().SpecType == utils.OpenApi2 {
		return "Swagger 2.0"
	}
	return "OpenAPI " + d.GetSpecInfo().Version
}

// parseBoth parses the two sources at once (parsing is most of the time).
func parseBoth(ctx context.Context, old, new Source) ([2]*validator.ParsedDocument, error) {
	var docs [2]*validator.ParsedDocument
	var errs [2]error
	var wg sync.WaitGroup
	for i, src := range [2]Source{old, new} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docs[i], errs[i] = parse(src)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return docs, err
	}
	return docs, ctx.Err()
}

// parse reads one source with validator.ParseDocument: JSON OpenAPI 3.x
// specs by its one-pass JSON reader (for two GitHub releases 2.2 s of CPU
// instead of 6), everything else by libopenapi.
func parse(src Source) (*validator.ParsedDocument, error) {
	if len(strings.TrimSpace(string(src.Data))) == 0 {
		return nil, &SpecError{Name: src.Name, Err: errors.New("the spec is empty")}
	}
	cfg := datamodel.NewDocumentConfiguration()
	cfg.SkipCircularReferenceCheck = true
	doc, err := validator.ParseDocument(src.Data, cfg)
	if err != nil {
		return nil, &SpecError{Name: src.Name, Err: fmt.Errorf("not an OpenAPI 3.x or Swagger 2.0 document: %w", err)}
	}
	switch doc.GetSpecInfo().SpecType {
	case utils.OpenApi3, utils.OpenApi2:
		return doc, nil
	}
	return nil, &SpecError{Name: src.Name, Err: errors.New("no 'openapi: 3.x' or 'swagger: \"2.0\"' at the top: not an OpenAPI document")}
}

// compareDocs builds both models (at once) and runs what-changed on them.
func compareDocs(ctx context.Context, docs [2]*validator.ParsedDocument, srcs [2]Source) (*model.DocumentChanges, error) {
	compareMu.Lock()
	defer compareMu.Unlock()
	if docs[0].GetSpecInfo().SpecType == utils.OpenApi2 {
		var models [2]*libopenapi.DocumentModel[v2.Swagger]
		if err := buildBoth(srcs, func(i int) error {
			// ParseDocument leaves Swagger 2.0 to libopenapi.
			ld, ok := docs[i].Document.(libopenapi.Document)
			if !ok {
				return errors.New("a Swagger 2.0 document was not parsed by libopenapi")
			}
			m, err := ld.BuildV2Model()
			models[i] = m
			return modelError(m == nil, err)
		}); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return whatchanged.CompareSwaggerDocuments(models[0].Model.GoLow(), models[1].Model.GoLow()), nil
	}
	var models [2]*libopenapi.DocumentModel[v3.Document]
	if err := buildBoth(srcs, func(i int) error {
		m, err := docs[i].BuildV3Model()
		models[i] = m
		return modelError(m == nil, err)
	}); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return whatchanged.CompareOpenAPIDocuments(models[0].Model.GoLow(), models[1].Model.GoLow()), nil
}

// modelError keeps a build error only when no model came out: libopenapi
// reports unresolvable references as errors beside a usable model, and a
// diff of what did resolve is still worth having.
func modelError(noModel bool, err error) error {
	if noModel {
		if err == nil {
			err = errors.New("the model could not be built")
		}
		return err
	}
	return nil
}

func buildBoth(srcs [2]Source, build func(i int) error) error {
	var errs [2]error
	var wg sync.WaitGroup
	for i := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := build(i); err != nil {
				errs[i] = &SpecError{Name: srcs[i].Name, Err: err}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs[0], errs[1])
}

// rank puts breaking findings first.
func (c Class) rank() int {
	switch c {
	case BreakingForClients:
		return 0
	case BreakingForCallers:
		return 1
	case NonBreaking:
	}
	return 2
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		if a.Class.rank() != b.Class.rank() {
			return a.Class.rank() < b.Class.rank()
		}
		if ka, kb := a.sortKey(), b.sortKey(); ka != kb {
			return ka < kb
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.key() < b.key()
	})
}

// distinct drops repeated findings: what-changed reports a change once per
// way it reaches a schema (a component used twice in one response gives
// two identical changes), and how many times varies from run to run.
func distinct(fs []Finding) []Finding {
	seen := make(map[string]bool, len(fs))
	out := fs[:0]
	for _, f := range fs {
		if k := f.key(); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// key is everything a finding says, in one string.
func (f *Finding) key() string {
	var b strings.Builder
	for _, s := range []string{string(f.Class), f.ID, f.Message, f.sortKey(), f.Old.String(), f.New.String(), f.Before, f.After} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	for _, op := range f.UsedBy {
		b.WriteString(op.String())
		b.WriteByte(0)
	}
	return b.String()
}

func (f *Finding) sortKey() string {
	if f.Operation != nil {
		return f.Operation.Path + " " + f.Operation.Method + " " + f.Where
	}
	return "~" + f.Component + " " + f.Where
}
