package identity_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/identity"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/store/storetest"
	"github.com/rampart-sec/rampart/internal/testenv"
	"github.com/rampart-sec/rampart/password"
)

const goodPassword = "correct horse battery staple"

var ctx = context.Background()

// countingHasher wraps the real hasher and counts dummy verifications.
type countingHasher struct {
	*password.Hasher
	dummies atomic.Int32
}

func (c *countingHasher) DummyVerify(pw string) {
	c.dummies.Add(1)
	c.Hasher.DummyVerify(pw)
}

type env struct {
	st     *store.Store
	svc    *identity.Service
	hasher *countingHasher
	now    *time.Time
}

func newEnv(t *testing.T, url string) *env {
	t.Helper()
	st := storetest.Open(t, url)
	ring := storetest.Keyring(t, st)
	h, err := password.NewHasher(password.DefaultParams(), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	e := &env{st: st, hasher: &countingHasher{Hasher: h}, now: &now}
	e.svc = identity.New(st, e.hasher, ring, identity.WithClock(func() time.Time { return *e.now }))
	return e
}

// backends runs fn against SQLite and PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	testenv.Databases(t, func(t *testing.T, url string) { fn(t, newEnv(t, url)) })
}

func TestAuthenticate(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if _, err := e.svc.CreateUser(ctx, "alice", goodPassword, []string{"admin"}); err != nil {
			t.Fatal(err)
		}
		u, err := e.svc.Authenticate(ctx, "Alice", goodPassword)
		if err != nil || u.Username != "alice" || !u.LastLoginAt.Equal(*e.now) {
			t.Fatalf("Authenticate = %+v, %v", u, err)
		}
		stored, _ := e.st.User(ctx, "alice")
		if !stored.LastLoginAt.Equal(*e.now) {
			t.Fatalf("last login not stored: %v", stored.LastLoginAt)
		}
		// Unknown user, wrong password and disabled user all get the same
		// error, and the unknown user costs a dummy verification.
		before := e.hasher.dummies.Load()
		_, errUnknown := e.svc.Authenticate(ctx, "mallory", goodPassword)
		if e.hasher.dummies.Load() != before+1 {
			t.Fatal("unknown user did not spend a dummy password verification")
		}
		_, errWrong := e.svc.Authenticate(ctx, "alice", "wrong password!")
		if err := e.st.SetUserDisabled(ctx, "alice", true); err != nil {
			t.Fatal(err)
		}
		_, errDisabled := e.svc.Authenticate(ctx, "alice", goodPassword)
		for name, err := range map[string]error{"unknown": errUnknown, "wrong": errWrong, "disabled": errDisabled} {
			if err != identity.ErrInvalidCredentials {
				t.Errorf("%s: error %v, want exactly ErrInvalidCredentials", name, err)
			}
		}
	})
}

func TestPasswordRules(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, tc := range []struct{ user, pw string }{
			{"ok-user", "short"},
			{"bad user", goodPassword},
			{"-leading", goodPassword},
			{strings.Repeat("x", 65), goodPassword},
			{"ok-user2", strings.Repeat("p", identity.MaxPasswordLength+1)},
		} {
			if _, err := e.svc.CreateUser(ctx, tc.user, tc.pw, nil); !errors.Is(err, identity.ErrInvalid) {
				t.Errorf("CreateUser(%q, len %d) = %v, want ErrInvalid", tc.user, len(tc.pw), err)
			}
		}
		users, _ := e.st.Users(ctx)
		if len(users) != 0 {
			t.Fatalf("%d users created from invalid input", len(users))
		}
	})
}

