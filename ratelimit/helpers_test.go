package ratelimit

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Memory.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustLimit(t testing.TB, s string) Limit {
	t.Helper()
	l, err := ParseLimit(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// allow decides one event for key and fails t on error.
func allow(t testing.TB, b Backend, key string, l Limit) Result {
	t.Helper()
	r, err := AllowKey(context.Background(), b, key, l)
	if err != nil {
		t.Fatalf("AllowKey(%q): %v", key, err)
	}
	return r
}

// allowAll decides reqs together and fails t on error.
func allowAll(t testing.TB, b Backend, reqs ...Request) (bool, []Result) {
	t.Helper()
	out := make([]Result, len(reqs))
	ok, err := b.Allow(context.Background(), reqs, out)
	if err != nil {
		t.Fatalf("Allow: %v", err)
	}
	return ok, out
}

// countAllowed sends n events for key from as many goroutines at once and
// returns how many were admitted.
func countAllowed(t *testing.T, b Backend, key string, l Limit, n int) int {
	t.Helper()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
		start   = make(chan struct{})
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := AllowKey(context.Background(), b, key, l)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return allowed
}
