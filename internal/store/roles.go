package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is a named set of permissions that users hold.
type Role struct {
	Name        string
	Description string
	Permissions []string
	Users       int // how many users hold the role (filled by Roles and Role)
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CreateRole inserts a role; ErrConflict when the name is taken.
func (s *Store) CreateRole(ctx context.Context, r *Role) error {
	now := s.nowMicros()
	_, err := s.exec(ctx, s.db, "INSERT INTO roles (name, description, permissions, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		r.Name, r.Description, strings.Join(dedupe(r.Permissions), " "), now, now)
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("role %q: %w", r.Name, ErrConflict)
	}
	return err
}

const roleQuery = `SELECT r.name, r.description, r.permissions, r.created_at, r.updated_at,
	(SELECT COUNT(*) FROM user_roles ur WHERE ur.role = r.name) FROM roles r`

func scanRole(sc scanner) (*Role, error) {
	var r Role
	var perms string
	var created, updated sql.NullInt64
	if err := sc.Scan(&r.Name, &r.Description, &perms, &created, &updated, &r.Users); err != nil {
		return nil, err
	}
	r.Permissions = splitList(perms)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

// Role returns one role.
func (s *Store) Role(ctx context.Context, name string) (*Role, error) {
	r, err := scanRole(s.db.QueryRowContext(ctx, s.Rebind(roleQuery+" WHERE r.name = ?"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("role %q: %w", name, ErrNotFound)
	}
	return r, s.mapErr(err)
}

// Roles lists every role by name.
func (s *Store) Roles(ctx context.Context) ([]*Role, error) {
	return collect(ctx, s, s.db, roleQuery+" ORDER BY r.name", scanRole)
}

// UpdateRole replaces a role's description and permissions.
func (s *Store) UpdateRole(ctx context.Context, r *Role) error {
	res, err := s.exec(ctx, s.db, "UPDATE roles SET description = ?, permissions = ?, updated_at = ? WHERE name = ?",
		r.Description, strings.Join(dedupe(r.Permissions), " "), s.nowMicros(), r.Name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("role %q: %w", r.Name, ErrNotFound)
	}
	return nil
}

// DeleteRole deletes a role. A role still held by users fails with ErrInUse
// unless force is set, in which case the grants are removed with it.
func (s *Store) DeleteRole(ctx context.Context, name string, force bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var holders int
		if err := tx.QueryRowContext(ctx, s.Rebind("SELECT COUNT(*) FROM user_roles WHERE role = ?"), name).Scan(&holders); err != nil {
			return err
		}
		if holders > 0 && !force {
			return fmt.Errorf("role %q is held by %d user(s): %w", name, holders, ErrInUse)
		}
		if _, err := s.exec(ctx, tx, "DELETE FROM user_roles WHERE role = ?", name); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, "DELETE FROM roles WHERE name = ?", name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("role %q: %w", name, ErrNotFound)
		}
		return nil
	})
}

func (s *Store) roleNames(ctx context.Context, q execer) (map[string]bool, error) {
	names, err := s.strings(ctx, q, "SELECT name FROM roles")
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m, err
}
