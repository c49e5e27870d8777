package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// FailMode says what a Fallback does with a decision while its primary
// backend is unavailable. The zero value is FailOpen.
type FailMode int

const (
	// FailOpen decides with the local backend: requests keep being served,
	// held to limits that count this process's traffic only.
	FailOpen FailMode = iota
	// FailClosed refuses to decide: Allow returns an error wrapping
	// ErrUnavailable, which the middleware answers with 503.
	FailClosed
)

// String returns "fail_open" or "fail_closed", the configuration spelling.
func (m FailMode) String() string {
	switch m {
	case FailOpen:
		return "fail_open"
	case FailClosed:
		return "fail_closed"
	}
	return fmt.Sprintf("FailMode(%d)", int(m))
}

// DefaultProbeInterval is how often a Fallback without WithProbeInterval
// tries its primary while the primary is down.
const DefaultProbeInterval = time.Second

// Fallback puts a shared primary backend (Redis) in front of a local one
// (Memory) with a circuit breaker between them.
//
// While the primary answers, every decision goes to it.
// DefaultFailureThreshold consecutive failures (see WithFailureThreshold)
// open the circuit: Fallback logs once, reports the outage through
// WithStateHook, and from then on decides without touching the primary,
// except that one decision every probe interval tries it again (half-open);
// the first probe that succeeds closes the circuit, logs the recovery and
// reports it. A dead Redis is therefore asked at most once per interval,
// not once per request.
//
// What a decision does while the circuit is open depends on the FailMode of
// the Backend it was made through: Fallback itself is FailOpen, and Mode
// returns views with either mode that share the one circuit, so that a
// gateway with fail_open and fail_closed routes logs one outage, not one per
// route.
//
// During an outage, fail-open limits are per process: N processes admit up
// to N times the limit. That is the price of staying up, and the log line
// says so.
type Fallback struct {
	primary, local Backend
	logger         *slog.Logger
	probeEvery     time.Duration
	onState        func(up bool)
	now            func() time.Time

	threshold int

	mu        sync.Mutex
	down      bool
	failures  int // consecutive, while the circuit is closed
	nextProbe time.Time
	probing   bool
}

var _ Backend = (*Fallback)(nil)

// FallbackOption configures a Fallback.
type FallbackOption func(*Fallback)

// WithLogger makes a Fallback log the start and end of each outage to l
// (one line each). Without it nothing is logged.
func WithLogger(l *slog.Logger) FallbackOption {
	return func(f *Fallback) { f.logger = l }
}

// WithProbeInterval sets how often the primary is retried during an outage
// (DefaultProbeInterval without it). A non-positive d keeps the default.
func WithProbeInterval(d time.Duration) FallbackOption {
	return func(f *Fallback) {
		if d > 0 {
			f.probeEvery = d
		}
	}
}

// WithStateHook calls fn(false) when an outage starts and fn(true) when it
// ends, for a metric or a health check. fn runs synchronously on the
// request that noticed the change, outside any lock; keep it quick.
func WithStateHook(fn func(up bool)) FallbackOption {
	return func(f *Fallback) { f.onState = fn }
}

// WithFailureThreshold sets how many consecutive failed decisions open the
// circuit (DefaultFailureThreshold without it). A single slow answer under
// load then costs that one decision its shared state, not every decision
// for a probe interval. A value below 1 keeps the default.
func WithFailureThreshold(n int) FallbackOption {
	return func(f *Fallback) {
		if n >= 1 {
			f.threshold = n
		}
	}
}

// DefaultFailureThreshold is how many consecutive failures open the circuit.
const DefaultFailureThreshold = 3

// WithFallbackClock makes a Fallback read time from now instead of
// time.Now (for the probe schedule).
func WithFallbackClock(now func() time.Time) FallbackOption {
	return func(f *Fallback) { f.now = now }
}

