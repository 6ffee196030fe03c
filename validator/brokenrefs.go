package validator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pb33f/libopenapi/index"
	"go.yaml.in/yaml/v4"
)

// BrokenRef is a $ref that points to nothing: a missing file, or a JSON
// pointer that names no part of the document.
type BrokenRef struct {
	File   string // the file that holds the $ref (as given, or relative to the spec's folder)
	Line   int    // 1-based line of the $ref value
	Column int    // 1-based column of the $ref value
	Ref    string // the $ref as written
	Reason string // what is wrong and how to fix it
}

// String formats the reference as FILE:LINE:COL: $ref 'REF': reason.
func (b BrokenRef) String() string {
	return fmt.Sprintf("%s:%d:%d: $ref '%s': %s", b.File, b.Line, b.Column, b.Ref, b.Reason)
}

// BrokenRefsError is returned (inside a LoadError) when a spec has $refs that
// resolve to nothing. It lists every one of them; WithLenient serves the
// operations that do not depend on them instead.
type BrokenRefsError struct {
	Refs []BrokenRef
	// Alternative, when set, is the other way out the caller offers, in
	// its user's terms (a command names its lenient flag); the message
	// shows it after the fix. The library sets none: how to load leniently
	// depends on the program.
	Alternative string
}

// Error lists each broken reference on its own line.
func (e *BrokenRefsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d broken $ref(s): fix each one", len(e.Refs))
	if e.Alternative != "" {
		fmt.Fprintf(&b, " (or %s)", e.Alternative)
	}
	for _, r := range e.Refs {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	return b.String()
}

// DisabledOperation is an operation that WithLenient left out because it
// depends on a broken $ref.
type DisabledOperation struct {
	Method string      // upper-case HTTP method
	Path   string      // the path template as written in the spec
	Refs   []BrokenRef // the broken references it depends on
}

// String formats the operation as "METHOD /path (uses FILE:LINE:COL $ref 'REF')".
func (d DisabledOperation) String() string {
	refs := make([]string, len(d.Refs))
	for i, r := range d.Refs {
		refs[i] = fmt.Sprintf("%s:%d:%d $ref '%s'", r.File, r.Line, r.Column, r.Ref)
	}
	return fmt.Sprintf("%s %s (uses %s)", d.Method, d.Path, strings.Join(refs, ", "))
}

// WithLenient loads a spec with broken $refs anyway: the operations that
// depend on one are left out (Spec.Disabled lists them) and the rest are
// served. Line numbers of a spec loaded this way refer to a re-written copy.
func WithLenient() Option { return func(o *options) { o.lenient = true } }

// brokenRef pairs a reported reference with the YAML node that holds it.
type brokenRef struct {
	BrokenRef
	node    *yaml.Node // the mapping that holds the $ref
	inRoot  bool
	absFile string // absolute path of an external file that holds the $ref
}

// brokenRefs lists the $refs the index could not resolve, in file order,
// one entry per place.
func brokenRefs(doc Document, name, baseDir string, pos *positions) []brokenRef {
	rolodex := doc.GetRolodex()
	if rolodex == nil || rolodex.GetRootIndex() == nil {
		return nil
	}
	root := rolodex.GetRootIndex()
	indexes := append([]*index.SpecIndex{root}, rolodex.GetIndexes()...)
	seen := map[string]bool{}
	var out []brokenRef
	for _, idx := range indexes {
		if idx == nil {
			continue
		}
		file, dir, abs := name, baseDir, ""
		if idx != root {
			abs = idx.GetSpecAbsolutePath()
			dir = filepath.Dir(abs)
			file = abs
			if rel, err := filepath.Rel(baseDir, abs); err == nil && !strings.HasPrefix(rel, "..") {
				file = filepath.Join(filepath.Dir(name), rel) // beside the spec, as the user named it
			}
		}
		for _, e := range idx.GetReferenceIndexErrors() {
			var ie *index.IndexingError
			if !errors.As(e, &ie) || ie.Node == nil {
				continue
			}
			ref, valNode := refValue(ie.Node)
			if valNode == nil {
				continue
			}
			line, col := valNode.Line, valNode.Column
			if idx == root {
				line, col = pos.file(line, col) // other files have their own positions
			}
			key := fmt.Sprintf("%s:%d:%d", file, line, col)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, brokenRef{
				BrokenRef: BrokenRef{File: file, Line: line, Column: col, Ref: ref, Reason: refReason(ref, dir)},
				node:      ie.Node,
				inRoot:    idx == root,
				absFile:   abs,
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].BrokenRef, out[j].BrokenRef
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}

// refValue returns the $ref string of a mapping node and the node holding it.
func refValue(n *yaml.Node) (string, *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		return "", nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "$ref" {
			return n.Content[i+1].Value, n.Content[i+1]
		}
	}
	return "", nil
}

// refReason says why ref, written in a file of folder dir, resolves to nothing.
func refReason(ref, dir string) string {
	file, frag, _ := strings.Cut(ref, "#")
	if u, err := url.Parse(file); err == nil && u.Scheme != "" && u.Scheme != "file" {
		return "remote references are not fetched: download the file and point the $ref at the local copy"
	}
	if file == "" {
		return fmt.Sprintf("nothing at #%s in this file: add it, or correct the pointer", frag)
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, file)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Sprintf("file %s not found: create it, or correct the path (relative to %s)", file, dir)
	}
	return fmt.Sprintf("nothing at #%s in %s: add it, or correct the pointer", frag, file)
}

// refWalk finds the operations of a root document that depend on a broken
// $ref, following local references.
type refWalk struct {
	root   *yaml.Node
	dir    string
	broken map[*yaml.Node][]BrokenRef // $ref mappings of the root document that resolve to nothing
	files  map[string][]BrokenRef     // external files (absolute paths) that hold a broken $ref
	seen   map[*yaml.Node]bool
	hits   []BrokenRef
}

// visit collects the broken references reachable from n.
func (w *refWalk) visit(n *yaml.Node) {
	if n == nil || w.seen[n] {
		return
	}
	w.seen[n] = true
	w.hit(w.broken[n])
	if ref, _ := refValue(n); ref != "" {
		file, frag, _ := strings.Cut(ref, "#")
		if file != "" {
			w.hit(w.files[w.abs(file)])
		} else {
			w.visit(refPointer(w.root, frag))
		}
	}
	for _, c := range n.Content {
		w.visit(c)
	}
	if n.Kind == yaml.AliasNode {
		w.visit(n.Alias)
	}
}

func (w *refWalk) hit(refs []BrokenRef) {
	for _, r := range refs {
		dup := false
		for _, h := range w.hits {
			dup = dup || h == r
		}
		if !dup {
			w.hits = append(w.hits, r)
		}
	}
}

func (w *refWalk) abs(file string) string {
	if !filepath.IsAbs(file) {
		file = filepath.Join(w.dir, file)
	}
	return filepath.Clean(file)
}

var pathItemMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// disableBroken removes from the root document every operation that depends
// on a broken $ref, empties the broken $refs left (in parts no operation
// served now uses) and returns the re-written document.
func disableBroken(docNode *yaml.Node, refs []brokenRef, dir string) ([]byte, []DisabledOperation, error) {
	w := &refWalk{root: docNode, dir: dir, broken: map[*yaml.Node][]BrokenRef{}, files: map[string][]BrokenRef{}}
	for _, r := range refs {
		if r.inRoot {
			w.broken[r.node] = append(w.broken[r.node], r.BrokenRef)
		} else {
			w.files[filepath.Clean(r.absFile)] = append(w.files[filepath.Clean(r.absFile)], r.BrokenRef)
		}
	}
	var disabled []DisabledOperation
	paths := refPointer(docNode, "/paths")
	for i := 0; paths != nil && paths.Kind == yaml.MappingNode && i+1 < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		if ref, _ := refValue(item); strings.HasPrefix(ref, "#") {
			if target := refPointer(docNode, strings.TrimPrefix(ref, "#")); target != nil {
				item = target
			}
		}
		for _, m := range pathItemMethods {
			op := NodeValue(item, m)
			if op == nil {
				continue
			}
			// The operation's own tree, the path's shared parameters and
			// the path item's own $ref count.
			w.seen, w.hits = map[*yaml.Node]bool{}, nil
			w.visit(op)
			w.visit(NodeValue(item, "parameters"))
			if r, _ := refValue(paths.Content[i+1]); r != "" {
				w.visit(paths.Content[i+1])
			}
			if len(w.hits) > 0 {
				disabled = append(disabled, DisabledOperation{Method: strings.ToUpper(m), Path: paths.Content[i].Value, Refs: w.hits})
				removeKey(item, m)
			}
		}
	}
	emptyBrokenRefs(docNode, w)
	out, err := yaml.Marshal(docNode)
	if err != nil {
		return nil, nil, fmt.Errorf("re-write the spec without its broken $refs: %w", err)
	}
	return out, disabled, nil
}

