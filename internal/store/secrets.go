package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DataKeyWrap is a data key encrypted under one master key.
type DataKeyWrap struct {
	DataKeyID         string
	MasterFingerprint string
	Wrapped           []byte
}

// MasterKeys returns the fingerprints of the master keys the database knows.
func (s *Store) MasterKeys(ctx context.Context) ([]string, error) {
	return s.strings(ctx, s.db, "SELECT fingerprint FROM master_keys ORDER BY created_at, fingerprint")
}

// InitMasterKey registers the first master key with its first data key, in
// one transaction. It fails with ErrConflict if any master key exists, so two
// nodes starting at once on a new database cannot both initialise it.
func (s *Store) InitMasterKey(ctx context.Context, fingerprint string, first DataKeyWrap) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, keyringLockID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM master_keys").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("master key already initialised: %w", ErrConflict)
		}
		now := s.nowMicros()
		if _, err := s.exec(ctx, tx, "INSERT INTO master_keys (fingerprint, created_at) VALUES (?, ?)", fingerprint, now); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, "INSERT INTO data_keys (id, created_at) VALUES (?, ?)", first.DataKeyID, now); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, "INSERT INTO data_key_wraps (data_key_id, master_fingerprint, wrapped) VALUES (?, ?, ?)",
			first.DataKeyID, fingerprint, first.Wrapped)
		return err
	})
}

// DataKeyIDs lists every data key id, oldest first.
func (s *Store) DataKeyIDs(ctx context.Context) ([]string, error) {
	return s.strings(ctx, s.db, "SELECT id FROM data_keys ORDER BY created_at, id")
}

// DataKeyWraps returns every data key wrapped under the given master key.
func (s *Store) DataKeyWraps(ctx context.Context, fingerprint string) ([]DataKeyWrap, error) {
	return collect(ctx, s, s.db, `SELECT w.data_key_id, w.master_fingerprint, w.wrapped
		FROM data_key_wraps w JOIN data_keys d ON d.id = w.data_key_id
		WHERE w.master_fingerprint = ? ORDER BY d.created_at, d.id`, func(sc scanner) (DataKeyWrap, error) {
		var w DataKeyWrap
		err := sc.Scan(&w.DataKeyID, &w.MasterFingerprint, &w.Wrapped)
		return w, err
	}, fingerprint)
}

// AddMasterKey registers a new master key and its wraps of existing data keys
// in one transaction; data and the old wraps are untouched, so nodes still on
// the old master key keep working.
func (s *Store) AddMasterKey(ctx context.Context, fingerprint string, wraps []DataKeyWrap) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, keyringLockID); err != nil {
			return err
		}
		q := "INSERT INTO master_keys (fingerprint, created_at) VALUES (?, ?) ON CONFLICT (fingerprint) DO NOTHING"
		if _, err := s.exec(ctx, tx, q, fingerprint, s.nowMicros()); err != nil {
			return err
		}
		var ids int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM data_keys").Scan(&ids); err != nil {
			return err
		}
		if ids != len(wraps) {
			return fmt.Errorf("re-wrapping: %d data keys exist but %d wraps were given (another node added a key; retry)", ids, len(wraps))
		}
		for _, w := range wraps {
			q := `INSERT INTO data_key_wraps (data_key_id, master_fingerprint, wrapped) VALUES (?, ?, ?)
				ON CONFLICT (data_key_id, master_fingerprint) DO UPDATE SET wrapped = excluded.wrapped`
			if _, err := s.exec(ctx, tx, q, w.DataKeyID, fingerprint, w.Wrapped); err != nil {
				return err
			}
		}
		return nil
	})
}

// RetireMasterKeys deletes every master key except keep, with its wraps. It
// refuses unless every data key is wrapped under keep.
func (s *Store) RetireMasterKeys(ctx context.Context, keep string) (int, error) {
	var retired int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var missing int
		q := `SELECT COUNT(*) FROM data_keys d WHERE NOT EXISTS
			(SELECT 1 FROM data_key_wraps w WHERE w.data_key_id = d.id AND w.master_fingerprint = ?)`
		if err := tx.QueryRowContext(ctx, s.Rebind(q), keep).Scan(&missing); err != nil {
			return err
		}
		if missing > 0 {
			return fmt.Errorf("%d data key(s) are not wrapped under master key %s; run rotate-master first", missing, keep)
		}
		res, err := s.exec(ctx, tx, "DELETE FROM master_keys WHERE fingerprint <> ?", keep)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		retired = int(n)
		return nil
	})
	return retired, err
}

// PutSecret stores (or replaces) an encrypted secret under its name.
func (s *Store) PutSecret(ctx context.Context, name, dataKeyID string, ciphertext []byte) error {
	now := s.nowMicros()
	q := `INSERT INTO secrets (name, data_key_id, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET data_key_id = excluded.data_key_id, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`
	_, err := s.exec(ctx, s.db, q, name, dataKeyID, ciphertext, now, now)
	return err
}

// InsertSecret stores a secret only if none exists under the name; it
// reports whether it inserted, so concurrent creators agree on one value.
func (s *Store) InsertSecret(ctx context.Context, name, dataKeyID string, ciphertext []byte) (bool, error) {
	now := s.nowMicros()
	q := `INSERT INTO secrets (name, data_key_id, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`
	res, err := s.exec(ctx, s.db, q, name, dataKeyID, ciphertext, now, now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Secret returns an encrypted secret and the id of the data key it is sealed with.
func (s *Store) Secret(ctx context.Context, name string) (dataKeyID string, ciphertext []byte, err error) {
	err = s.db.QueryRowContext(ctx, s.Rebind("SELECT data_key_id, ciphertext FROM secrets WHERE name = ?"), name).Scan(&dataKeyID, &ciphertext)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, fmt.Errorf("secret %q: %w", name, ErrNotFound)
	}
	return dataKeyID, ciphertext, s.mapErr(err)
}

// SecretNames lists the names of stored secrets.
func (s *Store) SecretNames(ctx context.Context) ([]string, error) {
	return s.strings(ctx, s.db, "SELECT name FROM secrets ORDER BY name")
}

// keyringLockID serialises keyring changes across nodes on PostgreSQL.
const keyringLockID = 0x72616d706b6579 // "rampkey"

// lockTx takes a transaction-scoped lock. On SQLite every write transaction
// already holds the database write lock (BEGIN IMMEDIATE), so it does nothing.
func (s *Store) lockTx(ctx context.Context, tx *sql.Tx, id int64) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", id)
	return err
}
