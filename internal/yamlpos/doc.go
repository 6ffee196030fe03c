// Package yamlpos is the one helper for user-written YAML that mockd reports
// errors in: where a node is (Position, rendered FILE:LINE:COL), how to name
// what was found there (Describe), and the positioned error with its fix
// (Error). fault rules, cassettes and contract configs use it. validator's
// Swagger 2.0 converter keeps its own JSON-pointer errors: validator imports
// no project package but that converter.
package yamlpos
