// Package bombtest builds decompression bombs and cassettes full of them,
// and measures a function's heap use, for the end-to-end tests that prove
// the inflation budgets of internal/content hold on every path (contract
// check, cassette playback, recording proxy). Tests only.
package bombtest
