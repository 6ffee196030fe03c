// Package yamlpos is the one helper for user-written YAML that mockd reports
// errors in: where a node is (Position, rendered FILE:LINE:COL), how to name
// what was found there (Describe), the positioned error with its fix
// (Error), and the Walker that reads a file and collects every such error
// (mappings with allowed keys and a "did you mean", lists, scalars, syntax
// errors). fault rules, webhooks files, cassettes and contract configs use
// it. It imports no mockd package. validator's Swagger 2.0 converter keeps its own JSON-pointer
// errors.
package yamlpos
