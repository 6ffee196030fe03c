package recorder

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mockd/mockd/internal/forward"
	"github.com/mockd/mockd/internal/problem"
	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

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
		if forward.IsHopByHop(k) {
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

// writeProblem writes an RFC 9457 application/problem+json response with
// ext's members added to the standard ones.
func writeProblem(w http.ResponseWriter, status int, title, detail string, ext map[string]any) {
	doc := problem.Doc("about:blank", title, status, detail)
	for k, v := range ext {
		doc[k] = v
	}
	w.Header().Set("Cache-Control", "no-store")
	problem.Write(w, status, doc)
}
