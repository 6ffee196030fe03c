package mockserver

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/mockd/mockd/fault"
	"github.com/mockd/mockd/internal/httpserver"
)

// refuseGate keeps the admin API reachable during `refuse` windows when it
// shares the mock's port: the socket stays bound, connections whose first
// request is an admin one are served (through the usual admin checks), all
// others are reset. readHeader is the server's read-header timeout (<= 0:
// off, then the default bounds the gate's read anyway).
func refuseGate(readHeader time.Duration) fault.RefuseGate {
	if readHeader <= 0 {
		readHeader = httpserver.DefaultReadHeaderTimeout
	}
	return fault.RefuseGate{
		Admit:   isAdminRequestLine,
		Timeout: readHeader,
		Hint:    "pass --admin-addr (Go: mockserver.AdminAddr) for true connection-refused windows",
	}
}

// isAdminRequestLine reports whether an HTTP request line ("GET
// /__mockd/health HTTP/1.1", possibly cut at fault.MaxGatePeek bytes)
// targets the admin API, deciding on the decoded path as routing does.
func isAdminRequestLine(line []byte) bool {
	_, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return false
	}
	target, _, complete := bytes.Cut(rest, []byte{' '})
	if !complete { // a line cut at the peek bound: only a plain path can tell
		return bytes.HasPrefix(target, []byte(AdminPrefix))
	}
	u, err := url.ParseRequestURI(string(target))
	return err == nil && strings.HasPrefix(u.Path, AdminPrefix)
}

// gatedConnKey marks, in a request's context, a connection the refuse gate
// let through: its admin answer closes it, so it cannot be reused for a
// request the gate would have reset.
type gatedConnKey struct{}

// connContext tags connections for faults and the journal, and marks those
// accepted through the refuse gate.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	ctx = s.ConnContext(ctx, c)
	if fault.AcceptedDuringRefuse(c) {
		ctx = context.WithValue(ctx, gatedConnKey{}, true)
	}
	return ctx
}

// acceptedDuringRefuse reports whether ctx's connection came through the
// refuse gate.
func acceptedDuringRefuse(ctx context.Context) bool {
	gated, _ := ctx.Value(gatedConnKey{}).(bool)
	return gated
}
