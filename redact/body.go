package redact

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mockd/mockd/internal/content"
)

// MarkerPrefix starts the text that replaces a body redaction refused to
// store (undecodable encoding, or structured data that does not parse in a
// secret-bearing exchange).
const MarkerPrefix = "[mockd withheld this body: "

// Marker returns the body that replaces one redaction refused to store.
func Marker(reason string) string { return MarkerPrefix + reason + "]" }

type bodyKind uint8

const (
	bodyText    bodyKind = iota // text or bytes, scrubbed of known values
	bodyJSON                    // parsed JSON
	bodyNDJSON                  // one JSON value per line
	bodyPending                 // structured but unparseable: kept only in a secret-free exchange
	bodyMarker                  // refused
)

// parsed is a body after the first pass: decoded, parsed and structurally
// redacted, waiting for the exchange's secret values to be scrubbed.
type parsed struct {
	kind    bodyKind
	root    *jnode
	lines   []*jnode // bodyNDJSON: nil for a line that did not parse
	raw     []string // bodyNDJSON: the line texts
	text    []byte
	reason  string
	decoded bool   // the Content-Encoding was undone
	orig    []byte // the body as given
	plain   []byte // the body decoded
	kept    bool   // finish returned orig: nothing in it needed redaction
}

// parseBody decodes body by h's Content-Encoding and redacts it by its
// Content-Type (sniffing JSON when the type is missing or text/plain).
func (r *Redactor) parseBody(h http.Header, body []byte, sc *scan) *parsed {
	if len(body) == 0 {
		return &parsed{kind: bodyText, text: body, orig: body, plain: body}
	}
	p := &parsed{orig: body}
	if codings := content.Codings(h); len(codings) > 0 {
		dec, err := content.Decode(codings, body, r.limits, nil)
		if err != nil {
			return &parsed{kind: bodyMarker, decoded: true, reason: fmt.Sprintf("Content-Encoding %q could not be decoded: %v", strings.Join(codings, ", "), err)}
		}
		body, p.decoded = dec, true
	}
	p.plain = body
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	switch {
	case mt == "application/x-www-form-urlencoded":
		p.kind, p.text = bodyText, []byte(r.query(string(body), codeGrant(body), sc))
	case strings.HasPrefix(mt, "multipart/"):
		out, err := r.multipart(body, params["boundary"], sc)
		if err != nil {
			p.kind, p.text, p.reason = bodyPending, body, "multipart body does not parse: "+err.Error()
		} else {
			p.kind, p.text = bodyText, out
		}
	case ndjsonType(mt):
		r.ndjson(p, body, sc)
	case strings.HasSuffix(mt, "json") || (mt == "" || mt == "text/plain") && looksJSON(body):
		r.json(p, body, sc)
	case utf8.Valid(body) && (mt == "" || strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "xml") || strings.HasSuffix(mt, "yaml") || strings.HasPrefix(mt, "application/javascript")):
		p.kind, p.text = bodyText, []byte(r.text(string(body), sc))
	default:
		p.kind, p.text = bodyText, body
	}
	return p
}

// codeGrant reports whether a form body is an OAuth token request of the
// authorization_code grant, whose "code" is a credential (RFC 6749 §4.1.3).
func codeGrant(form []byte) bool {
	v, err := url.ParseQuery(string(form))
	return err == nil && v.Get("grant_type") == "authorization_code"
}

func ndjsonType(mt string) bool {
	switch mt {
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
		"application/jsonlines", "application/json-seq", "application/stream+json":
		return true
	}
	return false
}

