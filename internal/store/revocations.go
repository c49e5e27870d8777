package store

import (
	"context"
	"time"
)

// Revocation kinds.
const (
	RevokedToken  = "jti"     // one access token
	RevokedFamily = "family"  // every token of one grant (refresh family)
	RevokedClient = "client"  // every token issued to a (deleted) client
	RevokedUser   = "subject" // every token issued to a subject before RevokedAt
)

// Revocation is one deny-list entry. It can be dropped after ExpiresAt, when
// no token it could match is still valid.
type Revocation struct {
	Kind      string
	Value     string
	RevokedAt time.Time
	ExpiresAt time.Time
}

// NewRevocation is an entry made at now that must outlive every token it
// could match: the longest token lifetime, plus a minute for clock skew.
func NewRevocation(kind, value string, now time.Time, longestToken time.Duration) Revocation {
	return Revocation{Kind: kind, Value: value, RevokedAt: now, ExpiresAt: now.Add(longestToken + time.Minute)}
}

// Revoke adds or extends a deny-list entry.
func (s *Store) Revoke(ctx context.Context, r Revocation) error {
	q := `INSERT INTO revocations (kind, value, revoked_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, value) DO UPDATE SET revoked_at = excluded.revoked_at,
		expires_at = CASE WHEN excluded.expires_at > revocations.expires_at THEN excluded.expires_at ELSE revocations.expires_at END`
	_, err := s.exec(ctx, s.db, q, r.Kind, r.Value, r.RevokedAt.UnixMicro(), r.ExpiresAt.UnixMicro())
	return err
}

// Revocations returns every entry that has not expired at t.
func (s *Store) Revocations(ctx context.Context, t time.Time) ([]Revocation, error) {
	return collect(ctx, s, s.db, "SELECT kind, value, revoked_at, expires_at FROM revocations WHERE expires_at >= ?",
		func(sc scanner) (Revocation, error) {
			var r Revocation
			var at, exp int64
			err := sc.Scan(&r.Kind, &r.Value, &at, &exp)
			r.RevokedAt, r.ExpiresAt = time.UnixMicro(at).UTC(), time.UnixMicro(exp).UTC()
			return r, err
		}, t.UnixMicro())
}

// PruneRevocations deletes entries that expired before t.
func (s *Store) PruneRevocations(ctx context.Context, t time.Time) (int, error) {
	res, err := s.exec(ctx, s.db, "DELETE FROM revocations WHERE expires_at < ?", t.UnixMicro())
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
