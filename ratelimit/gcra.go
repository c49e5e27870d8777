package ratelimit

import (
	"strconv"
	"time"
)

// Request asks a Backend for N events on the bucket named Key under Limit.
type Request struct {
	// Key names the bucket. Requests with the same key share state, so a
	// key should name both who is limited and which limit applies (the
	// middleware prefixes the policy name). Keys longer than 128 bytes are
	// stored as a hash. Never put a secret in a key.
	Key string
	// Limit is the rate the bucket is held to. Required.
	Limit Limit
	// N is the number of events, the cost. Values below 1 count as 1. A
	// cost above the limit's burst is always refused.
	N int
	// Peek asks whether N events would be allowed, without recording them.
	Peek bool

	// pre, set by Middleware, is Limit's validated parameters, computed
	// once per policy; used only while it still describes Limit.
	pre *prepared
}

// prepared is what a Limit's decisions share, computed once per policy.
type prepared struct {
	limit         Limit
	interval, tau int64  // µs
	ivArg, tauArg string // interval and tau in decimal, for the Redis script
	burst         int64
}

func prepare(l Limit) (*prepared, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	iv, burst := l.intervalMicros(), int64(l.EffectiveBurst())
	return &prepared{limit: l, interval: iv, tau: iv * burst, burst: burst,
		ivArg: strconv.FormatInt(iv, 10), tauArg: strconv.FormatInt(iv*burst, 10)}, nil
}

// Result is a Backend's answer for one Request: enough to write the IETF
// RateLimit header and Retry-After.
type Result struct {
	// Allowed reports whether this request's limit admits it. When a
	// decision covers several requests, the events are recorded only if
	// every Result is Allowed.
	Allowed bool
	// Remaining is how many events the bucket would admit right now, after
	// this decision took effect (or, when nothing was recorded, as it
	// stands).
	Remaining int
	// RetryAfter is, for a refused request, how long until its N events
	// would be admitted; 0 when Allowed.
	RetryAfter time.Duration
	// Reset is how long until the bucket has refilled its whole burst.
	Reset time.Duration
}

// params are a request's GCRA parameters in microseconds.
type params struct {
	interval int64 // emission interval, Period/Rate
	tau      int64 // burst capacity: interval × burst
	cost     int64 // interval × N
}

func (r *Request) params() (params, error) {
	if pp := r.pre; pp != nil && pp.limit == r.Limit {
		return params{interval: pp.interval, tau: pp.tau, cost: pp.interval * min(int64(max(r.N, 1)), pp.burst+1)}, nil
	}
	if err := r.Limit.Validate(); err != nil {
		return params{}, err
	}
	iv := r.Limit.intervalMicros()
	burst := int64(r.Limit.EffectiveBurst())
	// A cost above the burst is refused whatever it is: clamping it to
	// burst+1 keeps interval × N from overflowing (Validate bounds
	// interval × burst by MaxPeriod).
	n := min(int64(max(r.N, 1)), burst+1)
	return params{interval: iv, tau: iv * burst, cost: iv * n}, nil
}

// gcra decides one request at now (µs) against the stored theoretical
// arrival time tat (µs; 0 or anything in the past means an idle bucket).
// It returns the TAT that admitting the request would store and whether the
// limit admits it.
//
// The bucket holds "debt": tat - now, the time until it is empty of events.
// A request of cost c is admitted when the debt after it, max(tat, now) + c
// - now, is at most tau, the burst capacity. Starting idle, exactly burst
// requests of cost 1 fit.
func gcra(now, tat int64, p params) (newTAT int64, ok bool) {
	tat = max(tat, now)
	newTAT = tat + p.cost
	return newTAT, newTAT-now <= p.tau
}

// describe reports the state of a bucket whose TAT is tat.
func describe(now, tat int64, p params) Result {
	debt := max(tat-now, 0)
	return Result{
		Remaining: int(max((p.tau-debt)/p.interval, 0)),
		Reset:     time.Duration(debt) * time.Microsecond,
	}
}

// retryAfter is how long until a refused request would be admitted.
func retryAfter(now, newTAT int64, p params) time.Duration {
	return time.Duration(max(newTAT-p.tau-now, 0)) * time.Microsecond
}
