package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/identity"
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

// CheckPassword checks a username and password under the account lockout:
// the one path POST /auth/login, the sign-in page and HTTP Basic share. A
// locked account costs a dummy verification and fails like a wrong password;
// every failure counts toward the lock whether or not the account exists.
// It returns the user (nil when refused) and how long the account stays
// locked (0 when not); err is only for failures of rampart itself.
func (s *Server) CheckPassword(ctx context.Context, username, password string) (*store.User, time.Duration, error) {
	locked, err := s.lockout.lockedFor(ctx, username)
	if err != nil {
		return nil, 0, fmt.Errorf("reading login failures: %w", err)
	}
	var user *store.User
	if locked > 0 {
		s.ids.DummyVerify(password)
	} else {
		u, err := s.ids.Authenticate(ctx, username, password)
		switch {
		case errors.Is(err, identity.ErrInvalidCredentials):
		case err != nil:
			return nil, 0, err
		default:
			user = u
		}
	}
	if user == nil {
		if locked == 0 {
			var n int
			if locked, n, err = s.lockout.fail(ctx, username); err != nil {
				s.log.ErrorContext(ctx, "recording a login failure", "error", err)
			} else if locked > 0 {
				s.log.WarnContext(ctx, "account locked after repeated login failures", "user.name", username, "failures", n, "locked_for", locked.String())
			}
		}
		return nil, locked, nil
	}
	if err := s.lockout.succeed(ctx, username); err != nil {
		s.log.WarnContext(ctx, "resetting login failures", "error", err)
	}
	return user, 0, nil
}
