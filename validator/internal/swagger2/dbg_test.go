package swagger2

import (
	"os"
	"testing"
)

func TestDbgHang(t *testing.T) {
	data, _ := os.ReadFile("/tmp/fuzzcur.bin")
	out, w, err := Convert(data, "x")
	t.Log(len(out), len(w), err)
}
