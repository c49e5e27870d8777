// Package storetest is the conformance suite every Store backend passes:
// the same tests run against SQLite and PostgreSQL.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
)

// Run runs the suite. newStore returns a migrated, empty store private to t.
func Run(t *testing.T, newStore func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"MigrateIsIdempotent", testMigrateIdempotent},
		{"UsersCRUD", testUsersCRUD},
		{"UsernameUniqueCaseInsensitive", testUsernameUnique},
		{"CreateUsersIsAllOrNothing", testCreateUsersAtomic},
		{"UnknownRole", testUnknownRole},
		{"RolesCRUD", testRolesCRUD},
		{"DeleteRoleInUse", testDeleteRoleInUse},
		{"GrantRevoke", testGrantRevoke},
		{"ReplacePasswordHashIsCompareAndSwap", testReplaceHash},
		{"APIKeys", testAPIKeys},
		{"DeleteUserCascades", testDeleteUserCascades},
		{"Secrets", testSecrets},
		{"MasterKeyInitOnce", testMasterKeyInitOnce},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Clients", testClients},
		{"Grants", testGrants},
		{"Revocations", testRevocations},
		{"SigningKeys", testSigningKeys},
		{"LoginFailures", testLoginFailures},
		{"AuditAppendAndQuery", testAuditAppendAndQuery},
		{"AuditConcurrentAppendsNeverFork", testAuditConcurrent},
		{"AuditAppendRefusesStaleSeal", testAuditStaleSeal},
		{"AuditWalkPages", testAuditWalk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

var ctx = context.Background()

func mustUser(t *testing.T, s *store.Store, name string, roles ...string) *store.User {
	t.Helper()
	u := &store.User{ID: "usr_" + name, Username: name, PasswordHash: "$argon2id$x", Roles: roles}
	if err := s.CreateUsers(ctx, []*store.User{u}); err != nil {
		t.Fatalf("CreateUsers(%s): %v", name, err)
	}
	return u
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func testMigrateIdempotent(t *testing.T, s *store.Store) {
	n, err := s.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := store.Migrations(s.Dialect())
	if v != len(ms) {
		t.Fatalf("schema version %d, want %d", v, len(ms))
	}
}

func testUsersCRUD(t *testing.T, s *store.Store) {
	mustUser(t, s, "alice", "admin")
	mustUser(t, s, "bob")
	u, err := s.User(ctx, "ALICE")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "alice" || len(u.Roles) != 1 || u.Roles[0] != "admin" || u.Disabled || u.CreatedAt.IsZero() {
		t.Fatalf("User(alice) = %+v", u)
	}
	if err := s.SetUserDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByID(ctx, u.ID)
	if !u.Disabled {
		t.Fatal("alice not disabled")
	}
	users, err := s.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Username != "alice" || users[1].Username != "bob" {
		t.Fatalf("Users = %v, %v", users, err)
	}
	if len(users[1].Roles) != 0 || users[1].Roles == nil {
		t.Fatalf("bob roles = %#v, want empty non-nil", users[1].Roles)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	if err := s.RecordLogin(ctx, u.ID, at); err != nil {
		t.Fatal(err)
	}
	u, _ = s.UserByID(ctx, u.ID)
	if !u.LastLoginAt.Equal(at) {
		t.Fatalf("LastLoginAt = %v, want %v", u.LastLoginAt, at)
	}
	if err := s.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err = s.User(ctx, "bob")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteUser(ctx, "bob"), store.ErrNotFound)
	wantErr(t, s.SetUserDisabled(ctx, "nobody", true), store.ErrNotFound)
	wantErr(t, s.SetPasswordHash(ctx, "nobody", "x"), store.ErrNotFound)
}

func testUsernameUnique(t *testing.T, s *store.Store) {
	mustUser(t, s, "alice")
	err := s.CreateUsers(ctx, []*store.User{{ID: "usr_2", Username: "Alice"}})
	wantErr(t, err, store.ErrConflict)
}

func testCreateUsersAtomic(t *testing.T, s *store.Store) {
	mustUser(t, s, "carol")
	batch := []*store.User{
		{ID: "usr_a", Username: "a1"},
		{ID: "usr_b", Username: "b1"},
		{ID: "usr_c", Username: "carol"}, // conflict at the end
	}
	wantErr(t, s.CreateUsers(ctx, batch), store.ErrConflict)
	users, _ := s.Users(ctx)
	if len(users) != 1 {
		t.Fatalf("after failed batch: %d users, want 1 (nothing half-written)", len(users))
	}
}

func testUnknownRole(t *testing.T, s *store.Store) {
	err := s.CreateUsers(ctx, []*store.User{{ID: "usr_x", Username: "x", Roles: []string{"ghost"}}})
	wantErr(t, err, store.ErrNotFound)
	if _, err := s.User(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("user created despite unknown role: %v", err)
	}
}

func testRolesCRUD(t *testing.T, s *store.Store) {
	admin, err := s.Role(ctx, "admin")
	if err != nil || len(admin.Permissions) != 1 || admin.Permissions[0] != "*" {
		t.Fatalf("built-in admin role = %+v, %v", admin, err)
	}
	r := &store.Role{Name: "editor", Description: "edits", Permissions: []string{"data:write", "data:read", "data:read"}}
	if err := s.CreateRole(ctx, r); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.CreateRole(ctx, r), store.ErrConflict)
	got, err := s.Role(ctx, "editor")
	if err != nil || fmt.Sprint(got.Permissions) != "[data:read data:write]" || got.Description != "edits" {
		t.Fatalf("Role(editor) = %+v, %v", got, err)
	}
	got.Permissions = []string{"data:read"}
	if err := s.UpdateRole(ctx, got); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Role(ctx, "editor")
	if fmt.Sprint(got.Permissions) != "[data:read]" {
		t.Fatalf("after update: %v", got.Permissions)
	}
	roles, err := s.Roles(ctx)
	if err != nil || len(roles) != 2 || roles[0].Name != "admin" || roles[1].Name != "editor" {
		t.Fatalf("Roles = %v, %v", roles, err)
	}
	wantErr(t, s.UpdateRole(ctx, &store.Role{Name: "ghost"}), store.ErrNotFound)
	if err := s.DeleteRole(ctx, "editor", false); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteRole(ctx, "editor", false), store.ErrNotFound)
}