// emptyBrokenRefs turns every broken $ref left in the document into {}.
func emptyBrokenRefs(n *yaml.Node, w *refWalk) {
	if n == nil {
		return
	}
	if ref, _ := refValue(n); ref != "" {
		file, _, _ := strings.Cut(ref, "#")
		if len(w.broken[n]) > 0 || (file != "" && len(w.files[w.abs(file)]) > 0) {
			n.Content = nil
			return
		}
	}
	for _, c := range n.Content {
		emptyBrokenRefs(c, w)
	}
}

// removeKey deletes key and its value from a mapping node.
func removeKey(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}

// refPointer resolves a JSON pointer ("/components/schemas/A") in a document.
func refPointer(root *yaml.Node, frag string) *yaml.Node {
	n := root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		n = NodeValue(n, tok)
		if n == nil {
			return nil
		}
	}
	return n
}

func publicRefs(refs []brokenRef) []BrokenRef {
	out := make([]BrokenRef, len(refs))
	for i, r := range refs {
		out[i] = r.BrokenRef
	}
	return out
}

// debugOnly is a slog handler that passes every record on at debug level.
type debugOnly struct{ slog.Handler }

// Enabled reports whether the wrapped handler takes debug records.
func (d debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.Handler.Enabled(ctx, slog.LevelDebug)
}

// Handle passes r on at debug level.
func (d debugOnly) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.Handler.Handle(ctx, r)
}

// WithAttrs keeps records at debug level.
func (d debugOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugOnly{d.Handler.WithAttrs(attrs)}
}

// WithGroup keeps records at debug level.
func (d debugOnly) WithGroup(name string) slog.Handler { return debugOnly{d.Handler.WithGroup(name)} }
