package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/testenv"
)

// result is one in-process run of the CLI.
type result struct {
	out, err string
	code     int
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// must runs the CLI and fails the test unless it exits 0.
func must(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := run(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("rampart %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.err)
	}
	return r.out
}

// fails runs the CLI, expects exit code want and stderr containing each of msgs.
func fails(t *testing.T, want int, stdin string, args []string, msgs ...string) result {
	t.Helper()
	r := run(t, stdin, args...)
	if r.code != want {
		t.Fatalf("rampart %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, want, r.out, r.err)
	}
	for _, m := range msgs {
		if !strings.Contains(r.err, m) {
			t.Fatalf("rampart %s: stderr %q does not contain %q", strings.Join(args, " "), r.err, m)
		}
	}
	return r
}

// isolate clears RAMPART_* settings and points rampart at a fresh data dir.
func isolate(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "RAMPART_") && !strings.HasPrefix(k, "RAMPART_TEST_") && k != "RAMPART_REQUIRE_SERVICES" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("RAMPART_DATA_DIR", dir)
	return dir
}

func newMasterKey(t *testing.T) string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// backends runs fn on the embedded SQLite default and on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T)) {
	t.Run("sqlite", func(t *testing.T) {
		isolate(t)
		fn(t)
	})
	t.Run("postgres", func(t *testing.T) {
		isolate(t)
		t.Setenv("RAMPART_DATABASE_URL", testenv.PostgresURL(t))
		t.Setenv("RAMPART_MASTER_KEY", newMasterKey(t))
		fn(t)
	})
}

const pw = "correct horse battery staple"

func TestVersion(t *testing.T) {
	out := must(t, "", "version")
	for _, want := range []string{"rampart ", "commit ", "go      go1."} {
		if !strings.Contains(out, want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, "", "role", "create", "analyst", "--permission", "data:read", "--description", "reads data")
		out := must(t, pw+"\n", "user", "add", "alice", "--role", "admin", "--password-stdin")
		if !strings.Contains(out, "created user alice") {
			t.Fatalf("add: %q", out)
		}
		must(t, pw, "user", "add", "bob", "--role", "analyst", "--password-stdin")
		must(t, "", "user", "add", "svc-ci", "--no-password")

		var users []userJSON
		if err := json.Unmarshal([]byte(must(t, "", "user", "list", "--json")), &users); err != nil {
			t.Fatal(err)
		}
		if len(users) != 3 || users[0].Username != "alice" || users[0].Roles[0] != "admin" || users[0].HashScheme != "argon2id" || users[2].HasPassword {
			t.Fatalf("list --json = %+v", users)
		}
		if out := must(t, "", "user", "list"); strings.Contains(out, "$argon2id$") {
			t.Fatal("user list prints password hashes")
		}
		must(t, "", "user", "disable", "bob")
		var bob userJSON
		json.Unmarshal([]byte(must(t, "", "user", "show", "bob", "--json")), &bob)
		if !bob.Disabled {
			t.Fatal("bob not disabled")
		}
		must(t, "", "user", "enable", "bob")
		if out := must(t, "", "user", "grant", "bob", "admin"); !strings.Contains(out, "admin,analyst") {
			t.Fatalf("grant: %q", out)
		}
		if out := must(t, "", "user", "revoke", "bob", "admin"); !strings.Contains(out, "roles analyst") {
			t.Fatalf("revoke: %q", out)
		}
		must(t, "new password is long", "user", "set-password", "bob", "--password-stdin")
		must(t, "", "user", "delete", "bob")
		fails(t, 1, "", []string{"user", "show", "bob"}, `user "bob": not found`)
		fails(t, 1, "", []string{"user", "delete", "bob"}, "not found")
	})
}

