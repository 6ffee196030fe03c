package recorder

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"unicode/utf8"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
)

// MaxNDJSONLine bounds one NDJSON line (one interaction): 64 MiB.
const MaxNDJSONLine = 64 << 20

// ndjsonRecord is one line of an interactions NDJSON file. The field names
// are go-vcr's; headers may map to a string or a list of strings; a body
// that is not UTF-8 is written base64 with body_encoding "base64".
type ndjsonRecord struct {
	Request struct {
		Method       string                `json:"method"`
		URL          string                `json:"url"`
		Headers      map[string]stringList `json:"headers,omitempty"`
		Body         string                `json:"body,omitempty"`
		BodyEncoding string                `json:"body_encoding,omitempty"`
	} `json:"request"`
	Response struct {
		Code         int                   `json:"code"`
		Status       json.RawMessage       `json:"status,omitempty"`
		Headers      map[string]stringList `json:"headers,omitempty"`
		Body         string                `json:"body,omitempty"`
		BodyEncoding string                `json:"body_encoding,omitempty"`
	} `json:"response"`
}

// stringList decodes a JSON string or list of strings.
type stringList []string

// UnmarshalJSON accepts "v" and ["v1","v2"].
func (s *stringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var l []string
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = []string{v}
	return nil
}

// ReadNDJSON streams an NDJSON file of interactions from r, one JSON object
// per line:
//
//	{"request":{"method":"GET","url":"https://api.example.com/v1/books","headers":{"Accept":["application/json"]}},
//	 "response":{"code":200,"headers":{"Content-Type":"application/json"},"body":"[]"}}
//
// (on one line). fn gets each interaction with its 1-based line number;
// blank lines are skipped. Only one line is held in memory at a time. An
// error from fn stops the read and is returned as is; a malformed line gives
// a *LoadError with the line.
func ReadNDJSON(r io.Reader, name string, fn func(line int, it *cassette.Interaction) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	index := 0
	for line := 1; ; line++ {
		raw, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return &LoadError{Format: "NDJSON file", File: name, Line: line, Index: index, Err: fmt.Errorf("%w: %w", ErrInvalidField, err),
				Hint: fmt.Sprintf("a line may hold at most %d bytes", MaxNDJSONLine)}
		}
		if t := bytes.TrimSpace(raw); len(t) > 0 {
			it, perr := DecodeNDJSON(t)
			if perr != nil {
				return ndjsonError(name, line, index, raw, errors.Is(err, io.EOF), perr)
			}
			it.ID = index
			index++
			if ferr := fn(line, it); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// ndjsonError places a bad line's problem (last says raw is the file's
// last line). Only a last line
// without its newline that stops mid-object is called truncated.
func ndjsonError(name string, line, index int, raw []byte, last bool, perr error) error {
	le := &LoadError{Format: "NDJSON file", File: name, Line: line, Index: index, Err: perr,
		Hint: "each line must be one JSON object with request {method, url, headers, body} and response {code, headers, body}"}
	var fe *fieldError
	if errors.As(perr, &fe) {
		le.Field, le.Hint = fe.field, fe.hint
		if fe.col > 0 {
			lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
			le.Column = utf8.RuneCount(raw[:lead]) + fe.col
		}
	}
	if errors.Is(perr, ErrTruncated) {
		if last && !bytes.HasSuffix(raw, []byte("\n")) {
			le.Hint = "the last line stops mid-object and has no newline, so the file was cut short: drop that line or record it again"
		} else {
			le.Err = fmt.Errorf("%w: the JSON object on this line is not closed", ErrJSONSyntax)
			le.Hint = "put each interaction on one line as one whole JSON object; a pretty-printed object spread over lines is not NDJSON"
		}
	}
	return le
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxNDJSONLine {
			return nil, fmt.Errorf("line longer than %d bytes", MaxNDJSONLine)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, err
	}
}

// DecodeNDJSON decodes one NDJSON line into an interaction.
func DecodeNDJSON(line []byte) (*cassette.Interaction, error) {
	var rec ndjsonRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		d := diagnoseJSONIn(err, line)
		_, col := position(line, int(d.offset))
		hint := "fix the JSON at this place; each line is one JSON object with request and response"
		if d.sentinel == ErrInvalidField {
			hint = "fix the value's type: method, url, body and header values are strings, code is a whole number"
		}
		return nil, &fieldError{field: d.field, hint: hint, err: d.err(), col: col}
	}
	if strings.TrimSpace(rec.Request.Method) == "" {
		return nil, &fieldError{field: "request.method", hint: "record the HTTP method, e.g. \"method\":\"GET\"", err: ErrMissingField}
	}
	if !validMethod(rec.Request.Method) {
		return nil, &fieldError{field: "request.method", hint: fmt.Sprintf("%q is not an HTTP method token", rec.Request.Method), err: ErrInvalidField}
	}
	if strings.TrimSpace(rec.Request.URL) == "" {
		return nil, &fieldError{field: "request.url", hint: "record the full request URL", err: ErrMissingField}
	}
	u, err := url.Parse(rec.Request.URL)
	if err != nil {
		return nil, &fieldError{field: "request.url", hint: "the URL must parse with net/url", err: fmt.Errorf("%w: %w", ErrInvalidField, err)}
	}
	if rec.Response.Code < 100 || rec.Response.Code > 999 {
		return nil, &fieldError{field: "response.code", hint: "record the HTTP status code, e.g. \"code\":200", err: fmt.Errorf("%w: %d is not an HTTP status code", ErrInvalidField, rec.Response.Code)}
	}
	reqBody, err := ndjsonBody(rec.Request.Body, rec.Request.BodyEncoding)
	if err != nil {
		return nil, &fieldError{field: "request.body", hint: "body_encoding is \"base64\" (standard) or absent", err: err}
	}
	respBody, err := ndjsonBody(rec.Response.Body, rec.Response.BodyEncoding)
	if err != nil {
		return nil, &fieldError{field: "response.body", hint: "body_encoding is \"base64\" (standard) or absent", err: err}
	}
	status := ""
	if len(rec.Response.Status) > 0 {
		_ = json.Unmarshal(rec.Response.Status, &status)
	}
	if status == "" {
		status = fmt.Sprintf("%d %s", rec.Response.Code, http.StatusText(rec.Response.Code))
	}
	return &cassette.Interaction{
		Request: cassette.Request{
			Method:        rec.Request.Method,
			URL:           rec.Request.URL,
			Host:          u.Host,
			RequestURI:    u.RequestURI(),
			Headers:       ndjsonHeaders(rec.Request.Headers),
			Body:          reqBody,
			Form:          url.Values{},
			ContentLength: int64(len(reqBody)),
		},
		Response: cassette.Response{
			Code:          rec.Response.Code,
			Status:        status,
			Headers:       ndjsonHeaders(rec.Response.Headers),
			Body:          respBody,
			ContentLength: int64(len(respBody)),
		},
	}, nil
}

func ndjsonBody(body, encoding string) (string, error) {
	switch strings.ToLower(encoding) {
	case "":
		return body, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return "", fmt.Errorf("%w: invalid base64: %w", ErrInvalidBody, err)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("%w: unknown body_encoding %q", ErrInvalidField, encoding)
}

func ndjsonHeaders(m map[string]stringList) http.Header {
	h := make(http.Header, len(m))
	for k, vs := range m {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		h[ck] = append(h[ck], vs...)
	}
	return h
}

// EncodeNDJSON encodes an interaction as one NDJSON line (with the trailing
// newline) that ReadNDJSON reads back. Bodies that are not valid UTF-8 are
// written base64.
func EncodeNDJSON(it *cassette.Interaction) ([]byte, error) {
	if it == nil {
		return nil, errors.New("recorder: EncodeNDJSON: nil interaction")
	}
	var rec ndjsonRecord
	rec.Request.Method = it.Request.Method
	rec.Request.URL = it.Request.URL
	rec.Request.Headers = toStringLists(it.Request.Headers)
	rec.Request.Body, rec.Request.BodyEncoding = encodeBody(it.Request.Body)
	rec.Response.Code = it.Response.Code
	if it.Response.Status != "" {
		rec.Response.Status, _ = json.Marshal(it.Response.Status)
	}
	rec.Response.Headers = toStringLists(it.Response.Headers)
	rec.Response.Body, rec.Response.BodyEncoding = encodeBody(it.Response.Body)
	b, err := json.Marshal(&rec)
	if err != nil {
		return nil, fmt.Errorf("recorder: encode NDJSON interaction: %w", err)
	}
	return append(b, '\n'), nil
}

func encodeBody(b string) (string, string) {
	if utf8.ValidString(b) {
		return b, ""
	}
	return base64.StdEncoding.EncodeToString([]byte(b)), "base64"
}

func toStringLists(h http.Header) map[string]stringList {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]stringList, len(h))
	for k, vs := range h {
		out[k] = stringList(vs)
	}
	return out
}
