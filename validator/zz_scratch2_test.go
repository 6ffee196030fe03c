package validator

import (
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

func TestScratchYAML(t *testing.T) {
	path := os.Getenv("SCRATCH_SPEC")
	if path == "" {
		t.Skip()
	}
	data, _ := os.ReadFile(path)
	var ms runtime.MemStats
	mark := time.Now()
	lap := func(name string) {
		runtime.ReadMemStats(&ms)
		t.Logf("%-20s %8.3fs totalalloc=%dMB sys=%dMB", name, time.Since(mark).Seconds(), ms.TotalAlloc>>20, ms.Sys>>20)
		runtime.GC()
		mark = time.Now()
	}
	switch os.Getenv("MODE") {
	case "plain":
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			t.Fatal(err)
		}
		lap("yaml plain")
	case "prefix":
		var n yaml.Node
		if err := yaml.Unmarshal(append([]byte("--- "), data...), &n); err != nil {
			t.Fatal(err)
		}
		lap("yaml prefix")
	case "json":
		var v any
		json.Unmarshal(data, &v)
		lap("json")
	}
}
