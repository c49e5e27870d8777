package ratelimit

import (
	"errors"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	good := map[string]Limit{
		"10/s":           {Rate: 10, Period: time.Second},
		"100/m":          {Rate: 100, Period: time.Minute},
		"1000/h":         {Rate: 1000, Period: time.Hour},
		"10000/d":        {Rate: 10000, Period: 24 * time.Hour},
		"5/10s":          {Rate: 5, Period: 10 * time.Second},
		"1/500ms":        {Rate: 1, Period: 500 * time.Millisecond},
		"10/s burst 20":  {Rate: 10, Period: time.Second, Burst: 20},
		" 100/h ":        {Rate: 100, Period: time.Hour},
		"1000000/s":      {Rate: 1000000, Period: time.Second},
		"100/h burst 1":  {Rate: 100, Period: time.Hour, Burst: 1},
		"1/366d":         {Rate: 1, Period: 366 * 24 * time.Hour},
		"7/90m burst 14": {Rate: 7, Period: 90 * time.Minute, Burst: 14},
		"1/d burst 366":  {Rate: 1, Period: 24 * time.Hour, Burst: 366},
	}
	for s, want := range good {
		got, err := ParseLimit(s)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{
		"", "10", "/s", "10/", "0/s", "-1/s", "10/x", "10/S", "10/ s", "10/0s", "1.5/s",
		"10/s burst", "10/s burst 0", "10/s burst -1", "2000000/s", "1/367d", "1/9999999999d",
		"10/s burst 20 burst 5", "１０/s", "10/s  burst 2", "+5/s", "1/1us",
		// interval × burst would overflow, or exceed MaxPeriod.
		"1/d burst 1000000000", "1/366d burst 2", "1/d burst 367",
	} {
		if l, err := ParseLimit(s); !errors.Is(err, ErrInvalidLimit) {
			t.Errorf("ParseLimit(%q) = %+v, %v; want ErrInvalidLimit", s, l, err)
		}
	}
}

func TestLimitString(t *testing.T) {
	t.Parallel()
	for s, l := range map[string]Limit{
		"10/s":          {Rate: 10, Period: time.Second},
		"5/10s":         {Rate: 5, Period: 10 * time.Second},
		"1/d":           {Rate: 1, Period: 24 * time.Hour},
		"3/90m":         {Rate: 3, Period: 90 * time.Minute},
		"1/1500ms":      {Rate: 1, Period: 1500 * time.Millisecond},
		"10/s burst 20": {Rate: 10, Period: time.Second, Burst: 20},
	} {
		if got := l.String(); got != s {
			t.Errorf("%+v.String() = %q, want %q", l, got, s)
		}
	}
}

func TestLimitWindow(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]time.Duration{
		"100/h":         time.Hour,
		"10/s burst 20": 2 * time.Second,
		"10/s burst 1":  100 * time.Millisecond,
	} {
		if got := mustLimit(t, s).Window(); got != want {
			t.Errorf("%s: Window = %v, want %v", s, got, want)
		}
	}
}

func FuzzParseLimit(f *testing.F) {
	for _, s := range []string{"10/s", "5/10s", "10/s burst 20", "1/366d", "0/s", "1/1ms", "9999999999/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLimit(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidLimit) {
				t.Fatalf("%q: error %v does not wrap ErrInvalidLimit", s, err)
			}
			return
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("%q parsed to invalid %+v: %v", s, l, err)
		}
		if l.intervalMicros() < 1 || l.Window() <= 0 {
			t.Fatalf("%q: interval %dµs window %v", s, l.intervalMicros(), l.Window())
		}
		back, err := ParseLimit(l.String())
		if err != nil || back != l {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, l, l.String(), back, err)
		}
	})
}

// A huge N is refused, not wrapped around into a small (or negative) cost.
func TestHugeCostRefused(t *testing.T) {
	t.Parallel()
	// An interval of 2^44 µs (about 203 days) times 2^20 is 2^64: it used
	// to wrap to a cost of 0, and be allowed.
	l := Limit{Rate: 1, Period: (1 << 44) * time.Microsecond}
	for _, n := range []int{2, 1 << 20, MaxRate + 1, 1 << 40, 1<<63 - 1} {
		p, err := (&Request{Limit: l, N: n}).params()
		if err != nil || p.cost <= p.tau {
			t.Errorf("N=%d: cost %d tau %d, %v; want a cost above tau", n, p.cost, p.tau, err)
		}
		ok, _ := allowAll(t, NewMemory(0), Request{Key: "k", Limit: l, N: n})
		if ok {
			t.Errorf("N=%d allowed against %v", n, l)
		}
	}
}

// The parameters a middleware prepares once per policy are those a Request
// computes itself, and are ignored once they no longer describe its Limit.
func TestPreparedParams(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"10/s", "10/s burst 20", "1/d burst 366", "100/h burst 1"} {
		l := mustLimit(t, s)
		pre, err := prepare(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{-1, 0, 1, 2, 19, 21, 1 << 40} {
			want, _ := (&Request{Limit: l, N: n}).params()
			got, err := (&Request{Limit: l, N: n, pre: pre}).params()
			if err != nil || got != want {
				t.Errorf("%s N=%d: prepared %+v, %v; computed %+v", s, n, got, err, want)
			}
		}
		other := mustLimit(t, "3/m")
		want, _ := (&Request{Limit: other}).params()
		if got, _ := (&Request{Limit: other, pre: pre}).params(); got != want {
			t.Errorf("%s: stale prepared parameters used for %v", s, other)
		}
		if _, err := (&Request{Limit: Limit{}, pre: pre}).params(); err == nil {
			t.Errorf("%s: an invalid Limit passed with stale prepared parameters", s)
		}
	}
}
