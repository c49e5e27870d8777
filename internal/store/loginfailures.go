package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// LoginFailures is an account's run of failed logins.
type LoginFailures struct {
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time // zero: not locked
}

// LoginFailureState returns the failure run of account (zero value if none).
func (s *Store) LoginFailureState(ctx context.Context, account string) (LoginFailures, error) {
	var f LoginFailures
	var last int64
	var locked sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.Rebind("SELECT failures, last_failure_at, locked_until FROM login_failures WHERE account = ?"), account).
		Scan(&f.Failures, &last, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return LoginFailures{}, nil
	}
	if err != nil {
		return f, s.mapErr(err)
	}
	f.LastFailure, f.LockedUntil = time.UnixMicro(last).UTC(), fromMicros(locked)
	return f, nil
}

// RecordLoginFailure counts one more failure for account at time at, atomically
// across nodes. A run whose last failure is older than window starts again at 1.
// lockFor maps the new count to a lockout duration (0: none). It returns the new state.
func (s *Store) RecordLoginFailure(ctx context.Context, account string, at time.Time, window time.Duration, lockFor func(failures int) time.Duration) (LoginFailures, error) {
	var out LoginFailures
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		q := `INSERT INTO login_failures (account, failures, last_failure_at) VALUES (?, 1, ?)
			ON CONFLICT (account) DO UPDATE SET
			failures = CASE WHEN login_failures.last_failure_at < ? THEN 1 ELSE login_failures.failures + 1 END,
			last_failure_at = excluded.last_failure_at
			RETURNING failures`
		if err := tx.QueryRowContext(ctx, s.Rebind(q), account, at.UnixMicro(), at.Add(-window).UnixMicro()).Scan(&out.Failures); err != nil {
			return err
		}
		out.LastFailure = at.UTC()
		if d := lockFor(out.Failures); d > 0 {
			out.LockedUntil = at.Add(d).UTC()
			_, err := s.exec(ctx, tx, "UPDATE login_failures SET locked_until = ? WHERE account = ?", out.LockedUntil.UnixMicro(), account)
			return err
		}
		return nil
	})
	return out, err
}

// ResetLoginFailures forgets account's failures (after a successful login).
func (s *Store) ResetLoginFailures(ctx context.Context, account string) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM login_failures WHERE account = ?", account)
	return err
}