func looksJSON(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// json parses a JSON body; one that does not parse is tried as NDJSON, then
// left pending.
func (r *Redactor) json(p *parsed, body []byte, sc *scan) {
	root, err := parseOrderedJSON(body)
	if err == nil {
		r.redactTree(root, sc)
		p.kind, p.root = bodyJSON, root
		return
	}
	if bytes.Count(bytes.TrimSpace(body), []byte("\n")) > 0 {
		q := &parsed{}
		r.ndjson(q, body, sc)
		if q.kind == bodyNDJSON && !hasNil(q.lines) {
			p.kind, p.lines, p.raw = bodyNDJSON, q.lines, q.raw
			return
		}
	}
	p.kind, p.text, p.reason = bodyPending, []byte(r.text(string(body), sc)), "JSON does not parse ("+err.Error()+")"
}

func hasNil(ns []*jnode) bool {
	for _, n := range ns {
		if n == nil {
			return true
		}
	}
	return false
}

// ndjson parses one JSON value per line; lines that do not parse stay
// pending (text-redacted, replaced at the end in a secret-bearing exchange).
func (r *Redactor) ndjson(p *parsed, body []byte, sc *scan) {
	p.kind = bodyNDJSON
	for _, line := range strings.SplitAfter(string(body), "\n") {
		t := strings.TrimSpace(line)
		if t == "" {
			p.lines, p.raw = append(p.lines, nil), append(p.raw, line)
			continue
		}
		root, err := parseOrderedJSON([]byte(t))
		if err != nil {
			p.lines, p.raw = append(p.lines, nil), append(p.raw, r.text(line, sc))
			if p.reason == "" {
				p.reason = "an NDJSON line does not parse (" + err.Error() + ")"
			}
			continue
		}
		r.redactTree(root, sc)
		p.lines, p.raw = append(p.lines, root), append(p.raw, line)
	}
}

// redactTree replaces whole subtrees under secret keys and JSON paths.
func (r *Redactor) redactTree(root *jnode, sc *scan) *jnode {
	r.redactKeys(root, sc)
	for _, jp := range r.paths {
		root, _ = jp.apply(root, sc)
	}
	return root
}

func (r *Redactor) redactKeys(n *jnode, sc *scan) {
	switch n.kind {
	case jObject:
		for i, k := range n.keys {
			v := n.vals[i]
			if r.IsSecretKey(k) {
				if !(v.kind == jString && v.str == Redacted) && v.kind != jNull {
					sc.leaves(v)
					n.vals[i] = redactedNode()
				}
				continue
			}
			if v.kind == jString {
				// A string holding a URL or "Bearer …" still gets the text rules.
				v.str = r.text(v.str, sc)
				continue
			}
			r.redactKeys(v, sc)
		}
	case jArray:
		for _, v := range n.vals {
			if v.kind == jString {
				v.str = r.text(v.str, sc)
				continue
			}
			r.redactKeys(v, sc)
		}
	default:
	}
}

// multipart redacts the fields of a multipart body and writes it back with
// the same boundary.
func (r *Redactor) multipart(body []byte, boundary string, sc *scan) ([]byte, error) {
	if boundary == "" {
		return nil, fmt.Errorf("no boundary parameter")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var out bytes.Buffer
	mw := multipart.NewWriter(&out)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, err
	}
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		hdr := textproto.MIMEHeader(r.Headers(httpHeader(part.Header)))
		sub := http.Header{"Content-Type": part.Header.Values("Content-Type")}
		if r.IsSecretKey(part.FormName()) {
			sc.add(string(data))
			data = []byte(Redacted)
		} else if part.FileName() == "" || sub.Get("Content-Type") != "" {
			q := r.parseBody(sub, data, sc)
			data = r.finish(q, nil, true)
		}
		w, err := mw.CreatePart(hdr)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func httpHeader(h textproto.MIMEHeader) http.Header { return http.Header(h) }

// finish scrubs the exchange's secret values from a parsed body and renders
// it; bearing says the exchange carried a secret. A body in which nothing
// needed redaction is returned exactly as given (still encoded, so replay
// stays byte for byte); otherwise the redacted body is returned decoded.
func (r *Redactor) finish(p *parsed, vals []string, bearing bool) []byte {
	if p.kind != bodyMarker && len(p.orig) == 0 {
		p.kept = true
		return p.orig
	}
	out := r.render(p, vals, bearing)
	if p.kind == bodyMarker {
		return out
	}
	same := bytes.Equal(out, p.plain)
	if !same && p.kind == bodyJSON {
		if fresh, err := parseOrderedJSON(p.plain); err == nil {
			same = bytes.Equal(fresh.encode(nil), out)
		}
	}
	if same {
		p.kept = true
		return p.orig
	}
	return out
}

func (r *Redactor) render(p *parsed, vals []string, bearing bool) []byte {
	switch p.kind {
	case bodyMarker:
		return []byte(Marker(p.reason))
	case bodyJSON:
		scrubNode(p.root, vals)
		return p.root.encode(nil)
	case bodyNDJSON:
		var out []byte
		for i, n := range p.lines {
			if n == nil {
				line := scrubString(p.raw[i], vals)
				if strings.TrimSpace(line) != "" && (bearing || r.secretLike(line)) {
					line = Marker("NDJSON line does not parse") + "\n"
				}
				out = append(out, line...)
				continue
			}
			scrubNode(n, vals)
			out = n.encode(out)
			if strings.HasSuffix(p.raw[i], "\n") {
				out = append(out, '\n')
			}
		}
		return out
	case bodyPending:
		if bearing || r.secretLike(string(p.text)) {
			return []byte(Marker(p.reason + " and the exchange may carry secrets"))
		}
		return scrubBytes(p.text, vals)
	default:
	}
	return scrubBytes(p.text, vals)
}

// secretLike reports whether text mentions a secret-like name (the default
// patterns, or a configured name), so unparseable data must not be kept.
func (r *Redactor) secretLike(text string) bool {
	lower := strings.ToLower(text)
	if r.defaults && r.likeRe.MatchString(lower) {
		return true
	}
	for _, n := range []names{r.headerNames, r.queryNames, r.bodyNames} {
		for k := range n.exact {
			if strings.Contains(lower, k) {
				return true
			}
		}
		if len(n.globs) > 0 {
			return true // a glob could match anything: fail closed
		}
	}
	return false
}

// Body redacts one body on its own (no other part of an exchange to
// propagate values from or to). It returns the body to store and a copy of
// h fixed for it (Content-Encoding removed when the body was decoded or
// replaced by a marker; Content-Length set when present).
func (r *Redactor) Body(h http.Header, body []byte) ([]byte, http.Header) {
	sc := newScan()
	p := r.parseBody(h, body, sc)
	out := r.finish(p, r.withKnown(sc.list()), sc.bearing)
	h2 := h.Clone()
	if h2 == nil {
		h2 = http.Header{}
	}
	fixHeaders(h2, p, len(out))
	return out, h2
}

func fixHeaders(h http.Header, p *parsed, n int) {
	if p.decoded && !p.kept {
		h.Del("Content-Encoding")
	}
	if !p.kept && h.Get("Content-Length") != "" {
		h.Set("Content-Length", fmt.Sprint(n))
	}
}