func TestImportFlaskAndDjangoThenRehashOnLogin(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, r := range []string{"analyst", "viewer"} {
			if _, err := e.svc.CreateRole(ctx, r, "", []string{"data:read"}); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]password.Scheme{}
		for _, f := range []string{"testdata/flask_users.csv", "testdata/django_users.jsonl"} {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := e.svc.ImportUsers(ctx, f, data, identity.FormatAuto)
			if err != nil {
				t.Fatalf("import %s: %v", f, err)
			}
			rows, _ := identity.ParseImport(f, data, identity.FormatAuto)
			if sum.Users != len(rows) {
				t.Fatalf("%s: imported %d, file has %d", f, sum.Users, len(rows))
			}
			for _, r := range rows {
				want[r.Username] = r.Scheme
			}
		}
		if len(want) != 8 {
			t.Fatalf("expected 8 users across both files, got %d", len(want))
		}
		bob, _ := e.st.User(ctx, "bob")
		if strings.Join(bob.Roles, ",") != "analyst,viewer" {
			t.Fatalf("bob roles = %v", bob.Roles)
		}
		for name, scheme := range want {
			before, _ := e.st.User(ctx, name)
			if got, _ := password.Identify(before.PasswordHash); got != scheme {
				t.Fatalf("%s stored as %s, want %s", name, got, scheme)
			}
			if _, err := e.svc.Authenticate(ctx, name, "wrong password"); err != identity.ErrInvalidCredentials {
				t.Fatalf("%s with wrong password: %v", name, err)
			}
			if after, _ := e.st.User(ctx, name); after.PasswordHash != before.PasswordHash {
				t.Fatalf("%s: hash changed after a failed login", name)
			}
			if _, err := e.svc.Authenticate(ctx, name, goodPassword); err != nil {
				t.Fatalf("%s (%s) cannot log in with the original password: %v", name, scheme, err)
			}
			after, _ := e.st.User(ctx, name)
			if got, _ := password.Identify(after.PasswordHash); got != password.Argon2id {
				t.Fatalf("%s: after login the hash is %s, want argon2id", name, got)
			}
			if _, err := e.svc.Authenticate(ctx, name, goodPassword); err != nil {
				t.Fatalf("%s cannot log in after the rehash: %v", name, err)
			}
		}
	})
}

func TestImportRejectsBadRowsAndWritesNothing(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if _, err := e.svc.CreateUser(ctx, "existing", goodPassword, nil); err != nil {
			t.Fatal(err)
		}
		good, _ := os.ReadFile("testdata/flask_users.csv")
		lines := strings.Split(strings.TrimSpace(string(good)), "\n")
		bad := strings.Join([]string{
			lines[0],                            // header (line 1)
			lines[1],                            // alice, fine (line 2)
			"existing," + hashOf(lines[3]),      // line 3: taken
			"zoe,$1$abc$def,",                   // line 4: md5-crypt unsupported
			"yan,pbkdf2:sha256:1$salt$zz,",      // line 5: malformed hex
			"ALICE," + hashOf(lines[3]),         // line 6: duplicate of line 2
			"xi," + hashOf(lines[3]) + ",ghost", // line 7: unknown role
			"bad name," + hashOf(lines[3]),      // line 8: bad username
			"wu,$2b$04$trunc",                   // line 9: truncated bcrypt
		}, "\n") + "\n"
		_, err := e.svc.ImportUsers(ctx, "users.csv", []byte(bad), identity.FormatAuto)
		var ie *identity.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("ImportUsers = %v, want *ImportError", err)
		}
		gotLines := map[int]bool{}
		for _, le := range ie.Errors {
			gotLines[le.Line] = true
		}
		for _, l := range []int{3, 4, 5, 6, 7, 8, 9} {
			if !gotLines[l] {
				t.Errorf("line %d not reported; errors: %v", l, ie.Error())
			}
		}
		if gotLines[2] {
			t.Errorf("good line 2 reported: %v", ie.Error())
		}
		if !strings.Contains(ie.Error(), "users.csv:7:") || !strings.Contains(ie.Error(), "nothing was imported") {
			t.Errorf("message: %s", ie.Error())
		}
		users, _ := e.st.Users(ctx)
		if len(users) != 1 {
			t.Fatalf("%d users after a failed import, want 1 (nothing half-imported)", len(users))
		}
	})
}

func hashOf(csvLine string) string { return strings.Split(csvLine, ",")[1] }

func TestImportTruncatedFiles(t *testing.T) {
	csvData, _ := os.ReadFile("testdata/flask_users.csv")
	jsonData, _ := os.ReadFile("testdata/django_users.jsonl")
	for _, tc := range []struct {
		name string
		data []byte
		line int
	}{
		{"csv cut inside a hash", csvData[:len(csvData)-40], 5},
		{"csv cut after the username", csvData[:strings.LastIndex(string(csvData), "hank,")+5], 5},
		{"csv cut inside a quoted field", append(append([]byte{}, csvData...), []byte("ivan,\"$2b$04$abc")...), 6},
		{"jsonl cut mid-object", jsonData[:len(jsonData)-30], 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := identity.ParseImport("f", tc.data, identity.FormatAuto)
			found := false
			for _, le := range errs {
				if le.Line == tc.line {
					found = true
				}
			}
			if !found {
				t.Fatalf("no error on line %d; got %v", tc.line, errs)
			}
		})
	}
}

