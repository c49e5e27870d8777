package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// runBackendSuite checks the behaviour every Backend shares. It uses long
// periods, so that a backend on a real clock (Redis) decides exactly as one
// on a frozen clock would. newKey returns a key no other test uses.
func runBackendSuite(t *testing.T, b Backend, newKey func() string) {
	t.Run("exact burst", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "100/h")
		key := newKey()
		for i := range 100 {
			r := allow(t, b, key, l)
			if !r.Allowed || r.Remaining != 99-i {
				t.Fatalf("event %d: %+v, want allowed with %d remaining", i+1, r, 99-i)
			}
		}
		r := allow(t, b, key, l)
		if r.Allowed || r.Remaining != 0 {
			t.Fatalf("event 101: %+v, want refused with 0 remaining", r)
		}
		// 36 s per event: the next one is due in just under 36 s.
		if r.RetryAfter <= 35*time.Second || r.RetryAfter > 36*time.Second {
			t.Errorf("RetryAfter = %v, want just under 36s", r.RetryAfter)
		}
		if r.Reset <= 3599*time.Second || r.Reset > time.Hour {
			t.Errorf("Reset = %v, want just under 1h", r.Reset)
		}
	})
	t.Run("explicit burst", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "10/h burst 3")
		key := newKey()
		for i := range 3 {
			if r := allow(t, b, key, l); !r.Allowed {
				t.Fatalf("event %d refused", i+1)
			}
		}
		r := allow(t, b, key, l)
		if r.Allowed || r.RetryAfter <= 5*time.Minute || r.RetryAfter > 6*time.Minute {
			t.Fatalf("event 4: %+v, want refused for about 6m", r)
		}
	})
	t.Run("cost", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "10/h")
		key := newKey()
		ok, out := allowAll(t, b, Request{Key: key, Limit: l, N: 7})
		if !ok || out[0].Remaining != 3 {
			t.Fatalf("N=7: %v %+v", ok, out[0])
		}
		if ok, out = allowAll(t, b, Request{Key: key, Limit: l, N: 4}); ok || out[0].Remaining != 3 {
			t.Fatalf("N=4 with 3 left: %v %+v, want refused, nothing taken", ok, out[0])
		}
		if ok, _ = allowAll(t, b, Request{Key: key, Limit: l, N: 3}); !ok {
			t.Fatal("N=3 with 3 left refused")
		}
		if ok, _ = allowAll(t, b, Request{Key: newKey(), Limit: l, N: 11}); ok {
			t.Fatal("a cost above the burst was allowed")
		}
	})
	t.Run("peek records nothing", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "2/h")
		key := newKey()
		for range 5 {
			ok, out := allowAll(t, b, Request{Key: key, Limit: l, Peek: true})
			if !ok || out[0].Remaining != 2 {
				t.Fatalf("peek: %v %+v", ok, out[0])
			}
		}
		allow(t, b, key, l)
		allow(t, b, key, l)
		ok, out := allowAll(t, b, Request{Key: key, Limit: l, Peek: true})
		if ok || out[0].Remaining != 0 || out[0].RetryAfter == 0 {
			t.Fatalf("peek at an empty bucket: %v %+v", ok, out[0])
		}
	})
	t.Run("refused by one limit, the others are not charged", func(t *testing.T) {
		t.Parallel()
		fast, quota := mustLimit(t, "5/h"), mustLimit(t, "8/d")
		kf, kq := newKey(), newKey()
		both := func() (bool, []Result) {
			return allowAll(t, b, Request{Key: kf, Limit: fast}, Request{Key: kq, Limit: quota})
		}
		for i := range 5 {
			if ok, _ := both(); !ok {
				t.Fatalf("request %d refused", i+1)
			}
		}
		for range 20 {
			ok, out := both()
			if ok || out[0].Allowed || !out[1].Allowed {
				t.Fatalf("want refused by the fast limit only: %+v", out)
			}
			if out[1].Remaining != 3 {
				t.Fatalf("quota charged by a refused request: %d remaining, want 3", out[1].Remaining)
			}
		}
		// The quota alone still has exactly 3.
		for i := range 3 {
			if r := allow(t, b, kq, quota); !r.Allowed {
				t.Fatalf("quota event %d refused", i+1)
			}
		}
		ok, out := both()
		if ok || out[0].Allowed || out[1].Allowed {
			t.Fatalf("want refused by both: %+v", out)
		}
		if out[0].Remaining != 0 || out[1].Remaining != 0 {
			t.Fatalf("remaining: %+v", out)
		}
	})
	t.Run("repeated key is charged twice", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "3/h")
		key := newKey()
		ok, out := allowAll(t, b, Request{Key: key, Limit: l}, Request{Key: key, Limit: l})
		if !ok || out[1].Remaining != 1 {
			t.Fatalf("%v %+v", ok, out)
		}
		if ok, _ := allowAll(t, b, Request{Key: key, Limit: l}, Request{Key: key, Limit: l}); ok {
			t.Fatal("two events admitted with one left")
		}
		if r := allow(t, b, key, l); !r.Allowed {
			t.Fatal("the refused pair charged the bucket")
		}
	})
	t.Run("long keys", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "1/h")
		long := newKey() + string(make([]byte, 4096))
		if !allow(t, b, long, l).Allowed || allow(t, b, long, l).Allowed {
			t.Fatal("a long key is not limited")
		}
	})
	t.Run("invalid limit", func(t *testing.T) {
		t.Parallel()
		_, err := AllowKey(context.Background(), b, newKey(), Limit{})
		if !errors.Is(err, ErrInvalidLimit) {
			t.Fatalf("zero Limit: err = %v", err)
		}
	})
	t.Run("short out", func(t *testing.T) {
		t.Parallel()
		l := mustLimit(t, "1/h")
		if _, err := b.Allow(context.Background(), []Request{{Key: newKey(), Limit: l}}, nil); err == nil {
			t.Fatal("no error for a nil out")
		}
	})
	t.Run("1000 concurrent requests, 100 per hour burst 100", func(t *testing.T) {
		t.Parallel()
		if got := countAllowed(t, b, newKey(), mustLimit(t, "100/h burst 100"), 1000); got != 100 {
			t.Fatalf("allowed %d, want exactly 100", got)
		}
	})
}
