package httpserver

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientWait bounds every client read in these tests: reaching it means the
// server did NOT enforce the limit under test.
const clientWait = 5 * time.Second

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start serves h with l on 127.0.0.1 and returns the address.
func start(t *testing.T, h http.Handler, l Limits) string {
	t.Helper()
	return startLogged(t, h, l, quiet())
}

func startLogged(t *testing.T, h http.Handler, l Limits, logger *slog.Logger) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", l, logger)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(h, l, quiet())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })

// roundTrip sends a GET on c and reads its response.
func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader) (*http.Response, error) {
	t.Helper()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(clientWait))
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestIdleConnectionIsClosed(t *testing.T) {
	addr := start(t, ok, Limits{IdleTimeout: 50 * time.Millisecond})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	if _, err := roundTrip(t, c, br); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(clientWait))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle keep-alive connection: got %v, want the server to close it (EOF)", err)
	}
}

func TestConnectionCapHoldsTheNextConnection(t *testing.T) {
	const max = 2
	logs := &logBuffer{}
	addr := startLogged(t, ok, Limits{MaxConns: max}, slog.New(slog.NewTextHandler(logs, nil)))
	held := make([]net.Conn, max)
	for i := range held {
		held[i] = dial(t, addr)
		if _, err := roundTrip(t, held[i], bufio.NewReader(held[i])); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	extra := dial(t, addr) // the kernel completes the handshake; mockd does not accept it
	if _, err := io.WriteString(extra, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(extra)
	_ = extra.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := br.ReadByte(); !isTimeout(err) {
		t.Fatalf("connection %d of a cap of %d was served (read: %v)", max+1, max, err)
	}
	_ = held[0].Close()
	_ = extra.SetReadDeadline(time.Now().Add(clientWait))
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after a slot freed, the waiting connection got %v, %v", resp, err)
	}
	if !strings.Contains(logs.String(), "connection cap reached") {
		t.Fatalf("no warning logged at the cap: %q", logs.String())
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestStalledBodyReadEndsWithAnError(t *testing.T) {
	got := make(chan error, 1)
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		got <- err
	}), Limits{BodyReadTimeout: 100 * time.Millisecond})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nonly-this")
	select {
	case err := <-got:
		if !isTimeout(err) {
			t.Fatalf("stalled body: handler read ended with %v, want a timeout", err)
		}
	case <-time.After(clientWait):
		t.Fatal("a body declared as 1 GB and never sent kept the handler reading")
	}
}

// A mock answers slowly on purpose (hang, latency): once the body is read,
// the body deadline must neither cut the response nor cancel the request.
func TestBodyDeadlineSparesSlowResponses(t *testing.T) {
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-time.After(300 * time.Millisecond): // longer than the body deadline
		case <-r.Context().Done():
			http.Error(w, "context cancelled", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "slow")
	}), Limits{BodyReadTimeout: 50 * time.Millisecond})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
	_ = c.SetReadDeadline(time.Now().Add(clientWait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(b) != "slow" {
		t.Fatalf("slow response after the body: %d %q", resp.StatusCode, b)
	}
}

func TestHeaderLimits(t *testing.T) {
	addr := start(t, ok, Limits{MaxHeaderBytes: 4 << 10, ReadHeaderTimeout: 50 * time.Millisecond})
	c := dial(t, addr)
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(clientWait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("16 KiB header over a 4 KiB limit: %v, %v", resp, err)
	}
	slow := dial(t, addr)
	_, _ = io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\n") // headers never end
	_ = slow.SetReadDeadline(time.Now().Add(clientWait))
	if _, err := io.ReadAll(slow); err != nil {
		t.Fatalf("unfinished headers: got %v, want the server to close the connection", err)
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    Limits
		wantErr string
	}{
		{nil, Limits{ReadHeaderTimeout: DefaultReadHeaderTimeout, BodyReadTimeout: DefaultBodyReadTimeout,
			IdleTimeout: DefaultIdleTimeout, WriteTimeout: -1, MaxHeaderBytes: DefaultMaxHeaderBytes, MaxConns: DefaultMaxConns}, ""},
		{[]string{"--idle-timeout=0", "--max-conns=0", "--write-timeout=90s"}, Limits{ReadHeaderTimeout: DefaultReadHeaderTimeout,
			BodyReadTimeout: DefaultBodyReadTimeout, IdleTimeout: -1, WriteTimeout: 90 * time.Second,
			MaxHeaderBytes: DefaultMaxHeaderBytes, MaxConns: -1}, ""},
		{[]string{"--max-conns=-3"}, Limits{}, "--max-conns -3 is negative"},
		{[]string{"--body-read-timeout=-1s"}, Limits{}, "--body-read-timeout -1s is negative"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f := RegisterFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		got, err := f.Limits()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: got %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}
