package oauth

import (
	"context"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
)

// LockoutPolicy locks an account after MaxFailures consecutive failed logins
// for Lockout, doubling with each further failure up to LockoutMax; a run of
// failures older than Window is forgotten.
type LockoutPolicy struct {
	MaxFailures int
	Lockout     time.Duration
	LockoutMax  time.Duration
	Window      time.Duration
}

// lockFor is the lock that follows the n-th consecutive failure.
func (p LockoutPolicy) lockFor(n int) time.Duration {
	if n < p.MaxFailures {
		return 0
	}
	d := p.Lockout
	for i := p.MaxFailures; i < n && d < p.LockoutMax; i++ {
		d *= 2
	}
	return min(d, p.LockoutMax)
}

// lockout counts failed logins per account in the database, so every node
// sees the same count. Accounts are counted whether or not they exist, so
// the lock itself reveals nothing.
type lockout struct {
	st     *store.Store
	policy LockoutPolicy
	now    func() time.Time
}

func accountKey(username string) string { return "user:" + strings.ToLower(username) }

// lockedFor returns how long the account stays locked (0: not locked).
func (l *lockout) lockedFor(ctx context.Context, username string) (time.Duration, error) {
	f, err := l.st.LoginFailureState(ctx, accountKey(username))
	if err != nil {
		return 0, err
	}
	if left := f.LockedUntil.Sub(l.now()); left > 0 {
		return left, nil
	}
	return 0, nil
}

// fail records a failure and returns the new lock (0: none) and the count.
func (l *lockout) fail(ctx context.Context, username string) (time.Duration, int, error) {
	now := l.now()
	f, err := l.st.RecordLoginFailure(ctx, accountKey(username), now, l.policy.Window, l.policy.lockFor)
	if err != nil {
		return 0, 0, err
	}
	return max(f.LockedUntil.Sub(now), 0), f.Failures, nil
}

func (l *lockout) succeed(ctx context.Context, username string) error {
	return l.st.ResetLoginFailures(ctx, accountKey(username))
}
