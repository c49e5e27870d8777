package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIKey is the stored half of an API key: never the secret, only its keyed hash.
type APIKey struct {
	ID         string
	UserID     string
	Username   string // filled on reads
	Name       string
	SecretHash []byte
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: active
}

// CreateAPIKey stores a new key; ErrConflict if the id is taken.
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	k.CreatedAt = time.UnixMicro(s.nowMicros()).UTC()
	_, err := s.exec(ctx, s.db, `INSERT INTO api_keys (id, user_id, name, secret_hash, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.SecretHash, strings.Join(k.Scopes, " "), k.CreatedAt.UnixMicro(), nullMicros(k.ExpiresAt))
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("api key %q: %w", k.ID, ErrConflict)
	}
	return err
}

const apiKeyQuery = `SELECT k.id, k.user_id, u.username, k.name, k.secret_hash, k.scopes, k.created_at,
	k.expires_at, k.last_used_at, k.revoked_at FROM api_keys k JOIN users u ON u.id = k.user_id`

func scanAPIKey(sc scanner) (*APIKey, error) {
	var k APIKey
	var scopes string
	var created, expires, used, revoked sql.NullInt64
	if err := sc.Scan(&k.ID, &k.UserID, &k.Username, &k.Name, &k.SecretHash, &scopes, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	k.Scopes = splitList(scopes)
	k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt = fromMicros(created), fromMicros(expires), fromMicros(used), fromMicros(revoked)
	return &k, nil
}

// APIKey returns one key by id.
func (s *Store) APIKey(ctx context.Context, id string) (*APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, s.Rebind(apiKeyQuery+" WHERE k.id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("api key %q: %w", id, ErrNotFound)
	}
	return k, s.mapErr(err)
}

// APIKeys lists keys, newest first; a non-empty username limits it to that user's keys.
func (s *Store) APIKeys(ctx context.Context, username string) ([]*APIKey, error) {
	q, args := apiKeyQuery, []any{}
	if username != "" {
		q += " WHERE lower(u.username) = lower(?)"
		args = append(args, username)
	}
	return collect(ctx, s, s.db, q+" ORDER BY k.created_at DESC, k.id", scanAPIKey, args...)
}

// RevokeAPIKey marks a key revoked. Revoking twice keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string) error {
	res, err := s.exec(ctx, s.db, "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", s.nowMicros(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("api key %q: %w", id, ErrNotFound)
	}
	return nil
}

// TouchAPIKey records a use of the key.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", at.UnixMicro(), id)
	return err
}
