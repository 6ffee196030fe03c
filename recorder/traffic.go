package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"

	"github.com/mockd/mockd/internal/content"
)

// Source says where an interaction was recorded.
type Source struct {
	File  string `json:"file"`            // traffic file
	Index int    `json:"index"`           // 0-based interaction index in the file
	Entry string `json:"entry,omitempty"` // "log.entries[3]" in a HAR file, "line 12" in NDJSON
}

// String formats the source as FILE#INDEX (ENTRY).
func (s Source) String() string {
	out := fmt.Sprintf("%s#%d", s.File, s.Index)
	if s.Entry != "" {
		out += " (" + s.Entry + ")"
	}
	return out
}

// Interaction is one recorded request and its response, with bodies decoded
// (Content-Encoding gzip and deflate undone).
type Interaction struct {
	Method         string
	URL            *url.URL
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	Source         Source
	// RequestBodyError and ResponseBodyError say why a body's
	// Content-Encoding could not be undone (unsupported coding, over the
	// per-body, ratio or run inflation limits, corrupt); the body is then the
	// recorded bytes. Nil when the body was decoded or not encoded.
	RequestBodyError  error
	ResponseBodyError error

	// Seq orders interactions in the traffic (files in the order given and
	// walked, then interactions in a file); reports keep the occurrences
	// with the lowest Seq. ReadTraffic sets it; 0 means arrival order.
	Seq int64
}

// TrafficKind is the format of a traffic file.
type TrafficKind int

// Traffic formats recognised by SniffTraffic.
const (
	TrafficUnknown  TrafficKind = iota
	TrafficCassette             // go-vcr cassette, format version 1 or 2 (YAML)
	TrafficHAR                  // HAR 1.2 (JSON)
	TrafficNDJSON               // one JSON interaction per line
)

// String names the kind.
func (k TrafficKind) String() string {
	switch k {
	case TrafficCassette:
		return "cassette"
	case TrafficHAR:
		return "HAR"
	case TrafficNDJSON:
		return "NDJSON"
	default:
	}
	return "unknown"
}

// TrafficError reports a traffic file that cannot be read or parsed.
type TrafficError struct {
	File string
	Err  error
}

// Error names the file and the reason (a reader's *LoadError
// names the file, the format and the place itself).
func (e *TrafficError) Error() string {
	if le := (*LoadError)(nil); errors.As(e.Err, &le) && le.File == e.File {
		return e.Err.Error()
	}
	return "traffic " + e.File + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *TrafficError) Unwrap() error { return e.Err }

// sniffBytes is how much of a file SniffTraffic looks at.
const sniffBytes = 8 << 10

var (
	cassetteKey     = regexp.MustCompile(`(?m)^interactions\s*:`)
	cassetteVersion = regexp.MustCompile(`(?m)^version\s*:\s*[12]\s*$`)
	cassetteRequest = regexp.MustCompile(`(?m)^\s*-?\s*request\s*:`)
)

// SniffTraffic tells the format of a traffic file from its first bytes
// (content first; the extension of name only breaks ties). A JSON object is
// a HAR file when it has a "log" key, a cassette written as JSON (which is
// valid YAML, so go-vcr reads it) when it has "interactions" or a "version"
// of 1 or 2, and an NDJSON line when it has "request", "response" or "id".
func SniffTraffic(head []byte, name string) TrafficKind {
	ext := strings.ToLower(filepath.Ext(name))
	t := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	t = bytes.TrimLeft(t, " \t\r\n")
	if len(t) == 0 {
		return TrafficUnknown
	}
	if t[0] == '{' {
		if kind := sniffJSONKeys(t); kind != TrafficUnknown {
			return kind
		}
		switch ext {
		case ".har":
			return TrafficHAR
		case ".ndjson", ".jsonl":
			return TrafficNDJSON
		}
		return TrafficUnknown
	}
	if cassetteKey.Match(t) {
		return TrafficCassette
	}
	if (ext == ".yaml" || ext == ".yml") && cassetteVersion.Match(t) && cassetteRequest.Match(t) {
		return TrafficCassette
	}
	return TrafficUnknown
}

// sniffJSONKeys reads the top-level keys of the JSON object t starts with
// (as far as t goes) and decides by the first telling one.
func sniffJSONKeys(t []byte) TrafficKind {
	dec := json.NewDecoder(bytes.NewReader(t))
	if _, err := dec.Token(); err != nil {
		return TrafficUnknown
	}
	for {
		key, err := dec.Token()
		if err != nil {
			return TrafficUnknown
		}
		switch key {
		case "log":
			return TrafficHAR
		case "interactions":
			return TrafficCassette
		case "request", "response", "id":
			return TrafficNDJSON
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return TrafficUnknown
		}
		if key == "version" {
			if n := strings.Trim(string(v), `"`); n == "1" || n == "2" {
				return TrafficCassette
			}
		}
	}
}

