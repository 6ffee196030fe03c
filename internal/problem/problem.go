package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ContentType is the media type of every problem document (RFC 9457 §3).
const ContentType = "application/problem+json"

// fallback is written when a document cannot be encoded: callers only put
// strings, numbers and slices of plain structs in a problem, so this never
// happens, but a client is never left without an answer.
const fallback = `{"type":"about:blank","title":"Internal error","status":500}`

// Doc returns the members every problem has (type, title, status, detail)
// as a map a caller may extend with its own members before writing it.
func Doc(typ, title string, status int, detail string) map[string]any {
	return map[string]any{"type": typ, "title": title, "status": status, "detail": detail}
}

// Marshal renders doc as JSON. When doc cannot be encoded it returns the
// internal-error fallback and status 500 instead of status.
func Marshal(doc any, status int) ([]byte, int) {
	body, err := json.Marshal(doc)
	if err != nil {
		return []byte(fallback), http.StatusInternalServerError
	}
	return body, status
}

// Write answers with doc as an application/problem+json response with an
// exact Content-Length. Headers the caller set on w before (Cache-Control, a
// findings count) are kept. It returns the status written: status, or 500
// when doc could not be encoded.
func Write(w http.ResponseWriter, status int, doc any) int {
	body, status := Marshal(doc, status)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}
