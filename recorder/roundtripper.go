package recorder

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v3/cassette"
	vcr "gopkg.in/dnaeon/go-vcr.v3/recorder"

	"github.com/mockd/mockd/internal/forward"
)

// NewRoundTripper wraps real for tests. When the cassette file at path is
// missing it records: requests go to real through go-vcr v3's recorder, and
// stop() redacts every interaction as a whole (BeforeSaveHook, package
// redact, so a secret of the request is scrubbed from the response too) and
// saves the cassette crash-safely at path. Responses
// are redacted only when saved, so the code under test sees the real
// answers while recording. When the file exists it replays: a Player (same
// matching rules and Options as elsewhere, format 1 or 2) answers and real
// is never called; stop() is then a no-op. A request with no recorded match
// fails with a *MissError.
func NewRoundTripper(path string, real http.RoundTripper, opts ...Option) (http.RoundTripper, func() error, error) {
	o := buildOptions(opts)
	if _, err := os.Stat(path); err == nil {
		player, err := LoadPlayer([]string{path}, opts...)
		if err != nil {
			return nil, nil, err
		}
		return &replayTransport{player: player}, func() error { return nil }, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("recorder: stat cassette %s: %w", path, err)
	}
	if real == nil {
		real = http.DefaultTransport
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("recorder: create cassette directory %s: %w", dir, err)
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	// go-vcr appends ".yaml" to the name it is given.
	tmpName := filepath.Join(dir, "."+filepath.Base(path)+".recording-"+hex.EncodeToString(rnd[:]))
	rec, err := vcr.NewWithOptions(&vcr.Options{
		CassetteName:       tmpName,
		Mode:               vcr.ModeRecordOnly,
		RealTransport:      real,
		SkipRequestLatency: true,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("recorder: start go-vcr recorder for %s: %w", path, err)
	}
	red := o.redactor
	rec.AddHook(func(i *cassette.Interaction) error {
		red.Interaction(i)
		return nil
	}, vcr.BeforeSaveHook)
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() { stopErr = finishRecording(rec, tmpName, path) })
		return stopErr
	}
	return &recordTransport{rec: rec}, stop, nil
}

// finishRecording stops go-vcr (running the redaction hooks and saving to
// tmpName.yaml), checks the result loads, and moves it to path atomically.
func finishRecording(rec *vcr.Recorder, tmpName, path string) error {
	if err := rec.Stop(); err != nil {
		_ = os.Remove(tmpName + ".yaml")
		return fmt.Errorf("recorder: save recording for %s: %w", path, err)
	}
	data, err := os.ReadFile(tmpName + ".yaml")
	_ = os.Remove(tmpName + ".yaml")
	if err != nil {
		return fmt.Errorf("recorder: read back recording for %s: %w", path, err)
	}
	if _, err := Parse(data, path); err != nil {
		return fmt.Errorf("recorder: recording for %s does not load back: %w", path, err)
	}
	return writeFileAtomic(path, data)
}

// recordTransport hides the go-vcr recorder's extra methods.
type recordTransport struct{ rec *vcr.Recorder }

// RoundTrip records through go-vcr.
func (t *recordTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.rec.RoundTrip(r)
}

type replayTransport struct{ player *Player }

// RoundTrip answers from the Player; the network is never used.
func (t *replayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	it, err := t.player.Match(r)
	if r.Body != nil {
		_ = r.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for k, vs := range it.Response.Headers {
		if !forward.IsHopByHop(k) {
			h[k] = append([]string(nil), vs...)
		}
	}
	body := it.Response.Body
	if cl := h.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
		h.Del("Content-Length")
	}
	status := it.Response.Status
	if status == "" {
		status = strconv.Itoa(it.Response.Code) + " " + http.StatusText(it.Response.Code)
	}
	return &http.Response{
		Status:        status,
		StatusCode:    it.Response.Code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Trailer:       http.Header(it.Response.Trailer).Clone(),
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
		Uncompressed:  it.Response.Uncompressed,
		Request:       r,
	}, nil
}
