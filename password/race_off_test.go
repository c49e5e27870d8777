//go:build !race

package password

// raceEnabled is true when the race detector is on; it slows key
// derivation tenfold, so the slowest vectors are checked with fewer probes.
const raceEnabled = false
