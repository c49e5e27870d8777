// Package store is rampart's persistence: one SQL implementation over
// database/sql that runs on SQLite (modernc.org/sqlite, the embedded default)
// and PostgreSQL (pgx), with migrations embedded in the binary.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sentinel errors callers branch on. Errors returned by Store methods wrap them.
var (
	// ErrNotFound means the requested row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a row with the same unique key already exists.
	ErrConflict = errors.New("already exists")
	// ErrInUse means the row is still referenced and cannot be deleted.
	ErrInUse = errors.New("in use")
	// ErrLocked means SQLite stayed locked by another process for the whole busy timeout.
	ErrLocked = errors.New("database is locked by another process")
)

// Dialect names the SQL flavour behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune Open. The zero value is usable.
type Options struct {
	// BusyTimeout is how long SQLite waits for a lock. Zero means 5s.
	BusyTimeout time.Duration
	// ConnectTimeout bounds the first connection to PostgreSQL. Zero means 5s.
	ConnectTimeout time.Duration
	// MaxOpenConns caps the pool. Zero means 10 (PostgreSQL) or 4 (SQLite).
	MaxOpenConns int
	// Now is the clock used for timestamps. Nil means time.Now.
	Now func() time.Time
}

// Store is the SQL implementation of every storage interface rampart uses.
// It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	dialect  Dialect
	now      func() time.Time
	location string // database location without credentials, for messages
}

// Open connects to the database named by rawURL (sqlite://PATH, sqlite:PATH,
// postgres://… or postgresql://…), checks that it answers, and returns a Store.
// It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, rawURL, opts)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, opts)
	default:
		return nil, fmt.Errorf("database url %q: unsupported scheme; expected sqlite:// or postgres://", Redact(rawURL))
	}
}

// SQLitePath returns the file path of a sqlite:// URL.
func SQLitePath(rawURL string) string {
	p := strings.TrimPrefix(rawURL, "sqlite:")
	p = strings.TrimPrefix(p, "//")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func openSQLite(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	path := SQLitePath(rawURL)
	if path == "" {
		return nil, errors.New("database url: sqlite:// needs a file path, e.g. sqlite://./rampart-data/rampart.db")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
	}
	// The database holds password hashes: create it readable by its owner only
	// (SQLite gives the -wal and -shm files the same mode).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("creating SQLite database %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 4
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s := &Store{db: db, dialect: SQLite, now: opts.Now, location: "sqlite:" + path}
	pingCtx, cancel := context.WithTimeout(ctx, opts.BusyTimeout+opts.ConnectTimeout)
	defer cancel()
	var fk int
	if err := db.QueryRowContext(pingCtx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, s.mapErr(err))
	}
	if fk != 1 {
		db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: foreign keys could not be enabled", path)
	}
	return s, nil
}

func openPostgres(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx's message may echo the URL, password included; keep only our own.
		return nil, fmt.Errorf("database url %s: not a valid PostgreSQL URL", Redact(rawURL))
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > opts.ConnectTimeout {
		cfg.ConnectTimeout = opts.ConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 10
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	loc := Redact(rawURL)
	pingCtx, cancel := context.WithTimeout(ctx, opts.ConnectTimeout)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %s", loc, redactErr(err, cfg.Password))
	}
	return &Store{db: db, dialect: Postgres, now: opts.Now, location: loc}, nil
}

// redactErr renders err with any occurrence of the password removed.
func redactErr(err error, password string) string {
	msg := err.Error()
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "xxxxx")
	}
	return msg
}

// Redact returns a database URL with any password replaced by "xxxxx".
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if i := strings.LastIndex(rawURL, "@"); i >= 0 {
			if j := strings.Index(rawURL, "://"); j >= 0 && j < i {
				return rawURL[:j+3] + "xxxxx" + rawURL[i:]
			}
		}
		return rawURL
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Location is the database location with credentials removed, for messages.
func (s *Store) Location() string { return s.location }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.mapErr(s.db.PingContext(ctx)) }

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// DB exposes the pool for packages that keep their own tables (audit, tokens).
func (s *Store) DB() *sql.DB { return s.db }

// Rebind turns ?-placeholders into the dialect's own ($1, $2 … on PostgreSQL).
// Queries in this package are written with ?, never inside string literals.
func (s *Store) Rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (s *Store) exec(ctx context.Context, q execer, query string, args ...any) (sql.Result, error) {
	r, err := q.ExecContext(ctx, s.Rebind(query), args...)
	return r, s.mapErr(err)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.mapErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.mapErr(err)
	}
	return s.mapErr(tx.Commit())
}

func (s *Store) micros(t time.Time) int64 { return t.UnixMicro() }

func (s *Store) nowMicros() int64 { return s.now().UnixMicro() }

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}
