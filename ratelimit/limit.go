package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bounds on a Limit, checked by Validate.
const (
	// MaxRate is the largest Rate and Burst.
	MaxRate = 1_000_000_000
	// MinPeriod is the shortest Period.
	MinPeriod = time.Millisecond
	// MaxPeriod is the longest Period (a year).
	MaxPeriod = 366 * 24 * time.Hour
	// MinInterval is the shortest time between two events a Limit may
	// imply (Period/Rate): one microsecond, the resolution of both backends.
	MinInterval = time.Microsecond
)

// ErrInvalidLimit is returned, wrapped, for a Limit that fails Validate.
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

// Limit is a rate in the generic cell rate algorithm (GCRA): on average Rate
// events per Period, with bursts of up to Burst events at once. A key that
// has been idle long enough has its whole burst available; each event then
// uses up Period/Rate of it, and it refills continuously at Rate per Period.
//
// Burst 0 means Burst = Rate: the whole period's allowance may be spent at
// once, after which events are admitted at the sustained rate. So "100 per
// hour" with the default burst allows exactly 100 requests at once, then one
// more every 36 seconds. Set Burst below Rate to smooth traffic (10/s with
// burst 1 admits one request per 100 ms), above it to tolerate spikes (10/s
// with burst 20).
//
// The zero Limit is invalid: a backend refuses to decide with it.
type Limit struct {
	// Rate is the number of events per Period. Required, 1 to MaxRate.
	Rate int
	// Period is the time Rate events are spread over. Required, MinPeriod
	// to MaxPeriod.
	Period time.Duration
	// Burst is the most events admitted at once. 0 means Rate. Up to
	// MaxRate, and no more than the burst refilling within MaxPeriod
	// (Window at most MaxPeriod).
	Burst int
}

// Validate reports whether l can be enforced, as an error wrapping
// ErrInvalidLimit.
func (l Limit) Validate() error {
	switch {
	case l.Rate < 1 || l.Rate > MaxRate:
		return fmt.Errorf("%w: rate %d is not between 1 and %d", ErrInvalidLimit, l.Rate, MaxRate)
	case l.Period < MinPeriod || l.Period > MaxPeriod:
		return fmt.Errorf("%w: period %v is not between %v and %v", ErrInvalidLimit, l.Period, MinPeriod, MaxPeriod)
	case l.Period/time.Duration(l.Rate) < MinInterval:
		return fmt.Errorf("%w: %d per %v is faster than one event per %v", ErrInvalidLimit, l.Rate, l.Period, MinInterval)
	case l.Burst < 0 || l.Burst > MaxRate:
		return fmt.Errorf("%w: burst %d is not between 0 and %d", ErrInvalidLimit, l.Burst, MaxRate)
	case int64(l.EffectiveBurst()) > int64(MaxPeriod/time.Microsecond)/l.intervalMicros():
		// The burst's refill time, interval × burst, must stay within
		// MaxPeriod: beyond it the backends' arithmetic overflows.
		return fmt.Errorf("%w: burst %d at %d per %v takes longer than %v to refill", ErrInvalidLimit, l.EffectiveBurst(), l.Rate, l.Period, MaxPeriod)
	}
	return nil
}

// EffectiveBurst returns Burst, or Rate when Burst is 0.
func (l Limit) EffectiveBurst() int {
	if l.Burst == 0 {
		return l.Rate
	}
	return l.Burst
}

// Window returns the time an empty bucket takes to refill its whole burst:
// EffectiveBurst × Period / Rate. It is the "w" of the RateLimit-Policy
// header, for the "q" of EffectiveBurst.
func (l Limit) Window() time.Duration {
	return time.Duration(l.intervalMicros()*int64(l.EffectiveBurst())) * time.Microsecond
}

// intervalMicros is the emission interval, Period/Rate, in microseconds.
// Both backends compute in whole microseconds so they decide alike.
func (l Limit) intervalMicros() int64 {
	return int64(l.Period/time.Duration(l.Rate)) / int64(time.Microsecond)
}

var units = []struct {
	name string
	d    time.Duration
}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}}

// ParseLimit parses a rate written as count "/" [multiplier] unit, where unit
// is ms, s, m, h or d, optionally followed by " burst " and a count:
//
//	10/s   100/m   1000/h   10000/d   5/10s   10/s burst 20
//
// The result is validated.
func ParseLimit(s string) (Limit, error) {
	fail := func(why string) (Limit, error) {
		return Limit{}, fmt.Errorf("%w: %q: %s", ErrInvalidLimit, s, why)
	}
	rate, rest, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return fail(`want "count/period", e.g. "100/m"`)
	}
	period, burst, hasBurst := strings.Cut(rest, " burst ")
	var l Limit
	var err error
	if l.Rate, err = parseCount(rate); err != nil {
		return fail("rate: " + err.Error())
	}
	i := 0
	for i < len(period) && period[i] >= '0' && period[i] <= '9' {
		i++
	}
	mult := 1
	if i > 0 {
		if mult, err = parseCount(period[:i]); err != nil {
			return fail("period: " + err.Error())
		}
	}
	var unit time.Duration
	for _, u := range units {
		if period[i:] == u.name {
			unit = u.d
		}
	}
	if unit == 0 {
		return fail("period unit must be ms, s, m, h or d")
	}
	if time.Duration(mult) > MaxPeriod/unit {
		return fail("period too long")
	}
	l.Period = time.Duration(mult) * unit
	if hasBurst {
		if l.Burst, err = parseCount(strings.TrimSpace(burst)); err != nil {
			return fail("burst: " + err.Error())
		}
	}
	if err := l.Validate(); err != nil {
		return Limit{}, err
	}
	return l, nil
}

// parseCount parses a decimal count from 1 to MaxRate, digits only.
func parseCount(s string) (int, error) {
	if s == "" || len(s) > 10 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("not a positive decimal number")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxRate {
		return 0, fmt.Errorf("not between 1 and %d", MaxRate)
	}
	return n, nil
}

// String formats l as ParseLimit reads it: "10/s", "5/10s", "10/s burst 20".
func (l Limit) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(l.Rate))
	b.WriteByte('/')
	unit := units[len(units)-1]
	for _, u := range units {
		if l.Period >= u.d && l.Period%u.d == 0 {
			unit = u
			break
		}
	}
	if n := l.Period / unit.d; n != 1 {
		b.WriteString(strconv.FormatInt(int64(n), 10))
	}
	b.WriteString(unit.name)
	if l.Burst != 0 {
		b.WriteString(" burst ")
		b.WriteString(strconv.Itoa(l.Burst))
	}
	return b.String()
}