func TestUserBadInput(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, pw, "user", "add", "alice", "--password-stdin")
		fails(t, 1, pw, []string{"user", "add", "ALICE", "--password-stdin"}, `"ALICE"`, "already exists")
		fails(t, 1, pw, []string{"user", "add", "carol", "--role", "ghost", "--password-stdin"}, `role "ghost": not found`)
		fails(t, 1, "short", []string{"user", "add", "dave", "--password-stdin"}, "at least 8 characters")
		fails(t, 1, "", []string{"user", "add", "erin", "--password-stdin"}, "got nothing")
		fails(t, 1, pw, []string{"user", "add", "bad name", "--password-stdin"}, "invalid username")
		// Passwords never travel on argv: there is no such flag.
		fails(t, 2, "", []string{"user", "add", "frank", "--password", pw}, "unknown flag: --password")
		fails(t, 2, "", []string{"user", "add", "frank"}, "--password-stdin")
		fails(t, 2, "", []string{"user", "add"}, "expected 1 argument")
		var users []userJSON
		json.Unmarshal([]byte(must(t, "", "user", "list", "--json")), &users)
		if len(users) != 1 {
			t.Fatalf("%d users after bad input, want 1", len(users))
		}
	})
}

func TestRoles(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, "", "role", "create", "editor", "--permission", "data:read,data:write")
		fails(t, 1, "", []string{"role", "create", "editor"}, "already exists")
		fails(t, 1, "", []string{"role", "create", "Bad Role"}, "invalid role name")
		fails(t, 1, "", []string{"role", "create", "x", "--permission", "no spaces"}, "invalid permission")
		must(t, "", "role", "update", "editor", "--add", "reports:read", "--remove", "data:write")
		var r roleJSON
		json.Unmarshal([]byte(must(t, "", "role", "show", "editor", "--json")), &r)
		if strings.Join(r.Permissions, " ") != "data:read reports:read" {
			t.Fatalf("permissions = %v", r.Permissions)
		}
		must(t, pw, "user", "add", "alice", "--role", "editor", "--password-stdin")
		fails(t, 1, "", []string{"role", "delete", "editor"}, "held by 1 user")
		must(t, "", "role", "delete", "editor", "--force")
		var roles []roleJSON
		json.Unmarshal([]byte(must(t, "", "role", "list", "--json")), &roles)
		if len(roles) != 1 || roles[0].Name != "admin" {
			t.Fatalf("roles = %+v", roles)
		}
	})
}

func TestAPIKeyCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, "", "user", "add", "alice", "--no-password")
		var created struct {
			Key string `json:"key"`
			apiKeyJSON
		}
		if err := json.Unmarshal([]byte(must(t, "", "apikey", "create", "--user", "alice", "--scope", "data:read", "--expires", "90d", "--json")), &created); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(created.Key, "rk_"+created.ID+"_") || created.Status != "active" || created.ExpiresAt == nil {
			t.Fatalf("create --json = %+v", created)
		}
		plain := run(t, "", "apikey", "create", "--user", "alice", "--expires", "never")
		if plain.code != 0 || !strings.HasPrefix(plain.out, "rk_") || !strings.Contains(plain.err, "cannot be shown again") {
			t.Fatalf("create: %+v", plain)
		}
		list := must(t, "", "apikey", "list", "--json")
		secret := created.Key[len("rk_")+17:]
		if strings.Contains(list, secret) || strings.Contains(must(t, "", "apikey", "list"), secret) {
			t.Fatal("apikey list shows the secret")
		}
		var keys []apiKeyJSON
		json.Unmarshal([]byte(list), &keys)
		if len(keys) != 2 {
			t.Fatalf("keys = %+v", keys)
		}
		must(t, "", "apikey", "revoke", created.Key) // pasting the whole key works
		keys = nil
		json.Unmarshal([]byte(must(t, "", "apikey", "list", "--user", "alice", "--json")), &keys)
		for _, k := range keys {
			if k.ID == created.ID && k.Status != "revoked" {
				t.Fatalf("status after revoke = %s", k.Status)
			}
		}
		fails(t, 1, "", []string{"apikey", "create", "--user", "nobody"}, `user "nobody": not found`)
		fails(t, 2, "", []string{"apikey", "create", "--user", "alice", "--expires", "soon"}, "--expires")
		fails(t, 2, "", []string{"apikey", "create"}, "--user is required")
		fails(t, 1, "", []string{"apikey", "revoke", "nope"}, "not found")
	})
}

