// Package reqlog writes the one log line per request that mockd serve,
// mockd record and contract proxy print at info level: method, path (with
// the query, secrets redacted), status, where the answer came from, the
// fault rule that fired and the duration. Log is the line itself (the mock
// server builds it from its journal entry); Handler wraps a proxy's
// http.Handler to log its requests the same way. Both cost nothing but an
// Enabled check when the logger's level is above info.
package reqlog
