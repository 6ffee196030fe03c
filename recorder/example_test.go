package recorder_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/mockd/mockd/recorder"
)

// A Go test records real traffic once into a cassette, secrets redacted
// before the file is written, and replays it on every later run without the
// network.
func ExampleNewRoundTripper() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 7, "title": "Dune"}`)
	}))
	defer api.Close()
	dir, _ := os.MkdirTemp("", "cassettes")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "books.yaml")

	get := func(rt http.RoundTripper) string {
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/books/7", nil)
		req.Header.Set("Authorization", "Bearer s3cr3t-token")
		resp, err := (&http.Client{Transport: rt}).Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}

	// First run: no cassette yet, so the request goes to the API and is recorded.
	rt, stop, err := recorder.NewRoundTripper(path, http.DefaultTransport)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("recorded:", get(rt))
	if err := stop(); err != nil {
		fmt.Println(err)
		return
	}
	saved, _ := os.ReadFile(path)
	fmt.Println("token on disk:", strings.Contains(string(saved), "s3cr3t-token"))

	// Later runs: the cassette answers; the API is not called.
	api.Close()
	rt, _, err = recorder.NewRoundTripper(path, http.DefaultTransport)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("replayed:", get(rt))
	// Output:
	// recorded: {"id": 7, "title": "Dune"}
	// token on disk: false
	// replayed: {"id": 7, "title": "Dune"}
}

// LoadFile reads a cassette (go-vcr format 1 or 2); a malformed one fails with
// a *LoadError that names the file, the line, the field and the fix.
func ExampleLoadFile() {
	dir, _ := os.MkdirTemp("", "cassettes")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(path, []byte("version: 2\ninteractions: {}\n"), 0o600)
	_, err := recorder.LoadFile(path)
	fmt.Println(strings.Replace(err.Error(), path, "bad.yaml", 1))
	// Output:
	// cassette bad.yaml:2: interactions: not a go-vcr cassette ('interactions' must be a list, found a mapping)
}
