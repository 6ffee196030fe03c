package diff

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func read(t *testing.T, name string) Source {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return Source{Name: name, Data: data}
}

func TestIdenticalSpecsHaveNoFindings(t *testing.T) {
	for _, name := range []string{"testdata/pets.yaml", "testdata/pets-v2.yaml"} {
		src := read(t, name)
		r, err := Compare(context.Background(), src, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Findings) != 0 {
			t.Errorf("%s against itself: %d findings: %+v", name, len(r.Findings), r.Findings)
		}
	}
}

func TestSwagger2Pair(t *testing.T) {
	old := read(t, "testdata/pets-v2.yaml")
	next := strings.Replace(string(old.Data), "      name:\n        type: string\n", "", 1)
	next = strings.Replace(next, "          maximum: 100", "          maximum: 10", 1)
	r, err := Compare(context.Background(), old, Source{Name: "new.yaml", Data: []byte(next)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Class{"response-property-removed": BreakingForClients, "request-bounds-narrowed": BreakingForCallers}
	for _, f := range r.Findings {
		if class, ok := want[f.ID]; ok && class == f.Class {
			delete(want, f.ID)
			if f.ID == "response-property-removed" && (f.Component != "#/definitions/Pet" || len(f.UsedBy) != 1 || f.Old == nil || f.Old.Line == 0) {
				t.Errorf("finding not placed: %+v", f)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("missing %v in %+v", want, r.Findings)
	}
}

func TestBadInputNamesTheFile(t *testing.T) {
	good := read(t, "testdata/pets.yaml")
	cases := map[string]struct {
		src  Source
		want string
	}{
		"not yaml":           {Source{Name: "broken.yaml", Data: []byte("openapi: 3.0.0\npaths: [\n")}, "broken.yaml"},
		"empty":              {Source{Name: "empty.yaml", Data: nil}, "empty.yaml: the spec is empty"},
		"not openapi":        {Source{Name: "other.yaml", Data: []byte("name: x\n")}, "other.yaml"},
		"swagger vs openapi": {read(t, "testdata/pets-v2.yaml"), "convert one"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Compare(context.Background(), good, tc.src)
			var se *SpecError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v: want a *SpecError containing %q", err, tc.want)
			}
		})
	}
}

func TestCompareHonoursACancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := read(t, "testdata/pets.yaml")
	if _, err := Compare(ctx, src, src); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
