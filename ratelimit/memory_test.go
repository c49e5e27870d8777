package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	runBackendSuite(t, NewMemory(0), func() string { return "k" + strconv.FormatInt(n.Add(1), 10) })
}

func TestMemoryZeroValue(t *testing.T) {
	t.Parallel()
	var m Memory
	l := mustLimit(t, "1/h")
	if !allow(t, &m, "k", l).Allowed || allow(t, &m, "k", l).Allowed {
		t.Fatal("zero Memory does not limit")
	}
	if m.Cap() < DefaultMaxKeys {
		t.Errorf("Cap = %d", m.Cap())
	}
}

func TestGCRA(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := NewMemory(0, WithClock(clock.Now))

	t.Run("100 per hour: the burst, then one every 36s", func(t *testing.T) {
		l := mustLimit(t, "100/h")
		for i := range 100 {
			r := allow(t, m, "h", l)
			wantReset := time.Duration(i+1) * 36 * time.Second
			if !r.Allowed || r.Remaining != 99-i || r.Reset != wantReset || r.RetryAfter != 0 {
				t.Fatalf("event %d: %+v, want remaining %d reset %v", i+1, r, 99-i, wantReset)
			}
		}
		r := allow(t, m, "h", l)
		if r.Allowed || r.RetryAfter != 36*time.Second || r.Reset != time.Hour || r.Remaining != 0 {
			t.Fatalf("event 101: %+v", r)
		}
		clock.Advance(36*time.Second - time.Microsecond)
		if r := allow(t, m, "h", l); r.Allowed || r.RetryAfter != time.Microsecond {
			t.Fatalf("1µs early: %+v", r)
		}
		clock.Advance(time.Microsecond)
		if r := allow(t, m, "h", l); !r.Allowed || r.Remaining != 0 || r.Reset != time.Hour {
			t.Fatalf("on time: %+v", r)
		}
		if r := allow(t, m, "h", l); r.Allowed {
			t.Fatalf("second on time: %+v", r)
		}
		// Idle for the whole window: the full burst again, not more.
		clock.Advance(time.Hour)
		n := 0
		for allow(t, m, "h", l).Allowed {
			n++
		}
		if n != 100 {
			t.Fatalf("after an idle hour %d allowed, want 100", n)
		}
	})

	t.Run("10/s burst 20", func(t *testing.T) {
		l := mustLimit(t, "10/s burst 20")
		n := 0
		for allow(t, m, "b", l).Allowed {
			n++
		}
		if n != 20 {
			t.Fatalf("burst: %d allowed, want 20", n)
		}
		clock.Advance(250 * time.Millisecond) // 2.5 events refilled
		n = 0
		for allow(t, m, "b", l).Allowed {
			n++
		}
		if n != 2 {
			t.Fatalf("after 250ms: %d allowed, want 2", n)
		}
		if r := allow(t, m, "b", l); r.RetryAfter != 50*time.Millisecond {
			t.Fatalf("RetryAfter = %v, want 50ms", r.RetryAfter)
		}
	})

	t.Run("burst 1 spaces events", func(t *testing.T) {
		l := mustLimit(t, "10/s burst 1")
		if !allow(t, m, "s", l).Allowed {
			t.Fatal("first refused")
		}
		for _, step := range []time.Duration{0, 99 * time.Millisecond} {
			clock.Advance(step)
			if r := allow(t, m, "s", l); r.Allowed {
				t.Fatalf("after %v: allowed", step)
			}
		}
		clock.Advance(time.Millisecond)
		if !allow(t, m, "s", l).Allowed {
			t.Fatal("refused after 100ms")
		}
	})

	t.Run("uneven interval", func(t *testing.T) {
		// 3 per second: 333333µs apart; 3 at once, then none until refill.
		l := mustLimit(t, "3/s")
		n := 0
		for allow(t, m, "u", l).Allowed {
			n++
		}
		if n != 3 {
			t.Fatalf("%d allowed, want 3", n)
		}
	})
}

// TestMemoryBounded floods a Memory with a million distinct keys, as an
// attacker rotating addresses would, and checks that it never holds more
// than its capacity and that a client held back by its limit stays held
// back.
func TestMemoryBounded(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := NewMemory(10_000, WithClock(clock.Now))
	if m.Cap() < 10_000 || m.Cap() > 10_000+shardCount {
		t.Fatalf("Cap = %d", m.Cap())
	}
	quota := mustLimit(t, "100/h")
	for allow(t, m, "victim", quota).Allowed {
	}
	flood := mustLimit(t, "10/s")
	ctx := context.Background()
	reqs := make([]Request, 1)
	out := make([]Result, 1)
	for i := range 1_000_000 {
		reqs[0] = Request{Key: fmt.Sprintf("flood-%d", i), Limit: flood}
		if _, err := m.Allow(ctx, reqs, out); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 0 {
			clock.Advance(time.Millisecond)
			if n := m.Len(); n > m.Cap() {
				t.Fatalf("after %d keys: %d held, cap %d", i, n, m.Cap())
			}
		}
	}
	if n := m.Len(); n > m.Cap() {
		t.Fatalf("%d keys held, cap %d", n, m.Cap())
	}
	if r := allow(t, m, "victim", quota); r.Allowed {
		t.Fatal("the flood reset a limited client's bucket")
	}
}

// TestMemoryExpiry checks that buckets that have refilled are dropped when
// room is needed, before anything live is evicted.
func TestMemoryExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	m := NewMemory(shardCount*64, WithClock(clock.Now))
	l := mustLimit(t, "1/s")
	for i := range 2 * m.Cap() {
		allow(t, m, fmt.Sprintf("old-%d", i), l)
	}
	if n := m.Len(); n != m.Cap() {
		t.Fatalf("%d keys held, want full (%d)", n, m.Cap())
	}
	clock.Advance(2 * time.Second)
	// 20 new keys per shard on average: every shard gets some (all but
	// surely), none gets more than its 64.
	const fresh = 20 * shardCount
	live := mustLimit(t, "1/h")
	for i := range fresh {
		allow(t, m, fmt.Sprintf("new-%d", i), live)
	}
	if n := m.Len(); n != fresh {
		t.Fatalf("%d keys held, want the %d new ones: expired ones dropped, no live one evicted", n, fresh)
	}
	for i := range fresh {
		if allow(t, m, fmt.Sprintf("new-%d", i), live).Allowed {
			t.Fatalf("new-%d lost its state", i)
		}
	}
}

func TestMemoryKeyLength(t *testing.T) {
	t.Parallel()
	m := NewMemory(0)
	long := string(make([]byte, 1<<16))
	allow(t, m, long, mustLimit(t, "1/h"))
	for i := range m.shards {
		for k := range m.shards[i].tats {
			if len(k) > maxKeyLen {
				t.Fatalf("stored a %d-byte key", len(k))
			}
		}
	}
}
