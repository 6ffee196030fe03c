// Command bareserver is the baseline of `make load` (scripts/load.sh): a
// bare net/http server that answers every request with the same status,
// headers and body, read from files captured from mockd's answer. Running
// wrk against it and against mockd in alternating rounds gives the ratio
// mockd reaches of what the Go HTTP stack alone can do on this machine.
//
// Usage:
//
//	bareserver -body FILE [-headers FILE] [-status 200] [-addr 127.0.0.1:0]
//
// FILE of -headers holds "Name: value" lines (curl -D output is accepted:
// the status line, Date and Content-Length are skipped; Content-Length is
// set from the body). It prints "listening on http://HOST:PORT" and serves
// until SIGINT or SIGTERM.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bareserver:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("bareserver", flag.ContinueOnError)
	bodyFile := fs.String("body", "", "file with the response body (required)")
	headerFile := fs.String("headers", "", "file with response header lines (curl -D output is fine)")
	status := fs.Int("status", http.StatusOK, "response status")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bodyFile == "" {
		return errors.New("-body FILE is required")
	}
	if *status < 100 || *status > 599 {
		return fmt.Errorf("-status %d is not an HTTP status (100-599)", *status)
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return fmt.Errorf("read the body: %w", err)
	}
	header := http.Header{}
	if *headerFile != "" {
		if header, err = readHeaders(*headerFile); err != nil {
			return err
		}
	}
	header.Set("Content-Length", strconv.Itoa(len(body)))
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		for k, v := range header {
			h[k] = v
		}
		w.WriteHeader(*status)
		_, _ = w.Write(body)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// readHeaders reads "Name: value" lines, skipping a status line, blank
// lines, and the headers the server sets itself (Date, Content-Length).
func readHeaders(path string) (http.Header, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the headers: %w", err)
	}
	h := http.Header{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "HTTP/") {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("%s:%d: %q is not a \"Name: value\" header line", path, n, line)
		}
		switch http.CanonicalHeaderKey(strings.TrimSpace(name)) {
		case "Date", "Content-Length":
			continue
		}
		h.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	return h, sc.Err()
}