// topKeys lists the first top-level keys of the JSON object head starts
// with (at most 5), for telling the user what a file holds instead.
func topKeys(head []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for len(keys) < 5 {
		key, err := dec.Token()
		if err != nil {
			break
		}
		k, ok := key.(string)
		if !ok {
			break
		}
		keys = append(keys, strconv.Quote(k))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			break
		}
	}
	return keys
}

// notTraffic explains why a file named as traffic is none of the formats.
func notTraffic(head []byte) error {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	const formats = "not a go-vcr cassette, HAR 1.2 or NDJSON interactions file"
	const want = "a cassette has top-level 'version' and 'interactions', a HAR file 'log', an NDJSON line 'request' and 'response'; check the path"
	switch {
	case len(t) == 0:
		return fmt.Errorf("%s: the file is empty (%s)", formats, "nothing was recorded into it; record it again or check the path")
	case t[0] == '{':
		if keys := topKeys(t); len(keys) > 0 {
			return fmt.Errorf("%s: line 1: a JSON object with the keys %s (%s)", formats, strings.Join(keys, ", "), want)
		}
		return fmt.Errorf("%s: line 1: a JSON object without a telling key (%s)", formats, want)
	case t[0] == '[':
		return fmt.Errorf("%s: line 1: a JSON list (%s)", formats, want)
	}
	return fmt.Errorf("%s: no top-level 'interactions:' key (%s)", formats, want)
}

// ReadTraffic reads the traffic files and folders in paths (folders
// recursively, in lexical order; files whose content is not traffic are
// skipped inside folders but are an error when named directly) and calls fn
// for each interaction, in order. Only one file is held in memory at a time,
// and NDJSON and HAR files are streamed entry by entry. Bodies are decoded
// under one inflation budget for the whole call (internal/content). Errors are
// *TrafficError naming the file; an error from fn is returned as is.
func ReadTraffic(ctx context.Context, paths []string, fn func(*Interaction) error) error {
	return ReadTrafficConcurrent(ctx, paths, 1, fn)
}

// ReadTrafficConcurrent is ReadTraffic with up to readers files parsed at
// once (parsing YAML cassettes costs about as much as validating them).
// With readers > 1, fn is called from several goroutines and interactions
// of different files interleave; Interaction.Seq still gives the traffic
// order. At most readers files are held in memory.
func ReadTrafficConcurrent(ctx context.Context, paths []string, readers int, fn func(*Interaction) error) error {
	return ReadTrafficWith(ctx, paths, TrafficOptions{Readers: readers}, fn)
}

// TrafficOptions tunes ReadTrafficWith.
type TrafficOptions struct {
	// Readers is how many files are parsed at once (< 1: one); see
	// ReadTrafficConcurrent.
	Readers int
	// InflationBudget is how many bytes the compressed bodies of the whole
	// call may decode to together (<= 0: 256 MiB). A body that would pass
	// it is left encoded, with RequestBodyError or ResponseBodyError saying
	// so, like a body over the per-body or ratio limits (a decompression
	// bomb).
	InflationBudget int64
}

// ReadTrafficWith is ReadTrafficConcurrent with every option.
func ReadTrafficWith(ctx context.Context, paths []string, opts TrafficOptions, fn func(*Interaction) error) error {
	readers := opts.Readers
	if len(paths) == 0 {
		return errors.New("no traffic given: name cassette, HAR or NDJSON files or folders")
	}
	files, err := trafficFiles(paths)
	if err != nil {
		return err
	}
	// One inflation budget for the whole run (internal/content): a traffic
	// set full of decompression bombs cannot exhaust memory.
	budget := content.NewBudget(opts.InflationBudget)
	if readers < 1 {
		readers = 1
	}
	if readers > len(files) {
		readers = len(files)
	}
	if readers <= 1 {
		for i, f := range files {
			if err := readTrafficFile(ctx, f.path, f.named, int64(i), budget, fn); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errc := make(chan error, readers)
	for range readers {
		go func() {
			var first error
			for i := range next {
				if first != nil {
					continue
				}
				if err := readTrafficFile(ctx, files[i].path, files[i].named, int64(i), budget, fn); err != nil {
					first = err
					cancel()
				}
			}
			errc <- first
		}()
	}
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	var first error
	for range readers {
		if err := <-errc; err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	if first == nil {
		first = ctx.Err()
		if errors.Is(first, context.Canceled) {
			first = nil
		}
	}
	return first
}

// trafficFile is one file to read: named on the command line, or found in
// a named folder.
type trafficFile struct {
	path  string
	named bool
}

// trafficFiles lists the files to read: each named file, and the regular
// files under each named folder (hidden folders skipped).
func trafficFiles(paths []string) ([]trafficFile, error) {
	var files []trafficFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &TrafficError{File: p, Err: err}
		}
		if !st.IsDir() {
			files = append(files, trafficFile{p, true})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return &TrafficError{File: path, Err: err}
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, trafficFile{path, false})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// fileSeqShift places a file's index above its interactions' in Seq.
const fileSeqShift = 32

func readTrafficFile(ctx context.Context, path string, named bool, fileIndex int64, budget *content.Budget, fn func(*Interaction) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return &TrafficError{File: path, Err: err}
	}
	defer f.Close()
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return &TrafficError{File: path, Err: err}
	}
	head = head[:n]
	err = nil
	kind := SniffTraffic(head, path)
	if kind == TrafficUnknown {
		if named {
			return &TrafficError{File: path, Err: notTraffic(head)}
		}
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return &TrafficError{File: path, Err: err}
	}
	emit := func(it *cassette.Interaction, src Source) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ix, err := fromCassette(it, src, budget)
		if err != nil {
			return &TrafficError{File: path, Err: err}
		}
		ix.Seq = fileIndex<<fileSeqShift | int64(src.Index) + 1
		return fn(ix)
	}
	switch kind {
	case TrafficHAR:
		err = ReadHAR(f, path, func(i int, it *cassette.Interaction) error {
			return emit(it, Source{File: path, Index: i, Entry: fmt.Sprintf("log.entries[%d]", i)})
		})
	case TrafficNDJSON:
		i := 0
		err = ReadNDJSON(f, path, func(line int, it *cassette.Interaction) error {
			src := Source{File: path, Index: i, Entry: fmt.Sprintf("line %d", line)}
			i++
			return emit(it, src)
		})
	default:
		data, rerr := io.ReadAll(f)
		if rerr != nil {
			return &TrafficError{File: path, Err: rerr}
		}
		c, perr := Parse(data, path)
		if perr != nil {
			return &TrafficError{File: path, Err: perr}
		}
		data = nil
		for i, it := range c.Interactions {
			if err := emit(it, Source{File: path, Index: i}); err != nil {
				return err
			}
		}
	}
	var le *LoadError
	if errors.As(err, &le) {
		return &TrafficError{File: path, Err: err}
	}
	return err
}

