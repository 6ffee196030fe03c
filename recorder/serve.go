package recorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// hopByHop headers belong to one connection and are never replayed.
func hopByHop(name string) bool {
	switch name {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Transfer-Encoding", "Te", "Trailer", "Upgrade":
		return true
	}
	return false
}

// ServeInteraction writes i's recorded response to w: the status, the
// headers (hop-by-hop ones excepted) and the body, byte for byte. It never
// compresses: a body stored decoded (uncompressed: true, or not gzip data
// under a gzip header) is sent without its Content-Encoding claim.
// Content-Length is dropped when it does not match the body (except on a
// HEAD or 304 answer, which carry the length of a body they do not send). Headers the
// recording lacks (Date, Content-Type) are not added by net/http. It does
// not sleep for the recorded duration: latency is the caller's choice.
func ServeInteraction(w http.ResponseWriter, i *cassette.Interaction) error {
	if i == nil {
		return errors.New("recorder: ServeInteraction: nil interaction")
	}
	code := i.Response.Code
	if code < 200 || code > 999 {
		return fmt.Errorf("recorder: interaction %d: status %d cannot be replayed as a final response (re-record it)", i.ID, code)
	}
	body := i.Response.Body
	h := w.Header()
	for k, vs := range i.Response.Headers {
		if hopByHop(k) {
			continue
		}
		h[k] = append([]string(nil), vs...)
	}
	if codings := contentCodings(h); len(codings) > 0 && body != "" {
		decoded := i.Response.Uncompressed
		if last := codings[len(codings)-1]; (last == "gzip" || last == "x-gzip") && !strings.HasPrefix(body, "\x1f\x8b") {
			decoded = true
		}
		if decoded {
			h.Del("Content-Encoding")
		}
	}
	bodyless := body == "" && (strings.EqualFold(i.Request.Method, http.MethodHead) || code == http.StatusNotModified)
	if cl, ok := h["Content-Length"]; ok && !bodyless && (len(cl) != 1 || cl[0] != strconv.Itoa(len(body))) {
		delete(h, "Content-Length")
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	if _, ok := h["Date"]; !ok {
		h["Date"] = nil
	}
	for k := range i.Response.Trailer {
		h.Add("Trailer", k)
	}
	w.WriteHeader(code)
	if _, hasLen := h["Content-Length"]; !hasLen && i.Response.ContentLength < 0 && body != "" {
		// The upstream streamed this body (no length); stream it again
		// rather than let net/http add a Content-Length.
		_ = http.NewResponseController(w).Flush()
	}
	if body != "" && code != http.StatusNoContent && code != http.StatusNotModified {
		if _, err := io.WriteString(w, body); err != nil && !errors.Is(err, http.ErrBodyNotAllowed) {
			return fmt.Errorf("recorder: write recorded body of interaction %d: %w", i.ID, err)
		}
	}
	for k, vs := range i.Response.Trailer {
		h[k] = append([]string(nil), vs...)
	}
	return nil
}

// writeProblem writes an RFC 9457 application/problem+json response.
func writeProblem(w http.ResponseWriter, status int, title, detail string, ext map[string]any) {
	doc := map[string]any{
		"type":   "about:blank",
		"title":  title,
		"status": status,
		"detail": detail,
	}
	for k, v := range ext {
		doc[k] = v
	}
	data, err := json.Marshal(doc)
	if err != nil {
		data = []byte(`{"type":"about:blank","status":` + strconv.Itoa(status) + `}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
