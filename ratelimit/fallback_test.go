package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// flakyBackend wraps a Memory and fails as an unreachable Redis does while
// down is set, counting the calls it receives.
type flakyBackend struct {
	Memory
	down  atomic.Bool
	calls atomic.Int64
}

func (f *flakyBackend) Allow(ctx context.Context, reqs []Request, out []Result) (bool, error) {
	f.calls.Add(1)
	if f.down.Load() {
		return false, ErrUnavailable
	}
	return f.Memory.Allow(ctx, reqs, out)
}

// TestFallbackBreaker checks the circuit: one call to a dead primary per
// probe interval, not one per request; one log line and one state change
// per outage; recovery by the first probe that succeeds.
func TestFallbackBreaker(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	primary := &flakyBackend{}
	var logs syncBuffer
	var states []bool
	fb := NewFallback(primary, NewMemory(0), WithFallbackClock(clock.Now), WithProbeInterval(time.Second),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		WithStateHook(func(up bool) { states = append(states, up) }))
	l := mustLimit(t, "1000/s")
	closed := fb.Mode(FailClosed)

	allow(t, fb, "k", l)
	primary.down.Store(true)
	for range 100 {
		allow(t, fb, "k", l)
		if _, err := AllowKey(context.Background(), closed, "k", l); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("fail-closed during outage: %v", err)
		}
	}
	if got := primary.calls.Load(); got != 1+DefaultFailureThreshold {
		t.Fatalf("primary called %d times, want %d (one success, then the failures that opened the circuit)", got, 1+DefaultFailureThreshold)
	}
	clock.Advance(999 * time.Millisecond)
	allow(t, fb, "k", l)
	if got := primary.calls.Load(); got != 1+DefaultFailureThreshold {
		t.Fatalf("probed before the interval: %d calls", got)
	}
	clock.Advance(time.Millisecond)
	for range 10 {
		allow(t, fb, "k", l)
	}
	if got := primary.calls.Load(); got != 2+DefaultFailureThreshold {
		t.Fatalf("%d calls, want exactly one probe", got)
	}
	if fb.Healthy() || logs.count("backend unavailable; using local limits") != 1 || len(states) != 1 {
		t.Fatalf("healthy=%v logs=%d states=%v", fb.Healthy(), logs.count("backend unavailable; using local limits"), states)
	}
	primary.down.Store(false)
	allow(t, fb, "k", l) // not yet due
	if fb.Healthy() {
		t.Fatal("recovered without a probe")
	}
	clock.Advance(time.Second)
	allow(t, fb, "k", l)
	if !fb.Healthy() || logs.count("recovered") != 1 || len(states) != 2 || !states[1] {
		t.Fatalf("after a successful probe: healthy=%v logs=%d states=%v", fb.Healthy(), logs.count("recovered"), states)
	}
	if _, err := AllowKey(context.Background(), closed, "k", l); err != nil {
		t.Fatalf("fail-closed after recovery: %v", err)
	}
}

// A failure or two in a row (a slow answer under load) degrade only those
// decisions; the circuit stays closed and a success resets the count.
func TestFallbackThreshold(t *testing.T) {
	t.Parallel()
	primary := &flakyBackend{}
	fb := NewFallback(primary, NewMemory(0))
	l := mustLimit(t, "1000/s")
	for round := range 3 {
		primary.down.Store(true)
		for range DefaultFailureThreshold - 1 {
			allow(t, fb, "k", l)
		}
		if !fb.Healthy() {
			t.Fatalf("round %d: %d failures opened the circuit", round, DefaultFailureThreshold-1)
		}
		primary.down.Store(false)
		allow(t, fb, "k", l)
	}
	primary.down.Store(true)
	for range DefaultFailureThreshold {
		allow(t, fb, "k", l)
	}
	if fb.Healthy() {
		t.Fatalf("%d consecutive failures left the circuit closed", DefaultFailureThreshold)
	}
	// A success that is not the probe (a decision already in flight) does not close it.
	fb.succeeded(false)
	if fb.Healthy() {
		t.Fatal("a non-probe success closed the circuit")
	}
}

// TestFallbackIgnoresCallerErrors checks that an invalid request or a
// cancelled caller does not open the circuit.
func TestFallbackIgnoresCallerErrors(t *testing.T) {
	t.Parallel()
	primary := &flakyBackend{}
	fb := NewFallback(primary, NewMemory(0))
	if _, err := AllowKey(context.Background(), fb, "k", Limit{}); !errors.Is(err, ErrInvalidLimit) {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	primary.down.Store(true)
	_, _ = AllowKey(ctx, fb, "k", mustLimit(t, "1/s"))
	if !fb.Healthy() {
		t.Fatal("caller errors opened the circuit")
	}
}
