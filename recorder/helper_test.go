package recorder_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/mockd/mockd/recorder"
)

const (
	helperEnv         = "MOCKD_RECORDER_TEST_HELPER"
	helperUpstreamEnv = "MOCKD_RECORDER_TEST_UPSTREAM"
	helperCassetteEnv = "MOCKD_RECORDER_TEST_CASSETTE"
)

// runHelperProxy runs a recording proxy in this (child) process until it is
// killed, or exits by itself after 30 s so it can never outlive a test run.
func runHelperProxy() int {
	up, err := url.Parse(os.Getenv(helperUpstreamEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: bad upstream:", err)
		return 2
	}
	sink, err := recorder.NewSink(os.Getenv(helperCassetteEnv), recorder.SinkConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	proxy, err := recorder.NewProxy(recorder.ProxyConfig{Upstream: up, Sink: sink})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	_ = srv.Serve(ln)
	_ = sink.Close()
	return 0
}
