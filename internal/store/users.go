package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// User is a person or service account that can log in.
type User struct {
	ID       string
	Username string
	// PasswordHash is a PHC or legacy-stack hash; empty means password login is off.
	PasswordHash string
	Disabled     bool
	Roles        []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  time.Time // zero when never
}

const userCols = "id, username, password_hash, disabled, created_at, updated_at, last_login_at"

func scanUser(sc scanner) (*User, error) {
	var u User
	var created, updated, last sql.NullInt64
	if err := sc.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.Disabled, &created, &updated, &last); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = fromMicros(created), fromMicros(updated), fromMicros(last)
	return &u, nil
}

// CreateUsers inserts users with their roles in one transaction: either all
// are created or none. It fails with ErrConflict (naming the username) when a
// username is taken, case-insensitively, and ErrNotFound when a role does not exist.
func (s *Store) CreateUsers(ctx context.Context, users []*User) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		known, err := s.roleNames(ctx, tx)
		if err != nil {
			return err
		}
		now := s.nowMicros()
		for _, u := range users {
			for _, r := range u.Roles {
				if !known[r] {
					return fmt.Errorf("user %q: role %q: %w", u.Username, r, ErrNotFound)
				}
			}
			_, err := s.exec(ctx, tx, "INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
				u.ID, u.Username, u.PasswordHash, u.Disabled, now, now, nullMicros(u.LastLoginAt))
			if errors.Is(err, ErrConflict) {
				return fmt.Errorf("user %q: %w", u.Username, ErrConflict)
			}
			if err != nil {
				return fmt.Errorf("creating user %q: %w", u.Username, err)
			}
			for _, r := range dedupe(u.Roles) {
				if _, err := s.exec(ctx, tx, "INSERT INTO user_roles (user_id, role) VALUES (?, ?)", u.ID, r); err != nil {
					return fmt.Errorf("granting role %q to %q: %w", r, u.Username, err)
				}
			}
			u.CreatedAt, u.UpdatedAt = time.UnixMicro(now).UTC(), time.UnixMicro(now).UTC()
		}
		return nil
	})
}

// User returns the user with the given username (matched case-insensitively), with roles.
func (s *Store) User(ctx context.Context, username string) (*User, error) {
	return s.userWhere(ctx, "lower(username) = lower(?)", username)
}

// UserByID returns the user with the given id, with roles.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*User, error) {
	row := s.db.QueryRowContext(ctx, s.Rebind("SELECT "+userCols+" FROM users WHERE "+where), arg)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %q: %w", arg, ErrNotFound)
	}
	if err != nil {
		return nil, s.mapErr(err)
	}
	roles, err := s.strings(ctx, s.db, "SELECT role FROM user_roles WHERE user_id = ? ORDER BY role", u.ID)
	u.Roles = append([]string{}, roles...)
	return u, err
}

// Users lists every user ordered by username, with roles.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	users, err := collect(ctx, s, s.db, "SELECT "+userCols+" FROM users ORDER BY lower(username)", scanUser)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		u.Roles = []string{}
		byID[u.ID] = u
	}
	rrows, err := s.db.QueryContext(ctx, "SELECT user_id, role FROM user_roles ORDER BY role")
	if err != nil {
		return nil, s.mapErr(err)
	}
	defer rrows.Close()
	for rrows.Next() {
		var id, r string
		if err := rrows.Scan(&id, &r); err != nil {
			return nil, err
		}
		if u := byID[id]; u != nil {
			u.Roles = append(u.Roles, r)
		}
	}
	return users, s.mapErr(rrows.Err())
}

// SetUserDisabled disables or re-enables a user.
func (s *Store) SetUserDisabled(ctx context.Context, username string, disabled bool) error {
	return s.updateUser(ctx, username, "disabled = ?", disabled)
}

// SetPasswordHash replaces a user's password hash (a new password, or a rehash).
func (s *Store) SetPasswordHash(ctx context.Context, username, hash string) error {
	return s.updateUser(ctx, username, "password_hash = ?", hash)
}

// ReplacePasswordHash swaps the hash only if it is still old, so a rehash on
// login never overwrites a password changed concurrently. It reports whether it swapped.
func (s *Store) ReplacePasswordHash(ctx context.Context, userID, old, new string) (bool, error) {
	r, err := s.exec(ctx, s.db, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?", new, s.nowMicros(), userID, old)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// RecordLogin sets a user's last login time.
func (s *Store) RecordLogin(ctx context.Context, userID string, at time.Time) error {
	_, err := s.exec(ctx, s.db, "UPDATE users SET last_login_at = ? WHERE id = ?", at.UnixMicro(), userID)
	return err
}

func (s *Store) updateUser(ctx context.Context, username, set string, arg any) error {
	r, err := s.exec(ctx, s.db, "UPDATE users SET "+set+", updated_at = ? WHERE lower(username) = lower(?)", arg, s.nowMicros(), username)
	if err != nil {
		return fmt.Errorf("updating user %q: %w", username, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	return nil
}

// DeleteUser deletes a user with their role grants and API keys.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	r, err := s.exec(ctx, s.db, "DELETE FROM users WHERE lower(username) = lower(?)", username)
	if err != nil {
		return fmt.Errorf("deleting user %q: %w", username, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	return nil
}

// GrantRoles gives a user roles they do not have yet; unknown roles fail with
// ErrNotFound and nothing is granted.
func (s *Store) GrantRoles(ctx context.Context, username string, roles []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := s.userIDTx(ctx, tx, username)
		if err != nil {
			return err
		}
		known, err := s.roleNames(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range dedupe(roles) {
			if !known[r] {
				return fmt.Errorf("role %q: %w", r, ErrNotFound)
			}
			q := "INSERT INTO user_roles (user_id, role) VALUES (?, ?) ON CONFLICT DO NOTHING"
			if _, err := s.exec(ctx, tx, q, u, r); err != nil {
				return err
			}
		}
		_, err = s.exec(ctx, tx, "UPDATE users SET updated_at = ? WHERE id = ?", s.nowMicros(), u)
		return err
	})
}

// RevokeRoles removes roles from a user; roles the user does not hold are ignored.
func (s *Store) RevokeRoles(ctx context.Context, username string, roles []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := s.userIDTx(ctx, tx, username)
		if err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := s.exec(ctx, tx, "DELETE FROM user_roles WHERE user_id = ? AND role = ?", u, r); err != nil {
				return err
			}
		}
		_, err = s.exec(ctx, tx, "UPDATE users SET updated_at = ? WHERE id = ?", s.nowMicros(), u)
		return err
	})
}

func (s *Store) userIDTx(ctx context.Context, tx *sql.Tx, username string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, s.Rebind("SELECT id FROM users WHERE lower(username) = lower(?)"), username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	return id, s.mapErr(err)
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

// splitList parses a space-separated column.
func splitList(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		return []string{}
	}
	return f
}