func TestAPIKeys(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if _, err := e.svc.CreateUser(ctx, "alice", "", nil); err != nil {
			t.Fatal(err)
		}
		nk, err := e.svc.CreateAPIKey(ctx, "alice", "ci", []string{"data:read"}, 90*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(nk.Key, "rk_") || len(nk.Key) != 3+16+1+43 {
			t.Fatalf("key %q has the wrong shape", nk.Key)
		}
		stored, _ := e.st.APIKey(ctx, nk.Meta.ID)
		if strings.Contains(string(stored.SecretHash), nk.Key[20:]) || len(stored.SecretHash) != 32 {
			t.Fatal("secret stored in the clear or not as a 32-byte MAC")
		}
		k, u, err := e.svc.VerifyAPIKey(ctx, nk.Key)
		if err != nil || u.Username != "alice" || k.Scopes[0] != "data:read" {
			t.Fatalf("VerifyAPIKey = %+v %+v %v", k, u, err)
		}
		if got, _ := e.st.APIKey(ctx, nk.Meta.ID); !got.LastUsedAt.Equal(*e.now) {
			t.Fatalf("last use not recorded: %v", got.LastUsedAt)
		}
		flip := []byte(nk.Key)
		flip[len(flip)-5] ^= 1
		attacks := map[string]string{
			"tampered secret": string(flip),
			"other id":        "rk_aaaaaaaaaaaaaaaa" + nk.Key[19:],
			"truncated":       nk.Key[:len(nk.Key)-1],
			"no prefix":       nk.Key[3:],
			"empty":           "",
			"bearer word":     "Bearer " + nk.Key,
		}
		for name, key := range attacks {
			if _, _, err := e.svc.VerifyAPIKey(ctx, key); err != identity.ErrInvalidAPIKey {
				t.Errorf("%s: %v, want ErrInvalidAPIKey", name, err)
			}
		}
		// Owner disabled, then expiry, then revocation.
		e.st.SetUserDisabled(ctx, "alice", true)
		if _, _, err := e.svc.VerifyAPIKey(ctx, nk.Key); err != identity.ErrInvalidAPIKey {
			t.Errorf("disabled owner: %v", err)
		}
		e.st.SetUserDisabled(ctx, "alice", false)
		*e.now = e.now.Add(90*24*time.Hour + time.Second)
		if _, _, err := e.svc.VerifyAPIKey(ctx, nk.Key); err != identity.ErrInvalidAPIKey {
			t.Errorf("expired: %v", err)
		}
		nk2, _ := e.svc.CreateAPIKey(ctx, "alice", "", nil, 0)
		if _, _, err := e.svc.VerifyAPIKey(ctx, nk2.Key); err != nil {
			t.Fatalf("never-expiring key: %v", err)
		}
		if err := e.st.RevokeAPIKey(ctx, nk2.Meta.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.VerifyAPIKey(ctx, nk2.Key); err != identity.ErrInvalidAPIKey {
			t.Errorf("revoked: %v", err)
		}
		if _, err := e.svc.CreateAPIKey(ctx, "nobody", "", nil, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("key for unknown user: %v", err)
		}
		if _, err := e.svc.CreateAPIKey(ctx, "alice", "", []string{"bad scope"}, 0); !errors.Is(err, identity.ErrInvalid) {
			t.Errorf("bad scope: %v", err)
		}
	})
}

func FuzzParseImport(f *testing.F) {
	for _, p := range []string{"testdata/flask_users.csv", "testdata/django_users.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("username,hash\n\"a,\"b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, errs := identity.ParseImport("f", data, identity.FormatAuto)
		if len(errs) == 0 {
			for _, r := range rows {
				if _, err := password.Identify(r.Hash); err != nil || identity.ValidateUsername(r.Username) != nil {
					t.Fatalf("row accepted without errors but invalid: %+v", r)
				}
			}
		}
	})
}