// NewFallback returns a Fallback deciding with primary, and with local while
// primary is unavailable.
func NewFallback(primary, local Backend, opts ...FallbackOption) *Fallback {
	f := &Fallback{primary: primary, local: local, probeEvery: DefaultProbeInterval, now: time.Now, threshold: DefaultFailureThreshold}
	for _, o := range opts {
		if o != nil {
			o(f)
		}
	}
	return f
}

// Healthy reports whether the primary backend is in use (the circuit is
// closed).
func (f *Fallback) Healthy() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.down
}

// Mode returns a Backend that decides through f's circuit with mode m.
func (f *Fallback) Mode(m FailMode) Backend {
	return modeView{f: f, mode: m}
}

// Allow implements Backend with FailOpen.
func (f *Fallback) Allow(ctx context.Context, reqs []Request, out []Result) (bool, error) {
	return f.allow(ctx, reqs, out, FailOpen)
}

type modeView struct {
	f    *Fallback
	mode FailMode
}

func (v modeView) Allow(ctx context.Context, reqs []Request, out []Result) (bool, error) {
	return v.f.allow(ctx, reqs, out, v.mode)
}

func (f *Fallback) allow(ctx context.Context, reqs []Request, out []Result, mode FailMode) (bool, error) {
	use, probe := f.usePrimary()
	if !use {
		return f.degraded(ctx, reqs, out, mode)
	}
	ok, err := f.primary.Allow(ctx, reqs, out)
	switch {
	case err == nil:
		f.succeeded(probe)
		return ok, nil
	case !errors.Is(err, ErrUnavailable) || ctx.Err() != nil:
		// A bad request (an invalid limit) or a caller that went away says
		// nothing about the primary's health.
		if probe {
			f.probeDone()
		}
		return false, err
	}
	f.failed(err, probe)
	return f.degraded(ctx, reqs, out, mode)
}

// usePrimary reports whether this decision goes to the primary (always
// while the circuit is closed; while it is open, only as the one probe due)
// and whether it is that probe.
func (f *Fallback) usePrimary() (use, probe bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down {
		return true, false
	}
	if f.probing || f.now().Before(f.nextProbe) {
		return false, false
	}
	f.probing = true
	return true, true
}

func (f *Fallback) probeDone() {
	f.mu.Lock()
	f.probing = false
	f.mu.Unlock()
}

// succeeded records a decision the primary made. Only the probe closes an
// open circuit: a decision that started before the circuit opened proves
// nothing about now.
func (f *Fallback) succeeded(probe bool) {
	f.mu.Lock()
	if f.down && !probe {
		f.mu.Unlock()
		return
	}
	recovered := f.down
	f.down, f.probing, f.failures = false, false, 0
	f.mu.Unlock()
	if recovered {
		if f.logger != nil {
			f.logger.Info("redis rate-limit backend recovered; using shared limits again")
		}
		if f.onState != nil {
			f.onState(true)
		}
	}
}

// failed records a decision the primary could not make. The circuit opens
// after threshold consecutive failures, or at once when the probe fails.
func (f *Fallback) failed(err error, probe bool) {
	f.mu.Lock()
	if !f.down && !probe {
		if f.failures++; f.failures < f.threshold {
			f.mu.Unlock()
			return
		}
	}
	started := !f.down
	f.down, f.probing, f.failures = true, false, 0
	f.nextProbe = f.now().Add(f.probeEvery)
	f.mu.Unlock()
	if started {
		if f.logger != nil {
			f.logger.Warn("redis rate-limit backend unavailable; using local limits",
				slog.String("error", err.Error()),
				slog.String("fail_open", "limits now count this process's traffic only"),
				slog.String("fail_closed", "requests answered 503"),
				slog.Duration("probe_interval", f.probeEvery))
		}
		if f.onState != nil {
			f.onState(false)
		}
	}
}

func (f *Fallback) degraded(ctx context.Context, reqs []Request, out []Result, mode FailMode) (bool, error) {
	if mode == FailClosed {
		return false, fmt.Errorf("%w: shared rate-limit state is unreachable and the route fails closed", ErrUnavailable)
	}
	return f.local.Allow(ctx, reqs, out)
}
