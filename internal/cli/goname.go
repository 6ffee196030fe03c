package cli

import "regexp"

// GoNames finds Go identifiers, types and formatting mistakes in text meant
// for users (error messages, admin API answers): a qualified name such as
// validator.checkFile or *fault.Rule, Go types such as map[string]string or
// []string, the decoder's "Go struct field", a method hint such as Rules(),
// and fmt's %!verb(...) marks. Tests use it on every message a user sees.
var GoNames = regexp.MustCompile(`\b[a-z]+\.[A-Z]\w+|\b(?:validator|mockserver|fault|recorder|redact|schemagen|reqlog|httpserver|cli|json|yaml|http|url)\.[a-z]\w*\b|map\[|\[\](?:string|byte|any)|\bGo (?:struct field|value of type)|\b[A-Z]\w*\(\)|%!`)
