package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/store/storetest"
	"github.com/rampart-sec/rampart/internal/testenv"
)

func openSQLite(t *testing.T) *store.Store {
	return storetest.Open(t, "sqlite://"+filepath.Join(t.TempDir(), "rampart.db"))
}

func openPostgres(t *testing.T) *store.Store { return storetest.Open(t, testenv.PostgresURL(t)) }

func TestSQLite(t *testing.T)   { storetest.Run(t, openSQLite) }
func TestPostgres(t *testing.T) { storetest.Run(t, openPostgres) }

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) || len(lite) == 0 {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, lite[i].Name, pg[i].Name)
		}
	}
}

// Released migrations are never edited: these checksums pin them.
func TestReleasedMigrationsUnchanged(t *testing.T) {
	pinned := map[store.Dialect]map[string]string{
		store.SQLite: {"0001_identities": "2bfb796559ca82bbcffbd0951ca63e49a62018306bda1f4cd1720af09473dd81", "0002_oauth": "ded05875fe78409b3cde97147e971414b3066866a3adf19b34f44e01d8e1a847",
			"0003_audit": "21d23cb6ee43bc69785ea9ee781164d070d6a8f3ecacdf349c93c2068b35faba"},
		store.Postgres: {"0001_identities": "abde21f444a542cb5383979b49937dd177d155890b361905aa1e105db78f72d7", "0002_oauth": "d379a703b29e83d8405cf9fa8e3db53af1cac8084f4f8e22b1c0a90e0c85b4d5",
			"0003_audit": "f22684976d3b37e45d744ffa84a220cd32ccb04038685683eaba2c4beeb45dba"},
	}
	for d, want := range pinned {
		ms, err := store.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if sum, ok := want[m.Name]; ok && sum != m.Checksum {
				t.Errorf("%s migration %s was edited after release (checksum %s, pinned %s); add a new migration instead", d, m.Name, m.Checksum, sum)
			}
		}
	}
}

func TestMigrateRefusesEditedMigration(t *testing.T) {
	s := openSQLite(t)
	if _, err := s.DB().Exec("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "must never be edited") {
		t.Fatalf("Migrate = %v, want edited-migration error", err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	s := openSQLite(t)
	if _, err := s.DB().Exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 0)"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "newer than this rampart") {
		t.Fatalf("Migrate = %v, want newer-schema error", err)
	}
}

func TestSQLitePragmas(t *testing.T) {
	s := openSQLite(t)
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := s.DB().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

// A database held locked by another process yields a clear ErrLocked after
// the busy timeout, not a hang and not a cryptic driver code.
func TestSQLiteLockedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rampart.db")
	ctx := context.Background()
	a, err := store.Open(ctx, "sqlite://"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Another connection (as another process would) takes the write lock and keeps it.
	holder, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK") //nolint:errcheck

	b, err := store.Open(ctx, "sqlite://"+path, store.Options{BusyTimeout: 200 * time.Millisecond})
	if err == nil {
		defer b.Close()
		err = b.CreateUsers(ctx, []*store.User{{ID: "usr_1", Username: "alice"}})
	}
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("write to a locked database: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("message %q does not say what is wrong", err)
	}
}

func TestPostgresUnreachable(t *testing.T) {
	start := time.Now()
	_, err := store.Open(context.Background(), "postgres://rampart:hunter2secret@127.0.0.1:1/db?sslmode=disable", store.Options{ConnectTimeout: 2 * time.Second})
	if err == nil {
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "cannot reach PostgreSQL at") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Fatalf("message %q does not say what is wrong", msg)
	}
	if strings.Contains(msg, "hunter2secret") {
		t.Fatalf("message leaks the password: %q", msg)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %v; connect timeout not honoured", time.Since(start))
	}
}

func TestUnsupportedURL(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://root:pw@localhost/db", store.Options{})
	if err == nil || !strings.Contains(err.Error(), "unsupported scheme") || strings.Contains(err.Error(), ":pw@") {
		t.Fatalf("Open(mysql) = %v", err)
	}
}

func TestRebind(t *testing.T) {
	s := openSQLite(t)
	if got := s.Rebind("a = ? AND b = ?"); got != "a = ? AND b = ?" {
		t.Fatalf("sqlite Rebind = %q", got)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h:5432/db":      "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db?password=secret":  "postgres://u@h/db?password=xxxxx",
		"sqlite://./rampart-data/rampart.db": "sqlite://./rampart-data/rampart.db",
		"postgres://u:sec%zzret@h/db":        "postgres://xxxxx@h/db",
	} {
		if got := store.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
