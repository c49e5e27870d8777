package oauth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/audit"
	"github.com/rampart-sec/rampart/clientip"
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

// lockout counts failed logins per account and per client IP in the
// database, so every node sees the same counts (and a Redis flush cannot
// lift a lock). Accounts are counted whether or not they exist, so the lock
// itself reveals nothing.
type lockout struct {
	st      *store.Store
	account LockoutPolicy
	ip      LockoutPolicy // MaxFailures 0: not counted per IP
	now     func() time.Time
}

func accountKey(username string) string { return "user:" + strings.ToLower(username) }

// ipKey is the client's address, or its /64 for IPv6 (one subscriber holds a
// whole /64); "" when the request has no client IP or IP counting is off.
func (l *lockout) ipKey(ctx context.Context) string {
	a, ok := clientip.FromContext(ctx)
	if !ok || !a.IsValid() || l.ip.MaxFailures == 0 {
		return ""
	}
	return "ip:" + clientip.Subscriber(a)
}

// lockedFor returns how long key stays locked (0: not locked).
func (l *lockout) lockedFor(ctx context.Context, key string) (time.Duration, error) {
	if key == "" {
		return 0, nil
	}
	f, err := l.st.LoginFailureState(ctx, key)
	if err != nil {
		return 0, err
	}
	if left := f.LockedUntil.Sub(l.now()); left > 0 {
		return left, nil
	}
	return 0, nil
}

// fail records a failure against key and returns the new lock (0: none) and the count.
func (l *lockout) fail(ctx context.Context, key string, p LockoutPolicy) (time.Duration, int, error) {
	if key == "" {
		return 0, 0, nil
	}
	now := l.now()
	f, err := l.st.RecordLoginFailure(ctx, key, now, p.Window, p.lockFor)
	if err != nil {
		return 0, 0, err
	}
	return max(f.LockedUntil.Sub(now), 0), f.Failures, nil
}

// CheckPassword checks a username and password under the account lockout:
// the one path POST /auth/login, the sign-in page and HTTP Basic share. A
// locked account costs a dummy verification and fails like a wrong password;
// every failure counts toward the lock whether or not the account exists.
// It returns the user (nil when refused) and how long the account stays
// locked (0 when not); err is only for failures of rampart itself, including
// a failure to record the attempt in the audit trail (callers answer 503:
// no login succeeds or fails unrecorded).
func (s *Server) CheckPassword(ctx context.Context, username, password string) (*store.User, time.Duration, error) {
	acct, ip := accountKey(username), s.lockout.ipKey(ctx)
	locked, err := s.lockout.lockedFor(ctx, acct)
	if err != nil {
		return nil, 0, fmt.Errorf("reading login failures: %w", err)
	}
	ipLocked, err := s.lockout.lockedFor(ctx, ip)
	if err != nil {
		return nil, 0, fmt.Errorf("reading login failures: %w", err)
	}
	locked = max(locked, ipLocked)
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
		s.observer.loginFailed(ctx, username)
		events := []audit.Event{loginEvent(audit.LoginFailure, username, audit.Failure, "reason", failReason(locked))}
		if locked == 0 {
			if d, n, err := s.lockout.fail(ctx, acct, s.lockout.account); err != nil {
				s.log.ErrorContext(ctx, "recording a login failure", "error", err)
			} else if d > 0 {
				locked = d
				s.log.WarnContext(ctx, "account locked after repeated login failures", "user.name", username, "failures", n, "locked_for", d.String())
				events = append(events, loginEvent(audit.LoginLockout, username, audit.Success, "scope", "account", "failures", strconv.Itoa(n), "locked_for", d.String()))
			}
			if d, n, err := s.lockout.fail(ctx, ip, s.lockout.ip); err != nil {
				s.log.ErrorContext(ctx, "recording a login failure", "error", err)
			} else if d > 0 {
				locked = max(locked, d)
				s.log.WarnContext(ctx, "client IP locked out of login after repeated failures", "client.ip", strings.TrimPrefix(ip, "ip:"), "failures", n, "locked_for", d.String())
				events = append(events, loginEvent(audit.LoginLockout, username, audit.Success, "scope", "ip", "failures", strconv.Itoa(n), "locked_for", d.String()))
			}
		}
		for _, e := range events {
			if err := s.record(ctx, e); err != nil {
				return nil, 0, err
			}
		}
		return nil, locked, nil
	}
	// Success resets the account's count, never the IP's: one valid account
	// must not let a credential-stuffing source start over.
	if err := s.lockout.st.ResetLoginFailures(ctx, acct); err != nil {
		s.log.WarnContext(ctx, "resetting login failures", "error", err)
	}
	if err := s.record(ctx, loginEvent(audit.LoginSuccess, username, audit.Success, "user_id", user.ID)); err != nil {
		return nil, 0, err
	}
	return user, 0, nil
}

// loginEvent is a login event about username with details as key, value pairs.
func loginEvent(typ audit.Type, username string, out audit.Outcome, kv ...string) audit.Event {
	d := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i]] = kv[i+1]
	}
	return audit.Event{Type: typ, Actor: username, Subject: username, Outcome: out, Details: d}
}

// failReason says why a login failed, for the audit trail only (the client
// always hears the same answer).
func failReason(locked time.Duration) string {
	if locked > 0 {
		return "locked"
	}
	return "invalid credentials"
}
