package store

import (
	"context"
	"database/sql"
)

type scanner interface{ Scan(...any) error }

// collect runs query and scans every row with scan.
func collect[T any](ctx context.Context, s *Store, q execer, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, s.Rebind(query), args...)
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, s.mapErr(rows.Err())
}

// strings runs a one-column query of strings.
func (s *Store) strings(ctx context.Context, q execer, query string, args ...any) ([]string, error) {
	return collect(ctx, s, q, query, func(sc scanner) (string, error) {
		var v string
		err := sc.Scan(&v)
		return v, err
	}, args...)
}

var _ execer = (*sql.DB)(nil) // and *sql.Tx, *sql.Conn
