//go:build race

package diff

// raceDetector says the tests run with -race (ten times slower: the real
// spec pair is skipped).
const raceDetector = true
