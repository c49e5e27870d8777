package scan

import (
	"reflect"
	"testing"
)

// TestExtractIDsDeterministic: members are walked in sorted order, so the
// capped id list (and the BOLA probes built from it) is the same every run.
func TestExtractIDsDeterministic(t *testing.T) {
	t.Parallel()
	body := []byte(`{"g":{"id":7},"f":{"id":6},"e":{"id":5},"d":{"id":4},"c":{"id":3},"b":{"id":2},"a":{"id":1},"owner_id":99}`)
	want := []string{"1", "2", "3", "4", "5"}
	for i := 0; i < 20; i++ {
		if got := extractIDs(body); !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: extractIDs = %q, want %q", i, got, want)
		}
	}
}
