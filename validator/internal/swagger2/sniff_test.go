package swagger2

import "testing"

func TestIsSwagger2(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"yaml double quoted", "swagger: \"2.0\"\npaths: {}\n", true},
		{"yaml single quoted", "swagger: '2.0'\n", true},
		{"yaml float", "swagger: 2.0\n", true},
		{"yaml after other keys and comments", "# spec\ninfo:\n  swagger: '3'\nswagger: '2.0' # version\n", true},
		{"yaml with BOM and document marker", "\xef\xbb\xbf---\nswagger: \"2.0\"\n", true},
		{"yaml openapi 3", "openapi: 3.0.3\n", false},
		{"yaml nested swagger only", "info:\n  swagger: '2.0'\n", false},
		{"yaml swagger 1.2", "swagger: '1.2'\n", false},
		{"json", `{"swagger":"2.0","paths":{}}`, true},
		{"json swagger not first", `{"info":{"swagger":"1"},"swagger":"2.0"}`, true},
		{"json nested only", `{"info":{"swagger":"2.0"}}`, false},
		{"json number", `{"swagger": 2.0}`, true},
		{"json openapi", `{"openapi":"3.1.0"}`, false},
		{"flow yaml", `{swagger: '2.0', paths: {}}`, true},
		{"garbage", "\x00\x01{{", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsSwagger2([]byte(c.in)); got != c.want {
				t.Fatalf("IsSwagger2(%q) = %v, want %v", c.in, got, c.want)
			}
		})
	}
}

func TestIsJSONNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-1": true, "1.5": true, "1e3": true, "1E-3": true, "0.10": true,
		"01": false, "+1": false, ".5": false, "1.": false, "1e": false, "0x1F": false, "": false, "-": false, "1_000": false,
	} {
		if got := isJSONNumber(s); got != want {
			t.Errorf("isJSONNumber(%q) = %v, want %v", s, got, want)
		}
	}
}