// The API key secret must appear nowhere in the database file.
func TestAPIKeySecretNotStored(t *testing.T) {
	dir := isolate(t)
	must(t, "", "user", "add", "alice", "--no-password")
	key := strings.TrimSpace(must(t, "", "apikey", "create", "--user", "alice"))
	secret := key[len("rk_")+17:]
	for _, f := range []string{"rampart.db", "rampart.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(b, []byte(secret)) {
			t.Fatalf("%s contains the API key secret", f)
		}
	}
}

func TestImportCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, "", "role", "create", "analyst")
		must(t, "", "role", "create", "viewer")
		out := must(t, "", "user", "import", "../identity/testdata/flask_users.csv")
		if !strings.Contains(out, "imported 4 users") || !strings.Contains(out, "werkzeug-scrypt: 2") {
			t.Fatalf("import: %q", out)
		}
		out = must(t, "", "user", "import", "--json", "../identity/testdata/django_users.jsonl")
		if !strings.Contains(out, `"imported": 4`) {
			t.Fatalf("import --json: %q", out)
		}
		bad := filepath.Join(t.TempDir(), "bad.csv")
		os.WriteFile(bad, []byte("username,hash\nnew1,$2b$04$abc\nalice,pbkdf2:sha256:1$s$00\n"), 0o600)
		r := fails(t, 1, "", []string{"user", "import", bad}, "bad.csv:2:", "bad.csv:3:", "already exists", "nothing was imported")
		_ = r
		fails(t, 1, "", []string{"user", "show", "new1"}, "not found")
		fails(t, 1, "", []string{"user", "import", "/does/not/exist.csv"}, "no such file")
	})
}

func TestWrongMasterKeyRefusesToStart(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, pw, "user", "add", "alice", "--password-stdin")
		right := os.Getenv("RAMPART_MASTER_KEY")
		t.Setenv("RAMPART_MASTER_KEY", newMasterKey(t))
		fails(t, 1, pw, []string{"user", "add", "bob", "--password-stdin"}, "refusing to start", "wrong master key", "nothing was changed")
		fails(t, 1, "", []string{"user", "list"}, "wrong master key")
		t.Setenv("RAMPART_MASTER_KEY", "not-a-key")
		fails(t, 1, "", []string{"user", "list"}, "RAMPART_MASTER_KEY")
		if right == "" {
			os.Unsetenv("RAMPART_MASTER_KEY")
		} else {
			t.Setenv("RAMPART_MASTER_KEY", right)
		}
		var users []userJSON
		json.Unmarshal([]byte(must(t, "", "user", "list", "--json")), &users)
		if len(users) != 1 {
			t.Fatalf("users after wrong-key attempts: %+v", users)
		}
	})
}

func TestMissingKeyFileNeverReplaced(t *testing.T) {
	dir := isolate(t)
	must(t, "", "user", "add", "alice", "--no-password")
	keyFile := filepath.Join(dir, "master.key")
	orig, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	os.Rename(keyFile, keyFile+".bak")
	fails(t, 1, "", []string{"user", "list"}, "master key file", "does not exist", "refusing to create")
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("a new key file was created over an initialised database")
	}
	os.Rename(keyFile+".bak", keyFile)
	os.Chmod(keyFile, 0o644)
	fails(t, 1, "", []string{"user", "list"}, "chmod 600")
	os.Chmod(keyFile, 0o600)
	now, _ := os.ReadFile(keyFile)
	if !bytes.Equal(orig, now) {
		t.Fatal("key file changed")
	}
	must(t, "", "user", "show", "alice")
}

