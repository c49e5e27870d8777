package scan

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestCanaryWaitsForEveryToken: a second SSRF hit arriving after the first
// is not lost.
func TestCanaryWaitsForEveryToken(t *testing.T) {
	t.Parallel()
	can, err := newCanary()
	if err != nil {
		t.Fatal(err)
	}
	defer can.close()
	fetch := func(tok string) {
		resp, err := http.Get(can.url(tok))
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	fetch("1")
	go func() {
		time.Sleep(200 * time.Millisecond)
		fetch("2")
	}()
	start := time.Now()
	got := can.wait(context.Background(), []string{"1", "2"}, 5*time.Second)
	if len(got) != 2 || got["1"] == "" || got["2"] == "" {
		t.Errorf("wait returned %v, want both tokens", got)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("wait took %v after every token had arrived", d)
	}
}
