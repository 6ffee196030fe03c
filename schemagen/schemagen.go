package schemagen

import (
	"fmt"
	"math/rand/v2"
	"regexp"

	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// Mode selects how values are chosen.
type Mode int

const (
	// Static mirrors Stoplight Prism's static generator (openapi-sampler): examples first, then fixed defaults.
	// It needs no randomness; where a default would be invalid it falls back to a fixed-seed generator.
	Static Mode = iota
	// Dynamic draws varied, realistic-ish values from Options.Rand.
	Dynamic
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case Static:
		return "static"
	case Dynamic:
		return "dynamic"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Direction says which side of an exchange the value is for.
type Direction int

const (
	// Response omits writeOnly properties (even required ones, as the OpenAPI specification says).
	Response Direction = iota
	// Request omits readOnly properties (even required ones).
	Request
)

// String returns the direction's name.
func (d Direction) String() string {
	switch d {
	case Response:
		return "response"
	case Request:
		return "request"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// DefaultMaxDepth is the nesting cut-off used when Options.MaxDepth is 0.
const DefaultMaxDepth = 6

const (
	// staticSeed1 and staticSeed2 seed the fixed PCG used by Static mode when a default is invalid.
	staticSeed1 = 0x6d6f636b64
	staticSeed2 = 0x736368656d6167
	// rootAttempts bounds whole-value retries when the final check fails.
	rootAttempts = 6
	// valueBudget bounds the number of values generated for one call.
	valueBudget = 100000
	// depthSlack is how far past MaxDepth required nesting may go before generation gives up.
	depthSlack = 24
)

// Options configure Generate.
type Options struct {
	// Mode is Static (default) or Dynamic.
	Mode Mode
	// Direction is Response (default) or Request.
	Direction Direction
	// MaxDepth is the recursion/nesting cut-off, DefaultMaxDepth when 0. Past it optional properties are
	// omitted, arrays get their minimum length, and null is used where allowed.
	MaxDepth int
	// Rand is required for Dynamic mode and is the only source of randomness: the same schema and the same
	// Rand state give the same value.
	Rand *rand.Rand
}

// generator holds the state of one Generate call. It is not safe for concurrent use.
type generator struct {
	static   bool // the caller asked for Static mode
	fixed    bool // currently producing sampler defaults (Static mode, not in a fallback)
	dir      Direction
	maxDepth int
	rnd      *rand.Rand
	budget   int
	res      map[string]*regexp.Regexp
	pats     map[string]*patternGen
	// active counts the schemas on the current generation path (for Static mode's circular stop).
	active map[any]int
}

func newGenerator(opts Options) (*generator, error) {
	g := &generator{
		static:   opts.Mode == Static,
		dir:      opts.Direction,
		maxDepth: opts.MaxDepth,
		rnd:      opts.Rand,
		budget:   valueBudget,
		res:      make(map[string]*regexp.Regexp),
		pats:     make(map[string]*patternGen),
		active:   make(map[any]int),
	}
	switch opts.Mode {
	case Static:
		g.fixed = true
		g.rnd = rand.New(rand.NewPCG(staticSeed1, staticSeed2))
	case Dynamic:
		if opts.Rand == nil {
			return nil, fmt.Errorf("%w: Dynamic mode needs Options.Rand (e.g. rand.New(rand.NewPCG(seed, 0)))", ErrInvalidOptions)
		}
	default:
		return nil, fmt.Errorf("%w: unknown Mode %d; use Static or Dynamic", ErrInvalidOptions, int(opts.Mode))
	}
	if opts.Direction != Response && opts.Direction != Request {
		return nil, fmt.Errorf("%w: unknown Direction %d; use Response or Request", ErrInvalidOptions, int(opts.Direction))
	}
	if opts.MaxDepth < 0 {
		return nil, fmt.Errorf("%w: MaxDepth %d is negative; use 0 for the default (%d)", ErrInvalidOptions, opts.MaxDepth, DefaultMaxDepth)
	}
	if g.maxDepth == 0 {
		g.maxDepth = DefaultMaxDepth
	}
	return g, nil
}

// Generate returns a JSON-compatible value (map[string]any, []any, string, float64, int64, bool or nil) that is
// valid against s. It is deterministic: the same schema and the same Rand state give an identical value.
// When no valid value exists (or none is found with bounded effort) the error is a *SchemaError naming the
// keyword and schema path; it wraps ErrUnsatisfiable.
func Generate(s *base.Schema, opts Options) (any, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, &SchemaError{Path: "#", Keyword: "schema", Reason: "the schema is nil; pass the built schema (SchemaProxy.Schema())"}
	}
	return g.root(s, "#")
}

// GenerateProxy resolves p (building the referenced schema) and generates a value for it like Generate.
// Errors name the $ref when p is a reference.
func GenerateProxy(p *base.SchemaProxy, opts Options) (any, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	s, path, err := resolveProxy(p, "#")
	if err != nil {
		return nil, err
	}
	return g.root(s, path)
}

func (g *generator) root(s *base.Schema, path string) (any, error) {
	var lastErr error
	for attempt := 0; attempt < rootAttempts; attempt++ {
		if attempt > 0 {
			g.fixed = false
		}
		v, err := g.genParts([]part{{s: s, path: path}}, path, 0)
		if err != nil {
			if se, ok := err.(*SchemaError); ok && se.retryable {
				lastErr = err
				continue
			}
			return nil, err
		}
		if g.matches(s, v, 0) {
			return v, nil
		}
		lastErr = &SchemaError{Path: path, Keyword: "schema", Line: schemaLine(s),
			Reason: fmt.Sprintf("no generated value validated in %d attempts; the schema combines keywords the generator cannot satisfy together (not, overlapping oneOf branches, if/then/else, dependentSchemas); simplify that part", rootAttempts)}
	}
	return nil, lastErr
}

// regexp returns the compiled pattern, cached for the call.
func (g *generator) regexp(p string) (*regexp.Regexp, error) {
	if re, ok := g.res[p]; ok {
		return re, nil
	}
	src := p
	if capped, ok := toRE2(p); ok {
		src = capped // what matches it matches p (see toRE2)
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	g.res[p] = re
	return re, nil
}

// patternGen returns the string generator for a pattern, cached for the call.
func (g *generator) patternGen(p string) (*patternGen, error) {
	if pg, ok := g.pats[p]; ok {
		return pg, nil
	}
	pg, err := newPatternGen(p)
	if err != nil {
		return nil, err
	}
	g.pats[p] = pg
	return pg, nil
}

// fallback runs f with sampler defaults switched off (Static mode's constrained generator).
func (g *generator) fallback(f func() (any, error)) (any, error) {
	saved := g.fixed
	g.fixed = false
	defer func() { g.fixed = saved }()
	return f()
}
