package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite result codes (https://sqlite.org/rescode.html).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteConstraint = 19
	sqliteUnique     = 2067
	sqlitePrimaryKey = 1555
	sqliteForeignKey = 787
)

// mapErr turns driver errors callers branch on into this package's sentinels,
// keeping the original error in the chain.
func (s *Store) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInUse) || errors.Is(err, ErrLocked) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == sqliteUnique || code == sqlitePrimaryKey:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case code == sqliteForeignKey:
			return fmt.Errorf("%w: %v", ErrInUse, err)
		case code&0xff == sqliteBusy || code&0xff == sqliteLocked:
			return fmt.Errorf("%w (%s; waited %s): %v", ErrLocked, s.location, "the busy timeout", err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case "23503":
			return fmt.Errorf("%w: %v", ErrInUse, err)
		}
	}
	return err
}