func TestRotateMasterCLI(t *testing.T) {
	backends(t, func(t *testing.T) {
		must(t, "", "user", "add", "alice", "--no-password")
		key := strings.TrimSpace(must(t, "", "apikey", "create", "--user", "alice"))
		_ = key
		newFile := filepath.Join(t.TempDir(), "new.key")
		fails(t, 1, "", []string{"secrets", "rotate-master", "--new-key-file", newFile}, "add --generate")
		out := must(t, "", "secrets", "rotate-master", "--new-key-file", newFile, "--generate")
		if !strings.Contains(out, "retire-master") {
			t.Fatalf("rotate-master: %q", out)
		}
		fails(t, 1, "", []string{"secrets", "rotate-master", "--new-key-file", newFile, "--generate"}, "refusing to overwrite")
		status := must(t, "", "secrets", "status", "--json")
		var st struct {
			MasterKeys []string `json:"master_keys"`
			Secrets    []string `json:"secrets"`
		}
		json.Unmarshal([]byte(status), &st)
		if len(st.MasterKeys) != 2 || len(st.Secrets) != 1 {
			t.Fatalf("status mid-rotation: %s", status)
		}
		// The old key still works (other nodes mid-rotation); now switch to the new one.
		must(t, "", "user", "list")
		t.Setenv("RAMPART_MASTER_KEY_FILE", newFile)
		os.Unsetenv("RAMPART_MASTER_KEY")
		t.Setenv("RAMPART_MASTER_KEY", "")
		os.Unsetenv("RAMPART_MASTER_KEY")
		must(t, "", "user", "list")
		if out := must(t, "", "secrets", "retire-master"); !strings.Contains(out, "retired 1") {
			t.Fatalf("retire: %q", out)
		}
		// API keys minted before the rotation still verify: the HMAC key survived.
		if out := must(t, "", "secrets", "status"); !strings.Contains(out, "hmac/api-keys") {
			t.Fatalf("status: %q", out)
		}
	})
}

func TestLockedDatabase(t *testing.T) {
	dir := isolate(t)
	must(t, "", "user", "add", "alice", "--no-password")
	t.Setenv("RAMPART_STORAGE_BUSY_TIMEOUT", "200ms")
	holder, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "rampart.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	fails(t, 1, "", []string{"user", "add", "bob", "--no-password"}, "locked by another process")
	conn.ExecContext(context.Background(), "ROLLBACK")
	fails(t, 1, "", []string{"user", "show", "bob"}, "not found")
}

func TestUnreachablePostgres(t *testing.T) {
	isolate(t)
	t.Setenv("RAMPART_DATABASE_URL", "postgres://rampart:s3cretpw@127.0.0.1:1/rampart?sslmode=disable")
	t.Setenv("RAMPART_STORAGE_CONNECT_TIMEOUT", "2s")
	r := fails(t, 1, "", []string{"user", "list"}, "cannot reach PostgreSQL at", "127.0.0.1:1")
	if strings.Contains(r.err, "s3cretpw") {
		t.Fatalf("error leaks the database password: %q", r.err)
	}
}

func TestProductionModeWarnsAboutKeyFile(t *testing.T) {
	isolate(t)
	t.Setenv("RAMPART_MODE", "production")
	r := run(t, "", "user", "list")
	if r.code != 0 || !strings.Contains(r.err, "PRODUCTION MODE: created a new master key file") {
		t.Fatalf("first start in production mode: exit %d, stderr %q", r.code, r.err)
	}
	r = run(t, "", "user", "list")
	if r.code != 0 || !strings.Contains(r.err, "PRODUCTION MODE: the master key is read from a file") {
		t.Fatalf("later start in production mode: exit %d, stderr %q", r.code, r.err)
	}
	t.Setenv("RAMPART_MODE", "development")
	if r := run(t, "", "user", "list"); strings.Contains(r.err, "PRODUCTION") {
		t.Fatalf("development mode warns: %q", r.err)
	}
}