func testDeleteRoleInUse(t *testing.T, s *store.Store) {
	if err := s.CreateRole(ctx, &store.Role{Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "dave", "ops")
	wantErr(t, s.DeleteRole(ctx, "ops", false), store.ErrInUse)
	r, _ := s.Role(ctx, "ops")
	if r.Users != 1 {
		t.Fatalf("ops held by %d, want 1", r.Users)
	}
	if err := s.DeleteRole(ctx, "ops", true); err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, "dave")
	if len(u.Roles) != 0 {
		t.Fatalf("dave still has %v", u.Roles)
	}
}

func testGrantRevoke(t *testing.T, s *store.Store) {
	if err := s.CreateRole(ctx, &store.Role{Name: "viewer"}); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "erin")
	if err := s.GrantRoles(ctx, "erin", []string{"viewer", "admin", "viewer"}); err != nil {
		t.Fatal(err)
	}
	if err := s.GrantRoles(ctx, "erin", []string{"viewer"}); err != nil {
		t.Fatalf("granting a held role again: %v", err)
	}
	wantErr(t, s.GrantRoles(ctx, "erin", []string{"viewer", "ghost"}), store.ErrNotFound)
	wantErr(t, s.GrantRoles(ctx, "nobody", []string{"viewer"}), store.ErrNotFound)
	u, _ := s.User(ctx, "erin")
	if fmt.Sprint(u.Roles) != "[admin viewer]" {
		t.Fatalf("roles = %v", u.Roles)
	}
	if err := s.RevokeRoles(ctx, "erin", []string{"admin", "never-held"}); err != nil {
		t.Fatal(err)
	}
	u, _ = s.User(ctx, "erin")
	if fmt.Sprint(u.Roles) != "[viewer]" {
		t.Fatalf("roles = %v", u.Roles)
	}
}

func testReplaceHash(t *testing.T, s *store.Store) {
	u := mustUser(t, s, "frank")
	ok, err := s.ReplacePasswordHash(ctx, u.ID, "$argon2id$x", "$argon2id$y")
	if err != nil || !ok {
		t.Fatalf("ReplacePasswordHash = %v, %v", ok, err)
	}
	ok, err = s.ReplacePasswordHash(ctx, u.ID, "$argon2id$x", "$argon2id$z")
	if err != nil || ok {
		t.Fatalf("stale ReplacePasswordHash = %v, %v; want false", ok, err)
	}
	got, _ := s.User(ctx, "frank")
	if got.PasswordHash != "$argon2id$y" {
		t.Fatalf("hash = %q", got.PasswordHash)
	}
}

