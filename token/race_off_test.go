//go:build !race

package token

// raceEnabled is true when the race detector is on; allocation counts are
// not meaningful then.
const raceEnabled = false