// FromCassette converts a recorded interaction, decoding its bodies' content
// codings (gzip, deflate, br, zstd, stacked) under the default per-body
// limits. A body that does not decode is kept as recorded, with its
// Content-Encoding, and RequestBodyError/ResponseBodyError say why (the
// checker reports it and skips the body's schema).
func FromCassette(it *cassette.Interaction, src Source) (*Interaction, error) {
	return fromCassette(it, src, nil)
}

// fromCassette is FromCassette charging decoded bytes to the run budget b.
func fromCassette(it *cassette.Interaction, src Source, b *content.Budget) (*Interaction, error) {
	if it == nil {
		return nil, errors.New("nil interaction")
	}
	u, err := url.Parse(it.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("interaction %d: request.url %q: %w (record an absolute URL)", src.Index, it.Request.URL, err)
	}
	if u.Host == "" && it.Request.Host != "" {
		u.Host = it.Request.Host
	}
	reqH := headerCopy(it.Request.Headers)
	respH := headerCopy(it.Response.Headers)
	reqBody := []byte(it.Request.Body)
	if len(reqBody) == 0 && len(it.Request.Form) > 0 && it.Request.Method != http.MethodGet {
		reqBody = []byte(it.Request.Form.Encode())
		if reqH.Get("Content-Type") == "" {
			reqH.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	reqBody, reqErr := decodeContent(reqH, reqBody, b)
	respBody := []byte(it.Response.Body)
	var respErr error
	if !it.Response.Uncompressed {
		respBody, respErr = decodeContent(respH, respBody, b)
	} else {
		respH.Del("Content-Encoding")
	}
	return &Interaction{
		RequestBodyError:  reqErr,
		ResponseBodyError: respErr,
		Method:            strings.ToUpper(it.Request.Method),
		URL:               u,
		RequestHeader:     reqH,
		RequestBody:       reqBody,
		Status:            it.Response.Code,
		ResponseHeader:    respH,
		ResponseBody:      respBody,
		Source:            src,
	}, nil
}

func headerCopy(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h.Clone()
}

// DecodeBodies undoes the Content-Encoding of both bodies of ix in place
// (as FromCassette does), for interactions built from live traffic; a body
// that cannot be decoded keeps its bytes and its error is set.
func (ix *Interaction) DecodeBodies() {
	if ix.RequestHeader != nil {
		ix.RequestBody, ix.RequestBodyError = decodeContent(ix.RequestHeader, ix.RequestBody, nil)
	}
	if ix.ResponseHeader != nil {
		ix.ResponseBody, ix.ResponseBodyError = decodeContent(ix.ResponseHeader, ix.ResponseBody, nil)
	}
}

// decodeContent undoes the Content-Encoding of a body with the one decoder
// (internal/content: per-body and ratio limits, and the run's budget b) and
// removes Content-Encoding and Content-Length when it succeeds. When it
// cannot, the body is returned as recorded with its headers, and the error
// says why (the checker reports it as a finding).
func decodeContent(h http.Header, body []byte, b *content.Budget) ([]byte, error) {
	codings := content.Codings(h)
	if len(codings) == 0 {
		h.Del("Content-Encoding")
		return body, nil
	}
	if len(body) == 0 || h.Get(TruncatedHeader) != "" {
		return body, nil
	}
	data, err := content.Decode(codings, body, content.Limits{}, b)
	if err != nil {
		return body, err
	}
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	return data, nil
}
