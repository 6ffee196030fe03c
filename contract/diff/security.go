package diff

import (
	"strings"

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
	switch {
	case wholeNew && added(c):
		if securityCount(w.oldRoot, op) > 0 {
			return verdict{"security-alternative-added", NonBreaking}
		}
		return verdict{"security-added", BreakingForCallers}
	case wholeOld:
		if securityCount(w.newRoot, op) == 0 {
			return verdict{"security-removed", NonBreaking}
		}
		return verdict{"security-requirement-removed", BreakingForCallers}
	case added(c):
		return verdict{"security-requirement-tightened", BreakingForCallers}
	}
	return verdict{"security-requirement-loosened", NonBreaking}
}

// securityCount is how many security requirements apply to op in the
// document root (the operation's own list, else the document's); op nil:
// the document's.
func securityCount(root *yaml.Node, op *Operation) int {
	if root == nil {
		return 0
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if op != nil {
		item := mapValue(mapValue(root, "paths"), op.Path)
		if sec := mapValue(mapValue(item, strings.ToLower(op.Method)), "security"); sec != nil {
			return len(sec.Content)
		}
	}
	if sec := mapValue(root, "security"); sec != nil {
		return len(sec.Content)
	}
	return 0
}
