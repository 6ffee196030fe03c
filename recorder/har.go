package recorder

import (
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
// naming the entry.
func ReadHAR(r io.Reader, name string, fn func(index int, it *cassette.Interaction) error) error {
	dec := json.NewDecoder(r)
	fail := func(index int, field string, err error, hint string) error {
		return &LoadError{File: name, Index: index, Field: field, Err: err, Hint: hint}
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(-1, "", fmt.Errorf("%w: %w", ErrNotHAR, err), "a HAR file is a JSON object with a 'log' key")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fail(-1, "", ErrNotHAR, "a HAR file is a JSON object with a 'log' key")
	}
	sawLog := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fail(-1, "", fmt.Errorf("%w: %w", ErrSyntax, err), "the JSON is cut or malformed")
		}
		if key != "log" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(-1, fmt.Sprint(key), fmt.Errorf("%w: %w", ErrSyntax, err), "the JSON is cut or malformed")
			}
			continue
		}
		sawLog = true
		if err := readHARLog(dec, name, fn); err != nil {
			return err
		}
	}
	if !sawLog {
		return fail(-1, "log", ErrNotHAR, "a HAR file is a JSON object with a 'log' key")
	}
	return nil
}

func readHARLog(dec *json.Decoder, name string, fn func(int, *cassette.Interaction) error) error {
	fail := func(index int, field string, err error, hint string) error {
		return &LoadError{File: name, Index: index, Field: field, Err: err, Hint: hint}
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(-1, "log", fmt.Errorf("%w: %w", ErrSyntax, err), "the JSON is cut or malformed")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fail(-1, "log", ErrNotHAR, "'log' must be an object with 'entries'")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fail(-1, "log", fmt.Errorf("%w: %w", ErrSyntax, err), "the JSON is cut or malformed")
		}
		if key != "entries" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fail(-1, fmt.Sprintf("log.%v", key), fmt.Errorf("%w: %w", ErrSyntax, err), "the JSON is cut or malformed")
			}
			continue
		}
		tok, err := dec.Token()
		if err != nil {
			return fail(-1, "log.entries", fmt.Errorf("%w: %w", ErrSyntax, err), "the JSON is cut or malformed")
		}
		if tok == nil {
			continue
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return fail(-1, "log.entries", ErrNotHAR, "'log.entries' must be a list")
		}
		for i := 0; dec.More(); i++ {
			var e harEntry
			if err := dec.Decode(&e); err != nil {
				if fe := jsonTypeError(err); fe != nil {
					return fail(i, fe.field, fe.err, fe.hint)
				}
				return fail(i, "", fmt.Errorf("%w: %w", ErrInvalidField, err), "each entry needs request and response objects as HAR 1.2 defines them")
			}
			it, err := harInteraction(&e, i)
			if err != nil {
				return &LoadError{File: name, Index: i, Field: fieldOf(err), Err: err, Hint: hintOf(err)}
			}
			if err := fn(i, it); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return fail(-1, "log.entries", fmt.Errorf("%w: %w", ErrTruncated, err), "the entries list is not closed; the file was probably cut")
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail(-1, "log", fmt.Errorf("%w: %w", ErrTruncated, err), "the log object is not closed; the file was probably cut")
	}
	return nil
}

// fieldError carries the field and hint of an entry problem.
type fieldError struct {
	field, hint string
	err         error
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
		return nil, &fieldError{"request.method", "record the HTTP method", ErrMissingField}
	}
	if !validMethod(method) {
		return nil, &fieldError{"request.method", fmt.Sprintf("%q is not an HTTP method token", method), ErrInvalidField}
	}
	if strings.TrimSpace(e.Request.URL) == "" {
		return nil, &fieldError{"request.url", "record the absolute request URL", ErrMissingField}
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		return nil, &fieldError{"request.url", "the URL must parse with net/url", fmt.Errorf("%w: %w", ErrInvalidField, err)}
	}
	if e.Response.Status < 100 || e.Response.Status > 999 {
		return nil, &fieldError{"response.status", "HAR entries of aborted requests (status 0) cannot be checked; remove them",
			fmt.Errorf("%w: %d is not an HTTP status code", ErrInvalidField, e.Response.Status)}
	}
	reqHeaders := harHeaders(e.Request.Headers)
	var reqBody string
	form := url.Values{}
	if pd := e.Request.PostData; pd != nil {
		reqBody = pd.Text
		if pd.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(pd.Text)
			if err != nil {
				return nil, &fieldError{"request.postData.text", "base64 text must be standard base64", fmt.Errorf("%w: %w", ErrInvalidBody, err)}
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
			return nil, &fieldError{"response.content.text", "base64 text must be standard base64", fmt.Errorf("%w: %w", ErrInvalidBody, err)}
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
