package identity

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/store"
)

// MinPasswordLength and MaxPasswordLength bound new passwords (NIST SP 800-63B:
// at least 8, allow at least 64).
const (
	MinPasswordLength = 8
	MaxPasswordLength = 1024
)

// CheckNewPassword applies the rules for a password being set.
func CheckNewPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w password: not valid UTF-8", ErrInvalid)
	case n < MinPasswordLength:
		return fmt.Errorf("%w password: must be at least %d characters, got %d", ErrInvalid, MinPasswordLength, n)
	case len(pw) > MaxPasswordLength:
		return fmt.Errorf("%w password: must be at most %d bytes", ErrInvalid, MaxPasswordLength)
	}
	return nil
}

// CreateUser creates a user with a password (empty: no password login) and roles.
func (s *Service) CreateUser(ctx context.Context, username, pw string, roles []string) (*store.User, error) {
	if err := ValidateUsername(username); err != nil {
		return nil, err
	}
	for _, r := range roles {
		if err := ValidateRoleName(r); err != nil {
			return nil, err
		}
	}
	var hash string
	if pw != "" {
		if err := CheckNewPassword(pw); err != nil {
			return nil, err
		}
		h, err := s.hasher.Hash(pw)
		if err != nil {
			return nil, err
		}
		hash = h
	}
	id, err := s.newID("usr_")
	if err != nil {
		return nil, err
	}
	u := &store.User{ID: id, Username: username, PasswordHash: hash, Roles: roles}
	if err := s.st.CreateUsers(ctx, []*store.User{u}); err != nil {
		return nil, err
	}
	return s.st.UserByID(ctx, id)
}

// SetPassword sets a user's password.
func (s *Service) SetPassword(ctx context.Context, username, pw string) error {
	if err := CheckNewPassword(pw); err != nil {
		return err
	}
	h, err := s.hasher.Hash(pw)
	if err != nil {
		return err
	}
	return s.st.SetPasswordHash(ctx, username, h)
}

// Authenticate checks a username and password. Every failure is
// ErrInvalidCredentials and costs one password verification, whether or not
// the user exists, so neither the answer nor its timing tells them apart. A
// correct password stored under a legacy scheme or weaker parameters is
// rehashed with the current argon2id parameters.
func (s *Service) Authenticate(ctx context.Context, username, pw string) (*store.User, error) {
	u, err := s.st.User(ctx, username)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		s.hasher.DummyVerify(pw)
		return nil, ErrInvalidCredentials
	}
	if u.PasswordHash == "" {
		s.hasher.DummyVerify(pw)
		return nil, ErrInvalidCredentials
	}
	ok, rehash, err := s.hasher.Verify(u.PasswordHash, pw)
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash is unusable", "user.id", u.ID, "error", err)
		return nil, ErrInvalidCredentials
	}
	if !ok || u.Disabled {
		return nil, ErrInvalidCredentials
	}
	if rehash {
		if h, err := s.hasher.Hash(pw); err != nil {
			s.log.ErrorContext(ctx, "rehashing password", "user.id", u.ID, "error", err)
		} else if swapped, err := s.st.ReplacePasswordHash(ctx, u.ID, u.PasswordHash, h); err != nil {
			s.log.ErrorContext(ctx, "storing rehashed password", "user.id", u.ID, "error", err)
		} else if swapped {
			u.PasswordHash = h
			s.log.InfoContext(ctx, "password rehashed to argon2id", "user.id", u.ID)
		}
	}
	now := s.now()
	if err := s.st.RecordLogin(ctx, u.ID, now); err != nil {
		s.log.WarnContext(ctx, "recording login time", "user.id", u.ID, "error", err)
	}
	u.LastLoginAt = now.UTC()
	return u, nil
}

// CreateRole creates a role with permissions.
func (s *Service) CreateRole(ctx context.Context, name, description string, perms []string) (*store.Role, error) {
	if err := ValidateRoleName(name); err != nil {
		return nil, err
	}
	for _, p := range perms {
		if err := ValidatePermission(p); err != nil {
			return nil, err
		}
	}
	if err := s.st.CreateRole(ctx, &store.Role{Name: name, Description: description, Permissions: perms}); err != nil {
		return nil, err
	}
	return s.st.Role(ctx, name)
}

// UpdateRole adds and removes permissions, and replaces the description when desc is non-nil.
func (s *Service) UpdateRole(ctx context.Context, name string, add, remove []string, desc *string) (*store.Role, error) {
	for _, p := range add {
		if err := ValidatePermission(p); err != nil {
			return nil, err
		}
	}
	r, err := s.st.Role(ctx, name)
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, p := range remove {
		drop[p] = true
	}
	var perms []string
	for _, p := range append(r.Permissions, add...) {
		if !drop[p] {
			perms = append(perms, p)
		}
	}
	r.Permissions = perms
	if desc != nil {
		r.Description = *desc
	}
	if err := s.st.UpdateRole(ctx, r); err != nil {
		return nil, err
	}
	return s.st.Role(ctx, name)
}

// DummyVerify spends the work of one password verification, for answers
// that must cost the same as a real check (a locked account, say).
func (s *Service) DummyVerify(pw string) { s.hasher.DummyVerify(pw) }
