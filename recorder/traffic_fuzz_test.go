package recorder_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockd/mockd/recorder"
)

// FuzzReadTrafficFile feeds arbitrary file contents through sniffing and
// the cassette, HAR and NDJSON parsers: ReadTraffic must return
// interactions or a *TrafficError naming the file, never panic. Seeds are
// in testdata/fuzz/FuzzReadTrafficFile.
func FuzzReadTrafficFile(f *testing.F) {
	// Small seeds: the engine minimises every new input, which is slow for
	// multi-KB files.
	for _, name := range []string{"clean/legacy-v1.yaml", "clean/ops-traffic.log", "violations/response-status.yaml"} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, filepath.Ext(name))
	}
	f.Add([]byte(jsonCassette), ".json")
	f.Add([]byte("version: 2\ninteractions:\n\t- request: {method: GET, url: /}\n"), ".yaml")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, ext string) {
		if len(ext) > 8 || strings.Trim(ext, ".abcdefghijklmnopqrstuvwxyz") != "" {
			ext = ".bin" // a file name extension, not a path
		}
		path := filepath.Join(dir, "traffic"+ext)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err := recorder.ReadTraffic(context.Background(), []string{path}, func(ix *recorder.Interaction) error {
			if ix.URL == nil || ix.Method == "" || ix.Status < 100 || ix.Source.File != path {
				t.Fatalf("incomplete interaction: %+v", ix)
			}
			return nil
		})
		if err != nil {
			var te *recorder.TrafficError
			if !asTrafficError(err, &te) || te.File != path || !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
		}
	})
}
