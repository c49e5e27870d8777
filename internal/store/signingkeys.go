package store

import (
	"context"
	"database/sql"
	"time"
)

// SigningKey is the public record of a token signing key; its private half is
// a keyring secret named "signing-key/<ID>".
type SigningKey struct {
	ID        string
	Alg       string
	CreatedAt time.Time
	ActiveAt  time.Time
	RetireAt  time.Time // zero: not scheduled
}

// SigningKeys lists every signing key, oldest first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	return collect(ctx, s, s.db, signingKeysQuery, scanSigningKey)
}

// AddSigningKey inserts a new key and updates the retirement times of others,
// in one transaction serialised across nodes, after check approves the keys
// as they are inside the transaction (so two concurrent rotations cannot both apply).
func (s *Store) AddSigningKey(ctx context.Context, check func(current []SigningKey) error, k SigningKey, retire []SigningKey) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, signingKeysLockID); err != nil {
			return err
		}
		current, err := collect(ctx, s, tx, signingKeysQuery, scanSigningKey)
		if err != nil {
			return err
		}
		if err := check(current); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO signing_keys (id, alg, created_at, active_at, retire_at) VALUES (?, ?, ?, ?, ?)",
			k.ID, k.Alg, k.CreatedAt.UnixMicro(), k.ActiveAt.UnixMicro(), nullMicros(k.RetireAt)); err != nil {
			return err
		}
		for _, r := range retire {
			if _, err := s.exec(ctx, tx, "UPDATE signing_keys SET retire_at = ? WHERE id = ?", nullMicros(r.RetireAt), r.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

const signingKeysLockID = 0x72616d707369676e // "rampsign"

const signingKeysQuery = "SELECT id, alg, created_at, active_at, retire_at FROM signing_keys ORDER BY created_at, id"

func scanSigningKey(sc scanner) (SigningKey, error) {
	var k SigningKey
	var created, active int64
	var retire sql.NullInt64
	err := sc.Scan(&k.ID, &k.Alg, &created, &active, &retire)
	k.CreatedAt, k.ActiveAt, k.RetireAt = time.UnixMicro(created).UTC(), time.UnixMicro(active).UTC(), fromMicros(retire)
	return k, err
}