func testAPIKeys(t *testing.T, s *store.Store) {
	u := mustUser(t, s, "gina")
	exp := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Microsecond)
	k := &store.APIKey{ID: "k1", UserID: u.ID, Name: "ci", SecretHash: []byte{1, 2, 3}, Scopes: []string{"data:read"}, ExpiresAt: exp}
	if err := s.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.CreateAPIKey(ctx, k), store.ErrConflict)
	if err := s.CreateAPIKey(ctx, &store.APIKey{ID: "k2", UserID: u.ID, SecretHash: []byte{4}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.APIKey(ctx, "k1")
	if err != nil || got.Username != "gina" || !bytes.Equal(got.SecretHash, []byte{1, 2, 3}) || !got.ExpiresAt.Equal(exp) || fmt.Sprint(got.Scopes) != "[data:read]" {
		t.Fatalf("APIKey = %+v, %v", got, err)
	}
	if err := s.TouchAPIKey(ctx, "k1", exp); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.APIKey(ctx, "k1")
	if got.RevokedAt.IsZero() || !got.LastUsedAt.Equal(exp) {
		t.Fatalf("after revoke+touch: %+v", got)
	}
	first := got.RevokedAt
	if err := s.RevokeAPIKey(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.APIKey(ctx, "k1")
	if !got.RevokedAt.Equal(first) {
		t.Fatal("second revoke changed revoked_at")
	}
	wantErr(t, s.RevokeAPIKey(ctx, "nope"), store.ErrNotFound)
	keys, err := s.APIKeys(ctx, "GINA")
	if err != nil || len(keys) != 2 {
		t.Fatalf("APIKeys = %v, %v", keys, err)
	}
	if keys, _ := s.APIKeys(ctx, "nobody"); len(keys) != 0 {
		t.Fatalf("nobody's keys = %v", keys)
	}
	err = s.CreateAPIKey(ctx, &store.APIKey{ID: "k3", UserID: "usr_ghost", SecretHash: []byte{5}})
	wantErr(t, err, store.ErrInUse) // foreign key: no such user
}

func testDeleteUserCascades(t *testing.T, s *store.Store) {
	u := mustUser(t, s, "hank", "admin")
	if err := s.CreateAPIKey(ctx, &store.APIKey{ID: "kh", UserID: u.ID, SecretHash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "hank"); err != nil {
		t.Fatal(err)
	}
	_, err := s.APIKey(ctx, "kh")
	wantErr(t, err, store.ErrNotFound)
	r, _ := s.Role(ctx, "admin")
	if r.Users != 0 {
		t.Fatalf("admin still held by %d", r.Users)
	}
}

func testSecrets(t *testing.T, s *store.Store) {
	if err := s.InitMasterKey(ctx, "fp1", store.DataKeyWrap{DataKeyID: "dk1", Wrapped: []byte("w1")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecret(ctx, "a", "dk1", []byte("c1")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSecret(ctx, "a", "dk1", []byte("c2")); err != nil {
		t.Fatal(err)
	}
	ins, err := s.InsertSecret(ctx, "a", "dk1", []byte("c3"))
	if err != nil || ins {
		t.Fatalf("InsertSecret over existing = %v, %v; want false", ins, err)
	}
	id, ct, err := s.Secret(ctx, "a")
	if err != nil || id != "dk1" || string(ct) != "c2" {
		t.Fatalf("Secret = %q %q %v", id, ct, err)
	}
	_, _, err = s.Secret(ctx, "b")
	wantErr(t, err, store.ErrNotFound)
	if err := s.PutSecret(ctx, "b", "dk-none", []byte("x")); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("secret under unknown data key: %v, want foreign key error", err)
	}
	if err := s.AddMasterKey(ctx, "fp2", []store.DataKeyWrap{{DataKeyID: "dk1", Wrapped: []byte("w2")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMasterKey(ctx, "fp3", nil); err == nil {
		t.Fatal("AddMasterKey with missing wraps succeeded")
	}
	fps, _ := s.MasterKeys(ctx)
	if fmt.Sprint(fps) != "[fp1 fp2]" {
		t.Fatalf("master keys = %v (a failed AddMasterKey must not leave a row)", fps)
	}
	ws, err := s.DataKeyWraps(ctx, "fp2")
	if err != nil || len(ws) != 1 || string(ws[0].Wrapped) != "w2" {
		t.Fatalf("wraps = %v, %v", ws, err)
	}
	n, err := s.RetireMasterKeys(ctx, "fp2")
	if err != nil || n != 1 {
		t.Fatalf("RetireMasterKeys = %d, %v", n, err)
	}
	if ws, _ := s.DataKeyWraps(ctx, "fp1"); len(ws) != 0 {
		t.Fatal("retired key's wraps remain")
	}
	if _, err := s.RetireMasterKeys(ctx, "fp-unknown"); err == nil {
		t.Fatal("retiring everything but a key that wraps nothing succeeded")
	}
	names, _ := s.SecretNames(ctx)
	if fmt.Sprint(names) != "[a]" {
		t.Fatalf("names = %v", names)
	}
}

func testMasterKeyInitOnce(t *testing.T, s *store.Store) {
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InitMasterKey(ctx, fmt.Sprintf("fp%d", i), store.DataKeyWrap{DataKeyID: fmt.Sprintf("dk%d", i), Wrapped: []byte("w")})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, store.ErrConflict) {
			t.Errorf("concurrent init: %v", err)
		}
	}
	fps, _ := s.MasterKeys(ctx)
	if ok != 1 || len(fps) != 1 {
		t.Fatalf("%d inits succeeded, %d master keys; want exactly 1", ok, len(fps))
	}
}

func testConcurrentWrites(t *testing.T, s *store.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.CreateUsers(ctx, []*store.User{{ID: fmt.Sprintf("usr_%d", i), Username: fmt.Sprintf("user%d", i)}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	users, _ := s.Users(ctx)
	if len(users) != 20 {
		t.Fatalf("%d users, want 20", len(users))
	}
}

// Open opens and migrates the database at url, closing it when t ends.
func Open(t testing.TB, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Keyring unlocks st with a fresh random master key.
func Keyring(tb testing.TB, st *store.Store) *secrets.Keyring {
	tb.Helper()
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		tb.Fatal(err)
	}
	ring, err := secrets.Open(context.Background(), st, st, master, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return ring
}
