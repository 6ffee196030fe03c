//go:build !race

package diff

// raceDetector says the tests run with -race.
const raceDetector = false
