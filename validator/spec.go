package validator

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	libvalidator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/content"
	"github.com/pb33f/libopenapi/datamodel"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/mockd/mockd/validator/internal/swagger2"
)

// ErrUnsupportedSpec is wrapped by Load and Parse when a document is not an
// OpenAPI 3.x or Swagger 2.0 description.
var ErrUnsupportedSpec = errors.New("not an OpenAPI 3.x or Swagger 2.0 document")

// LoadError is returned when a spec cannot be loaded. It names the file, the
// place (line and column when the parser reports one) and the problem.
type LoadError struct {
	File   string // path of the spec, or "<bytes>" for Parse without a name
	Line   int    // 1-based line, 0 when unknown
	Column int    // 1-based column, 0 when unknown
	Err    error  // the underlying problem
}

// Error formats the error as FILE:LINE:COL: problem.
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("load spec ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *LoadError) Unwrap() error { return e.Err }

// filePositions is a library error whose message names the file's positions
// instead of the virtual ones of a minified document.
type filePositions struct {
	msg string
	err error
}

func (e *filePositions) Error() string { return e.msg }
func (e *filePositions) Unwrap() error { return e.err }

// Option configures how a spec is loaded and validated.
type Option func(*options)

type options struct {
	name             string
	baseDir          string
	formatAssertions bool
	strict           bool
	lenient          bool
	logger           *slog.Logger
	readTime         time.Duration // how long Load took to read the file
}

// WithName sets the name used in errors when parsing bytes (Parse).
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithBaseDir sets the folder that relative external $refs are resolved
// against when parsing bytes. Load uses the spec file's folder.
func WithBaseDir(dir string) Option { return func(o *options) { o.baseDir = dir } }

// WithFormatAssertions makes validation check string formats (uuid,
// date-time, email...). Off by default, as in libopenapi-validator.
func WithFormatAssertions() Option { return func(o *options) { o.formatAssertions = true } }

// WithStrict rejects undeclared properties in bodies and undeclared query
// parameters and headers (libopenapi-validator's strict mode).
func WithStrict() Option { return func(o *options) { o.strict = true } }

// WithLogger sets the logger used for load-time diagnostics.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// Spec is a loaded and indexed OpenAPI description. One Spec serves both the
// mock server and the contract checker: it is loaded once and is safe for
// concurrent use afterwards.
type Spec struct {
	// File is the path the spec was loaded from (or the name given to Parse).
	File string
	// Version is the version the document declares ("2.0", "3.0.3", "3.1.0"...).
	Version string
	// Model is the OpenAPI 3 model; Swagger 2.0 documents are converted first.
	Model *v3.Document
	// Operations lists every operation in document order.
	Operations []*Operation
	// Warnings are problems that do not stop loading (circular references,
	// invalid examples, 2.0 constructs without a 3.0 equivalent).
	Warnings []string
	// Disabled lists the operations left out because they depend on a
	// broken $ref (only with WithLenient; without it such a spec fails).
	Disabled []DisabledOperation

	logger    *slog.Logger
	router    *Router
	mu        sync.RWMutex // see guard: compiles exclude readers and other compiles
	byID      map[string]*Operation
	schemes   map[string]*SecurityScheme
	validator libvalidator.Validator
	cache     *lazyCache
	regex     *regexEngine              // pattern engine and per-validation regex budgets
	vopts     *config.ValidationOptions // the library's options, for compile.go
	pos       *positions                // virtual node positions → the file's (minified JSON), else nil
	phases    []phaseTime               // how long each phase of the load took
}

// Load reads, parses and indexes the spec at path.
func Load(path string, opts ...Option) (*Spec, error) {
	began := time.Now()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{File: path, Err: err}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	opts = append([]Option{WithName(path), WithBaseDir(filepath.Dir(abs)), withReadTime(time.Since(began))}, opts...)
	return Parse(data, opts...)
}

// withReadTime passes the time Load took to read the file on to Parse's
// phase timings.
func withReadTime(d time.Duration) Option { return func(o *options) { o.readTime = d } }

// Parse parses and indexes a spec from bytes (YAML or JSON).
func Parse(data []byte, opts ...Option) (*Spec, error) {
	o := options{name: "<bytes>"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	spec := &Spec{File: o.name, logger: o.logger}
	prog := startProgress(o.logger, o.name, progressAfter, progressEvery)
	if o.readTime > 0 {
		prog.record("read", o.readTime)
	}
	defer func() { spec.phases = prog.stop() }()
	fail := func(err error) (*Spec, error) {
		le := &LoadError{File: o.name, Err: err}
		le.Line, le.Column = spec.pos.file(lineCol(err))
		if msg := spec.pos.fileText(err.Error()); msg != err.Error() {
			le.Err = &filePositions{msg: msg, err: err}
		}
		return nil, le
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(errors.New("the file is empty (write an OpenAPI 3.x or Swagger 2.0 document)"))
	}
	cfg := documentConfig(o)
	doc, err := spec.parseDocument(data, o.name, cfg, prog)
	if err != nil {
		return fail(err)
	}
	if err := spec.buildModel(doc, o, cfg, prog); err != nil {
		return fail(err)
	}
	spec.cache = newLazyCache()
	spec.regex = newRegexEngine()
	vopts := spec.validationOptions(o)
	spec.vopts = config.NewValidationOptions(vopts...)
	prog.enter("operations")
	spec.index()
	prog.enter("router")
	spec.router = newRouter(spec.Operations)
	spec.Warnings = append(spec.Warnings, spec.router.Warnings...)
	prog.enter("validator")
	// The library's validator is given the document without its paths.
	// mockd routes requests itself and hands the library each operation's
	// path item (the …WithPathItem calls), so the library's router and
	// path tree would never be used, and with paths the library walks every
	// operation's schemas when it is built, building and hashing each one
	// (half a second on GitHub's spec, more on Stripe's). Servers,
	// components and security stay: validation reads them.
	routeless := *spec.Model
	routeless.Paths = nil
	spec.validator = libvalidator.NewValidatorFromV3Model(&routeless, vopts...)
	spec.cache.warmed()
	return spec, nil
}

// documentConfig is libopenapi's configuration for a spec: local file
// references only, the library's log lines at debug level.
func documentConfig(o options) *datamodel.DocumentConfiguration {
	cfg := &datamodel.DocumentConfiguration{
		BasePath:              o.baseDir,
		AllowFileReferences:   true,
		AllowRemoteReferences: false,
		// The library logs what it reports again as errors: keep its
		// lines out of the user's way (debug level).
		Logger: slog.New(debugOnly{o.logger.Handler()}),
		// The index's lists of descriptions, summaries, enums and
		// objects with properties, and the JSONPaths of inline schema
		// references, are for linters; nothing here reads them, and
		// collecting them is a fifth of the model build.
		SkipMetadataCollection: true,
	}
	if cfg.BasePath == "" {
		cfg.BasePath = "."
	}
	return cfg
}

// parseDocument parses data as OpenAPI 3 JSON, Swagger 2.0 (converted to
// 3.0) or any OpenAPI 3 YAML, and checks the version is 3.x.
func (spec *Spec) parseDocument(data []byte, name string, cfg *datamodel.DocumentConfiguration, prog *progress) (Document, error) {
	// An OpenAPI 3 JSON document is parsed first: it is no Swagger 2.0 one
	// (newJSONDocument says no to a document with a "swagger" key), and
	// IsSwagger2 would read all of it once more.
	var doc Document
	if jsonObject(data) {
		prog.enter("parse")
		if jd, pos, ok := newJSONDocument(data, cfg); ok {
			doc, spec.pos = jd, pos
		}
	}
	if doc == nil && swagger2.IsSwagger2(data) {
		prog.enter("convert")
		converted, warnings, err := swagger2.Convert(data, name)
		if err != nil {
			return nil, fmt.Errorf("convert Swagger 2.0 to OpenAPI 3.0: %w", err)
		}
		spec.Version = "2.0"
		spec.Warnings = append(spec.Warnings, warnings...)
		data = converted
	}

	if doc == nil {
		prog.enter("parse")
		var err error
		if doc, spec.pos, err = newDocument(data, cfg); err != nil {
			if strings.Contains(err.Error(), "spec type not supported") {
				return nil, fmt.Errorf("%w: the document needs a top-level 'openapi: 3.x.y' or 'swagger: \"2.0\"' key", ErrUnsupportedSpec)
			}
			return nil, err
		}
	}
	if spec.Version == "" {
		spec.Version = doc.GetVersion()
	}
	if !strings.HasPrefix(doc.GetVersion(), "3.") {
		return nil, fmt.Errorf("%w: version %q is not supported (use OpenAPI 3.0, 3.1 or Swagger 2.0)", ErrUnsupportedSpec, doc.GetVersion())
	}
	return doc, nil
}

// buildModel builds the v3 model (again without the broken $refs when
// lenient), turning what the library reports on a usable model into
// warnings.
func (spec *Spec) buildModel(doc Document, o options, cfg *datamodel.DocumentConfiguration, prog *progress) error {
	prog.enter("model")
	patterns := startPatternCheck(doc, spec.pos)
	model, err := doc.BuildV3Model()
	prog.enter("refs")
	if broken := brokenRefs(doc, o.name, cfg.BasePath, spec.pos); len(broken) > 0 {
		if !o.lenient {
			return &BrokenRefsError{Refs: publicRefs(broken)}
		}
		rewritten, disabled, rerr := disableBroken(doc.GetSpecInfo().RootNode, broken, cfg.BasePath)
		if rerr != nil {
			return rerr
		}
		spec.Disabled = disabled
		// The re-written copy is YAML with positions of its own.
		spec.pos = nil
		prog.enter("parse")
		if doc, _, err = newDocument(rewritten, cfg); err != nil {
			return fmt.Errorf("re-read the spec without its broken $refs: %w", err)
		}
		prog.enter("model")
		patterns = startPatternCheck(doc, nil)
		model, err = doc.BuildV3Model()
	}
	if model == nil {
		if err == nil {
			err = errors.New("the document could not be built into an OpenAPI model")
		}
		return err
	}
	if err != nil {
		// Circular references and unresolved optional parts still give a
		// usable model: report them, serve the rest.
		for _, e := range unjoin(err) {
			msg := spec.pos.fileText(e.Error())
			if strings.Contains(msg, "infinite circular reference") {
				msg += " (every property on the loop is required, so no finite value matches: make one optional)"
			}
			spec.Warnings = append(spec.Warnings, msg)
		}
	}
	spec.Model = &model.Model
	prog.enter("patterns")
	spec.Warnings = append(spec.Warnings, patterns()...)
	return nil
}

// validationOptions are libopenapi-validator's options for this spec.
func (spec *Spec) validationOptions(o options) []config.Option {
	vopts := []config.Option{
		config.WithSchemaCache(spec.cache),
		config.WithoutSecurityValidation(),
		// Forms (urlencoded, multipart), text, XML, YAML and CSV bodies
		// are validated too, not only JSON.
		config.WithStandardBodyDecoders(),
		config.WithRegexEngine(spec.regex.lenient),
		config.WithRegexCache(spec.cache.segmentRegexCache()),
		config.WithBodyDecoder("application/x-www-form-urlencoded", formArrays(formURLDecoder())),
		config.WithBodyDecoder("multipart/form-data", formArrays(content.MultipartDecoder())),
		config.WithBodyDecoder("text/plain", textBodyDecoder()),
		config.WithBodyDecoder("application/xml", xmlBodyDecoder()),
		config.WithBodyDecoder("text/xml", xmlBodyDecoder()),
		config.WithBodyDecoder("application/*+xml", xmlBodyDecoder()),
		config.WithLogger(o.logger),
	}
	if o.formatAssertions {
		vopts = append(vopts, config.WithFormatAssertions())
	}
	if o.strict {
		vopts = append(vopts, config.WithStrictMode())
	}
	return vopts
}

// startPatternCheck looks for patterns no engine runs (invalidPatternWarnings)
// and returns a function that gives the warnings. It runs before the model
// build, not beside it: building the model writes to the document's nodes,
// so a concurrent walk of them is a data race (go test -race finds it).
func startPatternCheck(doc Document, pos *positions) func() []string {
	info := doc.GetSpecInfo()
	if info == nil || info.RootNode == nil {
		return func() []string { return nil }
	}
	warnings := invalidPatternWarnings(info.RootNode, pos)
	return func() []string { return warnings }
}

// Operation returns the operation with the given operationId (or the
// synthetic "METHOD /path" id of operations that have none).
func (s *Spec) Operation(id string) (*Operation, bool) {
	op, ok := s.byID[id]
	return op, ok
}

// SecurityScheme returns the named security scheme of components.
func (s *Spec) SecurityScheme(name string) (*SecurityScheme, bool) {
	sc, ok := s.schemes[name]
	return sc, ok
}

// SecuritySchemes lists the spec's security schemes.
func (s *Spec) SecuritySchemes() []*SecurityScheme {
	out := make([]*SecurityScheme, 0, len(s.schemes))
	for _, sc := range s.schemes {
		out = append(out, sc)
	}
	return out
}

var yamlPos = regexp.MustCompile(`(?:\bL(\d+)\.C(\d+)|\bline (\d+)(?:, column (\d+))?|\[(\d+):(\d+)\])`)

// lineCol extracts the first position a parser error reports.
func lineCol(err error) (int, int) {
	m := yamlPos.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, 0
	}
	for i := 1; i+1 < len(m); i += 2 {
		if m[i] != "" {
			l, _ := strconv.Atoi(m[i])
			c, _ := strconv.Atoi(m[i+1])
			return l, c
		}
	}
	return 0, 0
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}
