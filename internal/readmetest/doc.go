// Package readmetest holds no product code: its test runs every shell block of
// the project's README.md (built mockd and contract binaries on PATH, servers
// on free loopback ports) and checks the output the README shows, and it
// validates the CI examples under examples/ci. It lives under internal/
// because it tests the documentation, not one package; the marker convention
// is described at the top of readme_test.go.
package readmetest
