// Package testenv gives tests the real services they need (PostgreSQL,
// Redis), each test in its own schema or key prefix, cleaned up afterwards.
// Without the service's RAMPART_TEST_* variable a test skips with the reason;
// with RAMPART_REQUIRE_SERVICES=1 it fails instead, so CI never passes by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Required reports whether RAMPART_REQUIRE_SERVICES=1.
func Required() bool { return os.Getenv("RAMPART_REQUIRE_SERVICES") == "1" }

// Unavailable skips t with reason, or fails it when services are required.
func Unavailable(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("RAMPART_REQUIRE_SERVICES=1 but %s", reason)
	}
	t.Skipf("skipping: %s", reason)
}

// PostgresURL returns a URL to a fresh, empty schema on the test PostgreSQL
// server (RAMPART_TEST_POSTGRES_URL); the schema is dropped when t ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("RAMPART_TEST_POSTGRES_URL")
	if base == "" {
		Unavailable(t, "RAMPART_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("RAMPART_TEST_POSTGRES_URL: %v", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if Required() {
			t.Fatalf("PostgreSQL at RAMPART_TEST_POSTGRES_URL is unreachable: %v", err)
		}
		t.Skipf("skipping: PostgreSQL at RAMPART_TEST_POSTGRES_URL is unreachable: %v", err)
	}
	schema := "rampart_test_" + randHex(6)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("RAMPART_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Databases runs fn once against a fresh SQLite file and once against a fresh
// PostgreSQL schema, as subtests "sqlite" and "postgres", passing the database URL.
func Databases(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, "sqlite://"+filepath.Join(t.TempDir(), "rampart.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, PostgresURL(t))
	})
}
