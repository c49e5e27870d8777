package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one embedded schema change. Released migrations are never
// edited: Migrate refuses to run when an applied migration's checksum differs.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// Migrations returns the embedded migrations for a dialect, in version order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("reading embedded migrations for %s: %w", d, err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("embedded migration %s/%s: name must start with a positive version number and '_'", dir, name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("embedded migrations for %s: expected version %d, found %s", d, i+1, m.Name)
		}
	}
	return ms, nil
}

// migrationLockID is the PostgreSQL advisory lock key that serialises
// concurrent migrations from several rampart nodes.
const migrationLockID = 0x72616d70617274 // "rampart"

// Migrate applies every embedded migration the database has not seen, each in
// its own transaction, and returns how many it applied. It refuses to run when
// the database was migrated by a newer rampart or when an applied migration
// was edited after release.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(s.dialect)
	if err != nil {
		return 0, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrating %s: %w", s.location, s.mapErr(err))
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
			return 0, fmt.Errorf("migrating %s: taking the migration lock: %w", s.location, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID) //nolint:errcheck
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		checksum   TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return 0, fmt.Errorf("migrating %s: %w", s.location, s.mapErr(err))
	}
	applied := map[int]string{}
	maxApplied := 0
	rows, err := conn.QueryContext(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("migrating %s: %w", s.location, s.mapErr(err))
	}
	for rows.Next() {
		var v int
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			rows.Close()
			return 0, err
		}
		applied[v] = sum
		maxApplied = max(maxApplied, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if maxApplied > len(ms) {
		return 0, fmt.Errorf("database %s has schema version %d, newer than this rampart knows (%d); upgrade rampart — nothing was changed", s.location, maxApplied, len(ms))
	}
	n := 0
	for _, m := range ms {
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum {
				return n, fmt.Errorf("database %s: applied migration %s differs from the one in this binary (checksum %s…, expected %s…); released migrations must never be edited", s.location, m.Name, short(sum), short(m.Checksum))
			}
			continue
		}
		err := func() error {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback() //nolint:errcheck
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.Rebind("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"),
				m.Version, m.Name, m.Checksum, s.nowMicros()); err != nil {
				return err
			}
			return tx.Commit()
		}()
		if err != nil {
			return n, fmt.Errorf("applying migration %s to %s: %w", m.Name, s.location, s.mapErr(err))
		}
		n++
	}
	return n, nil
}

// SchemaVersion returns the highest applied migration version (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, s.mapErr(err)
	}
	return int(v.Int64), nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
