package diff

import (
	"slices"
	"strings"

	"github.com/mockd/mockd/validator"
	lowbase "github.com/pb33f/libopenapi/datamodel/low/base"
	"github.com/pb33f/libopenapi/what-changed/model"
	"go.yaml.in/yaml/v4"
)

// security classifies security requirement changes of an operation (op)
// or of the document (op nil). Requirements are alternatives: a new one
// beside existing ones lets more callers in, a removed one locks its
// callers out; a scheme or scope added inside a requirement asks every
// caller of it for more.
func (w *walker) security(s site, op *Operation, list []*model.SecurityRequirementChanges) {
	for _, rc := range list {
		for _, c := range rc.GetAllChanges() {
			w.seen[c] = true
			w.add(s, c, w.securityVerdict(op, c))
		}
	}
}

func (w *walker) securityVerdict(op *Operation, c *model.Change) verdict {
	_, wholeOld := c.OriginalObject.(*lowbase.SecurityRequirement)
	_, wholeNew := c.NewObject.(*lowbase.SecurityRequirement)
	class := NonBreaking
	if stricter(requirements(w.oldRoot, op), requirements(w.newRoot, op)) {
		class = BreakingForCallers
	}
	switch {
	case wholeNew && added(c):
		return verdict{"security-requirement-added", class}
	case wholeOld:
		return verdict{"security-requirement-removed", class}
	case added(c):
		return verdict{"security-requirement-tightened", class}
	}
	return verdict{"security-requirement-loosened", class}
}

// stricter reports whether some caller that met one of the old
// requirements meets none of the new: requirements are alternatives, each
// a set of schemes (and scopes) that must all be presented, and no
// requirement at all means anyone may call.
func stricter(old, new [][]string) bool {
	for _, o := range old {
		met := false
		for _, n := range new {
			met = met || subset(n, o)
		}
		if !met {
			return true
		}
	}
	return false
}

func subset(inner, outer []string) bool {
	for _, x := range inner {
		if !slices.Contains(outer, x) {
			return false
		}
	}
	return true
}

// requirements lists the security requirements that apply to op in the
// document root (the operation's own list, else the document's; op nil:
// the document's), each as its schemes and "scheme:scope"s. No list at
// all is one empty requirement: anyone may call.
func requirements(root *yaml.Node, op *Operation) [][]string {
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	sec := validator.NodeValue(root, "security")
	if op != nil {
		item := validator.NodeValue(validator.NodeValue(root, "paths"), op.Path)
		if own := validator.NodeValue(validator.NodeValue(item, strings.ToLower(op.Method)), "security"); own != nil {
			sec = own
		}
	}
	if sec == nil || len(sec.Content) == 0 {
		return [][]string{{}}
	}
	out := make([][]string, 0, len(sec.Content))
	for _, req := range sec.Content {
		var items []string
		for i := 0; i+1 < len(req.Content); i += 2 {
			scheme := req.Content[i].Value
			items = append(items, scheme)
			for _, scope := range req.Content[i+1].Content {
				items = append(items, scheme+":"+scope.Value)
			}
		}
		out = append(out, items)
	}
	return out
}

// schemeVerdict: a security scheme that changes how credentials are sent
// (type, in, name, scheme, flows, URLs) breaks callers; new scopes and
// documentation do not.
func schemeVerdict(c *model.Change) verdict {
	switch {
	case isDoc(c.Property) && c.Property != "name" && c.Property != "url":
		return verdict{"documentation-changed", NonBreaking}
	case c.Property == "scopes" && added(c):
		return verdict{"security-scope-added", NonBreaking}
	}
	return verdict{"security-scheme-changed", BreakingForCallers}
}
