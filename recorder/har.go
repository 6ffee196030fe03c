package recorder

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// ErrNotHAR reports JSON that is not shaped like a HAR 1.2 log.
var ErrNotHAR = errors.New("not a HAR 1.2 log")

// harEntry is the part of a HAR 1.2 entry (http://www.softwareishard.com/blog/har-12-spec/)
// that a recorded interaction needs.
type harEntry struct {
	Request struct {
		Method      string         `json:"method"`
		URL         string         `json:"url"`
		HTTPVersion string         `json:"httpVersion"`
		Headers     []harNameValue `json:"headers"`
		PostData    *struct {
			MimeType string         `json:"mimeType"`
			Text     string         `json:"text"`
			Encoding string         `json:"encoding"`
			Params   []harNameValue `json:"params"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status      int            `json:"status"`
		StatusText  string         `json:"statusText"`
		HTTPVersion string         `json:"httpVersion"`
		Headers     []harNameValue `json:"headers"`
		Content     struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ReadHAR streams the entries of a HAR 1.2 file from r: fn is called with
// each entry's 0-based index in log.entries and the entry as an interaction,
// one at a time, so memory does not grow with the number of entries. name is
// used in errors. Bodies with "encoding": "base64" are decoded; a postData
// with params but no text is encoded as a form. Content-Encoding headers are
// dropped from responses, since HAR stores content decoded. An error from fn
// stops the read and is returned as is; a malformed file gives a *LoadError
// naming the entry, and the line and column of a JSON problem when r can
// seek (an *os.File can).
func ReadHAR(r io.Reader, name string, fn func(index int, it *cassette.Interaction) error) error {
	h := &harReader{dec: json.NewDecoder(r), name: name, start: -1}
	if s, ok := r.(io.Seeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil {
			h.seeker, h.start = s, off
		}
	}
	tok, err := h.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return h.fail(-1, "", ErrEmpty, "a HAR file is a JSON object with a 'log' key: export it again")
		}
		le := h.jsonFail(-1, "", err)
		le.Err = fmt.Errorf("%w: %w", ErrNotHAR, le.Err)
		le.Hint = "a HAR file is a JSON object with a 'log' key: check the path"
		return le
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return h.fail(-1, "", ErrNotHAR, "a HAR file is a JSON object with a 'log' key")
	}
	sawLog := false
	for h.dec.More() {
		key, err := h.dec.Token()
		if err != nil {
			return h.jsonFail(-1, "", err)
		}
		if key != "log" {
			var skip json.RawMessage
			if le := h.decode(&skip, -1, fmt.Sprint(key)); le != nil {
				return le
			}
			continue
		}
		sawLog = true
		if err := h.log(fn); err != nil {
			return err
		}
	}
	if _, err := h.dec.Token(); err != nil {
		return h.jsonFail(-1, "", err)
	}
	if !sawLog {
		return h.fail(-1, "log", ErrNotHAR, "a HAR file is a JSON object with a 'log' key")
	}
	return nil
}

// harReader decodes one HAR file and places its errors.
type harReader struct {
	dec    *json.Decoder
	name   string
	seeker io.Seeker // nil: places are byte offsets
	start  int64     // offset of the first byte in seeker
}

func (h *harReader) fail(index int, field string, err error, hint string) error {
	return &LoadError{Format: "HAR file", File: h.name, Index: index, Field: field, Err: err, Hint: hint}
}

// jsonFail reports a decoding error from Token at its line and column: the
// file ending early, or a JSON syntax error.
func (h *harReader) jsonFail(index int, field string, err error) *LoadError {
	d := diagnoseJSON(err, -1)
	if d.offset >= 0 {
		d.offset++ // Token's offsets point at the offending byte itself
	}
	return h.failAt(index, field, d)
}

// decode decodes the next value into v; on failure it finds the problem's
// place by decoding the value again on its own (the decoder's offsets are
// relative to its buffer) and returns the error, else nil.
func (h *harReader) decode(v any, index int, field string) *LoadError {
	from := h.dec.InputOffset()
	err := h.dec.Decode(v)
	if err == nil {
		return nil
	}
	d := diagnoseJSON(err, -1)
	if d.sentinel != ErrTruncated {
		d.offset = h.relocate(from, v)
	}
	return h.failAt(index, field, d)
}

// relocate decodes the value that starts after offset from (and a comma)
// again, alone, and returns the absolute offset of its problem, or -1.
func (h *harReader) relocate(from int64, v any) int64 {
	r, ok := h.seeker.(io.Reader)
	if !ok {
		return -1
	}
	if _, err := h.seeker.Seek(h.start+from, io.SeekStart); err != nil {
		return -1
	}
	br := bufio.NewReader(r)
	comma := false
	for {
		c, err := br.ReadByte()
		if err != nil {
			return -1
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || (c == ',' && !comma) {
			comma = comma || c == ','
			from++
			continue
		}
		_ = br.UnreadByte()
		break
	}
	var raw json.RawMessage
	if err := json.NewDecoder(br).Decode(&raw); err != nil {
		if d := diagnoseJSON(err, -1); d.offset >= 0 && d.sentinel != ErrTruncated {
			return from + d.offset
		}
		return -1
	}
	if err := json.Unmarshal(raw, v); err != nil {
		if d := diagnoseJSONIn(err, raw); d.offset >= 0 && d.sentinel != ErrTruncated {
			return from + d.offset
		}
	}
	return -1
}

// failAt builds the LoadError of a JSON problem: the file ending early, a
// syntax error or a value of the wrong type, at its line and column.
func (h *harReader) failAt(index int, field string, d jsonDiagnosis) *LoadError {
	if d.field != "" {
		field = d.field
	}
	le := &LoadError{Format: "HAR file", File: h.name, Index: index, Field: field, Err: d.err()}
	switch d.sentinel {
	case ErrTruncated:
		le.Hint = "the file ends before the JSON does, so it was cut short: export the HAR again"
		d.offset = -1
	case ErrInvalidField:
		le.Hint = "HAR 1.2 defines each field's type (a status is a whole number, texts are strings): fix the value or export the HAR again"
	default:
		le.Hint = "fix the JSON at this place, or export the HAR again"
	}
	if d.offset >= 0 {
		if line, col, ok := h.place(d.offset); ok {
			le.Line, le.Column = line, col
		} else {
			le.Err = fmt.Errorf("%w (at byte %d)", le.Err, d.offset)
		}
	}
	return le
}

// place finds the line and column of a byte offset by reading the file again
// from the start (only on an error).
func (h *harReader) place(off int64) (int, int, bool) {
	if h.seeker == nil {
		return 0, 0, false
	}
	if _, err := h.seeker.Seek(h.start, io.SeekStart); err != nil {
		return 0, 0, false
	}
	r, ok := h.seeker.(io.Reader)
	if !ok {
		return 0, 0, false
	}
	line, col := 1, 1
	buf := make([]byte, 32<<10)
	for pos := int64(0); pos < off; {
		n, err := r.Read(buf[:min(int64(len(buf)), off-pos)])
		for _, c := range buf[:n] {
			switch {
			case c == '\n':
				line, col = line+1, 1
			case c&0xC0 != 0x80: // not a UTF-8 continuation byte: a new character
				col++
			}
		}
		pos += int64(n)
		if err != nil {
			break
		}
	}
	return line, col, true
}

func (h *harReader) log(fn func(int, *cassette.Interaction) error) error {
	tok, err := h.dec.Token()
	if err != nil {
		return h.jsonFail(-1, "log", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return h.fail(-1, "log", ErrNotHAR, "'log' must be an object with 'entries'")
	}
	for h.dec.More() {
		key, err := h.dec.Token()
		if err != nil {
			return h.jsonFail(-1, "log", err)
		}
		if key != "entries" {
			var skip json.RawMessage
			if le := h.decode(&skip, -1, fmt.Sprintf("log.%v", key)); le != nil {
				return le
			}
			continue
		}
		tok, err := h.dec.Token()
		if err != nil {
			return h.jsonFail(-1, "log.entries", err)
		}
		if tok == nil {
			continue
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return h.fail(-1, "log.entries", ErrNotHAR, "'log.entries' must be a list")
		}
		for i := 0; h.dec.More(); i++ {
			var e harEntry
			if le := h.decode(&e, i, ""); le != nil {
				return le
			}
			it, err := harInteraction(&e, i)
			if err != nil {
				return &LoadError{Format: "HAR file", File: h.name, Index: i, Field: fieldOf(err), Err: err, Hint: hintOf(err)}
			}
			if err := fn(i, it); err != nil {
				return err
			}
		}
		if _, err := h.dec.Token(); err != nil {
			return h.jsonFail(-1, "log.entries", err)
		}
	}
	if _, err := h.dec.Token(); err != nil {
		return h.jsonFail(-1, "log", err)
	}
	return nil
}

// fieldError carries the field and hint of an entry problem.
type fieldError struct {
	field, hint string
	err         error
	col         int // 1-based column in a one-line JSON text, 0 when unknown
}

// Error returns the underlying problem's message.
func (e *fieldError) Error() string { return e.err.Error() }

// Unwrap returns the underlying problem.
func (e *fieldError) Unwrap() error { return e.err }

func fieldOf(err error) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.field
	}
	return ""
}

func hintOf(err error) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.hint
	}
	return ""
}

func harInteraction(e *harEntry, idx int) (*cassette.Interaction, error) {
	method := strings.TrimSpace(e.Request.Method)
	if method == "" {
		return nil, &fieldError{field: "request.method", hint: "record the HTTP method", err: ErrMissingField}
	}
	if !validMethod(method) {
		return nil, &fieldError{field: "request.method", hint: fmt.Sprintf("%q is not an HTTP method token", method), err: ErrInvalidField}
	}
	if strings.TrimSpace(e.Request.URL) == "" {
		return nil, &fieldError{field: "request.url", hint: "record the absolute request URL", err: ErrMissingField}
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		return nil, &fieldError{field: "request.url", hint: "the URL must parse with net/url", err: fmt.Errorf("%w: %w", ErrInvalidField, err)}
	}
	if e.Response.Status < 100 || e.Response.Status > 999 {
		return nil, &fieldError{field: "response.status", hint: "HAR entries of aborted requests (status 0) cannot be checked; remove them", err: fmt.Errorf("%w: %d is not an HTTP status code", ErrInvalidField, e.Response.Status)}
	}
	reqHeaders := harHeaders(e.Request.Headers)
	var reqBody string
	form := url.Values{}
	if pd := e.Request.PostData; pd != nil {
		reqBody = pd.Text
		if pd.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(pd.Text)
			if err != nil {
				return nil, &fieldError{field: "request.postData.text", hint: "base64 text must be standard base64", err: fmt.Errorf("%w: %w", ErrInvalidBody, err)}
			}
			reqBody = string(b)
		}
		if reqBody == "" && len(pd.Params) > 0 {
			for _, p := range pd.Params {
				form.Add(p.Name, p.Value)
			}
			reqBody = form.Encode()
		}
		if reqHeaders.Get("Content-Type") == "" && pd.MimeType != "" {
			reqHeaders.Set("Content-Type", pd.MimeType)
		}
	}
	respHeaders := harHeaders(e.Response.Headers)
	respBody := e.Response.Content.Text
	if e.Response.Content.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(respBody)
		if err != nil {
			return nil, &fieldError{field: "response.content.text", hint: "base64 text must be standard base64", err: fmt.Errorf("%w: %w", ErrInvalidBody, err)}
		}
		respBody = string(b)
	}
	// HAR content is the decoded body: the coding no longer applies.
	respHeaders.Del("Content-Encoding")
	if respHeaders.Get("Content-Type") == "" && e.Response.Content.MimeType != "" && respBody != "" {
		respHeaders.Set("Content-Type", e.Response.Content.MimeType)
	}
	status := e.Response.StatusText
	if status == "" {
		status = http.StatusText(e.Response.Status)
	}
	return &cassette.Interaction{
		ID: idx,
		Request: cassette.Request{
			Proto:         e.Request.HTTPVersion,
			Host:          u.Host,
			RequestURI:    u.RequestURI(),
			URL:           e.Request.URL,
			Method:        method,
			Headers:       reqHeaders,
			Body:          reqBody,
			Form:          form,
			ContentLength: int64(len(reqBody)),
		},
		Response: cassette.Response{
			Proto:         e.Response.HTTPVersion,
			Code:          e.Response.Status,
			Status:        fmt.Sprintf("%d %s", e.Response.Status, status),
			Headers:       respHeaders,
			Body:          respBody,
			ContentLength: int64(len(respBody)),
			Uncompressed:  true,
		},
	}, nil
}

// harHeaders turns HAR name/value pairs into a header; HTTP/2 pseudo
// headers (":authority") are left out.
func harHeaders(pairs []harNameValue) http.Header {
	h := http.Header{}
	for _, p := range pairs {
		if p.Name == "" || strings.HasPrefix(p.Name, ":") {
			continue
		}
		k := textproto.CanonicalMIMEHeaderKey(p.Name)
		h[k] = append(h[k], p.Value)
	}
	return h
}
