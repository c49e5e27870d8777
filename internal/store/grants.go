package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Grant kinds stored in oauth_sessions.
const (
	GrantCode    = "code"
	GrantPKCE    = "pkce"
	GrantOIDC    = "oidc"
	GrantRefresh = "refresh"
)

// Grant is a stored authorization request: an authorization code, a PKCE
// challenge, an OpenID Connect request or a refresh token, keyed by the
// token's signature. Data is the serialised request.
type Grant struct {
	Kind      string
	Signature string
	RequestID string
	ClientID  string
	Subject   string
	Active    bool
	Data      []byte
	ExpiresAt time.Time
	CreatedAt time.Time
}

// CreateGrant stores a grant.
func (s *Store) CreateGrant(ctx context.Context, g *Grant) error {
	_, err := s.exec(ctx, s.db, `INSERT INTO oauth_sessions (kind, signature, request_id, client_id, subject, active, data, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.Kind, g.Signature, g.RequestID, g.ClientID, g.Subject, true, string(g.Data), g.ExpiresAt.UnixMicro(), s.nowMicros())
	return err
}

// Grant returns one grant, active or not.
func (s *Store) Grant(ctx context.Context, kind, signature string) (*Grant, error) {
	var g Grant
	var data string
	var exp, created int64
	err := s.db.QueryRowContext(ctx, s.Rebind(`SELECT kind, signature, request_id, client_id, subject, active, data, expires_at, created_at
		FROM oauth_sessions WHERE kind = ? AND signature = ?`), kind, signature).
		Scan(&g.Kind, &g.Signature, &g.RequestID, &g.ClientID, &g.Subject, &g.Active, &data, &exp, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s grant: %w", kind, ErrNotFound)
	}
	if err != nil {
		return nil, s.mapErr(err)
	}
	g.Data, g.ExpiresAt, g.CreatedAt = []byte(data), time.UnixMicro(exp).UTC(), time.UnixMicro(created).UTC()
	return &g, nil
}

// DeactivateGrant marks an active grant used. It reports false when the
// grant was already inactive or missing, so of two concurrent uses of one
// code or refresh token exactly one wins.
func (s *Store) DeactivateGrant(ctx context.Context, kind, signature string) (bool, error) {
	res, err := s.exec(ctx, s.db, "UPDATE oauth_sessions SET active = ? WHERE kind = ? AND signature = ? AND active = ?", false, kind, signature, true)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeactivateRequestGrants marks every grant of kind issued under requestID
// used (a refresh token family on reuse or revocation). It returns how many changed.
func (s *Store) DeactivateRequestGrants(ctx context.Context, kind, requestID string) (int, error) {
	res, err := s.exec(ctx, s.db, "UPDATE oauth_sessions SET active = ? WHERE kind = ? AND request_id = ? AND active = ?", false, kind, requestID, true)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteGrant removes one grant.
func (s *Store) DeleteGrant(ctx context.Context, kind, signature string) error {
	_, err := s.exec(ctx, s.db, "DELETE FROM oauth_sessions WHERE kind = ? AND signature = ?", kind, signature)
	return err
}

// DeleteExpiredGrants removes grants that expired before t and returns how many.
func (s *Store) DeleteExpiredGrants(ctx context.Context, t time.Time) (int, error) {
	res, err := s.exec(ctx, s.db, "DELETE FROM oauth_sessions WHERE expires_at < ?", t.UnixMicro())
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeactivateSubjectGrants spends every active grant held for subject (a
// disabled user's refresh tokens) and returns how many.
func (s *Store) DeactivateSubjectGrants(ctx context.Context, subject string) (int, error) {
	res, err := s.exec(ctx, s.db, "UPDATE oauth_sessions SET active = ? WHERE subject = ? AND active = ?", false, subject, true)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
