//go:build !race

package mockserver_test

// raceDetector says the tests run with -race, whose sync.Pool drops
// pooled items at random (allocation counts wobble by one).
const raceDetector = false
