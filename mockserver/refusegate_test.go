package mockserver_test

import (
	"strings"
	"testing"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/mockserver"
)

// The refuse gate serves a connection during a window when its first request
// line targets the admin API, decided on the path as routing sees it.
func TestRefuseGateAdmitsAdminRequestLines(t *testing.T) {
	long := strings.Repeat("x", fault.MaxGatePeek)
	for line, admit := range map[string]bool{
		"GET /__mockd/health HTTP/1.1":                      true,
		"POST /__mockd/faults?replace=true HTTP/1.1":        true,
		"GET http://127.0.0.1:4010/__mockd/health HTTP/1.1": true, // absolute form
		"GET /%5F_mockd/health HTTP/1.1":                    true, // decoded, as routing does
		"GET /__mockd/requests?path=/" + long:               true, // cut at the peek bound
		"GET /books HTTP/1.1":                               false,
		"GET /__mockd HTTP/1.1":                             false, // not under the prefix
		"GET /books/__mockd/health HTTP/1.1":                false,
		"GET /x?/__mockd/ HTTP/1.1":                         false,
		"GET /__mockd/%zz HTTP/1.1":                         false, // does not parse
		"/__mockd/health":                                   false, // no method
		"":                                                  false,
		"GET /books?q=" + long:                              false,
	} {
		if got := mockserver.IsAdminRequestLineForTest([]byte(line)); got != admit {
			t.Errorf("%.60q: admitted %v, want %v", line, got, admit)
		}
	}
}
