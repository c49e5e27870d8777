package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/fernet"
	"github.com/rampart-sec/rampart/internal/testenv"
)

// Fixed keys for the fernet command tests.
const (
	fernetTestKeyA = "9giNuNdg7Pv_OyUaAiq-yCR2h_0ZJvvHSR45yDsFb1w="
	fernetTestKeyB = "JUPwAwakFYB8wixcYjOAyzV0Moa269Y9xYShry2gr8Q="
	fernetTestKeyC = "D5Tu4d7QTpXyfxlSs39v9fCz6i5Bkao_Nx7YN8WXIbY="
)

// fernetRes is one in-process run of rampart.
type fernetRes struct {
	code     int
	out, err string
}

// fernetRun runs rampart with stdin and args, in process.
func fernetRun(t *testing.T, stdin []byte, args ...string) fernetRes {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, bytes.NewReader(stdin), &out, &errb)
	return fernetRes{code, out.String(), errb.String()}
}

// fernetOK runs rampart and fails the test unless it exits 0.
func fernetOK(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	r := fernetRun(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("rampart %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.err)
	}
	return r.out
}

// fernetKeyFile writes a key file (mode 0600) and returns its path.
func fernetKeyFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fernet.keys")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fernetToken makes a token with the library at a chosen time.
func fernetToken(t *testing.T, key string, at time.Time, plain string) []byte {
	t.Helper()
	k, err := fernet.DecodeKey(key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fernet.New([]*fernet.Key{k}, fernet.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.Encrypt([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestFernetCLIRoundTrip(t *testing.T) {
	t.Setenv(fernetKeysEnv, "")
	key := strings.TrimSuffix(fernetOK(t, nil, "fernet", "keygen"), "\n")
	if strings.Contains(key, "\n") || len(key) != 44 {
		t.Fatalf("keygen printed %q, want one 44-character line", key)
	}
	if _, err := fernet.DecodeKey(key); err != nil {
		t.Fatalf("keygen output is not a key: %v", err)
	}
	if other := fernetOK(t, nil, "fernet", "keygen"); other == key+"\n" {
		t.Fatal("keygen printed the same key twice")
	}
	file := fernetKeyFile(t, key+"\n")
	plain := []byte("line one\nbinary \x00\xff\r\nno trailing newline")
	tests := []struct {
		name string
		enc  []string
		dec  []string
	}{
		{"key file", []string{"--key-file", file}, []string{"--key-file", file, "--ttl", "60s"}},
		{"key flag", []string{"--key", key}, []string{"--key=" + key}},
		{"file encrypts, flag decrypts", []string{"--key-file", file}, []string{"--key", key}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := fernetOK(t, plain, append([]string{"fernet", "encrypt"}, tc.enc...)...)
			if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "gAAAAA") {
				t.Fatalf("encrypt printed %q, want one token line", out)
			}
			got := fernetOK(t, []byte(out), append([]string{"fernet", "decrypt"}, tc.dec...)...)
			if got != string(plain) {
				t.Errorf("decrypt = %q, want %q", got, plain)
			}
		})
	}
	t.Run("environment", func(t *testing.T) {
		t.Setenv(fernetKeysEnv, " "+key+" ")
		tok := fernetOK(t, []byte("from env"), "fernet", "encrypt")
		if got := fernetOK(t, []byte("\n\t "+tok+"\n\n"), "fernet", "decrypt"); got != "from env" {
			t.Errorf("decrypt = %q", got)
		}
	})
	t.Run("empty plaintext", func(t *testing.T) {
		tok := fernetOK(t, nil, "fernet", "encrypt", "--key", key)
		r := fernetRun(t, []byte(tok), "fernet", "decrypt", "--key", key)
		if r.code != 0 || r.out != "" {
			t.Errorf("decrypt of empty plaintext: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
		}
	})
}

func TestFernetCLIRotation(t *testing.T) {
	t.Setenv(fernetKeysEnv, "")
	oldFile := fernetKeyFile(t, fernetTestKeyA+"\n")
	both := fernetKeyFile(t, "# new key first\n"+fernetTestKeyB+"\n\n# old key, until every token is re-encrypted\n"+fernetTestKeyA+"\n")
	oldTok := fernetOK(t, []byte("legacy"), "fernet", "encrypt", "--key-file", oldFile)

	if got := fernetOK(t, []byte(oldTok), "fernet", "decrypt", "--key-file", both); got != "legacy" {
		t.Errorf("old token with rotated key file: %q", got)
	}
	newTok := fernetOK(t, []byte("fresh"), "fernet", "encrypt", "--key-file", both)
	if got := fernetOK(t, []byte(newTok), "fernet", "decrypt", "--key", fernetTestKeyB); got != "fresh" {
		t.Errorf("new token is not under the first key: %q", got)
	}
	if r := fernetRun(t, []byte(newTok), "fernet", "decrypt", "--key-file", oldFile); r.code != 1 || r.out != "" {
		t.Errorf("old key alone decrypted a new token: exit %d, stdout %q", r.code, r.out)
	}

	// --key and --key-file interleave in command-line order.
	tests := []struct {
		name  string
		args  []string
		first string
	}{
		{"flag before file", []string{"--key", fernetTestKeyC, "--key-file", oldFile}, fernetTestKeyC},
		{"file before flag", []string{"--key-file", oldFile, "--key", fernetTestKeyC}, fernetTestKeyA},
		{"flags in order", []string{"--key", fernetTestKeyB, "--key", fernetTestKeyA}, fernetTestKeyB},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := fernetOK(t, []byte("order"), append([]string{"fernet", "encrypt"}, tc.args...)...)
			if got := fernetOK(t, []byte(tok), "fernet", "decrypt", "--key", tc.first); got != "order" {
				t.Errorf("token not under %s: %q", tc.name, got)
			}
			if got := fernetOK(t, []byte(oldTok), append([]string{"fernet", "decrypt"}, tc.args...)...); got != "legacy" {
				t.Errorf("the old key, listed later, did not decrypt: %q", got)
			}
		})
	}

	// Environment order is rotation order too.
	t.Setenv(fernetKeysEnv, fernetTestKeyC+","+fernetTestKeyA+",")
	tok := fernetOK(t, []byte("env order"), "fernet", "encrypt")
	if got := fernetOK(t, []byte(tok), "fernet", "decrypt", "--key", fernetTestKeyC); got != "env order" {
		t.Errorf("env: first key did not encrypt: %q", got)
	}
	if got := fernetOK(t, []byte(oldTok), "fernet", "decrypt"); got != "legacy" {
		t.Errorf("env: second key did not decrypt: %q", got)
	}
}

func TestFernetCLITTL(t *testing.T) {
	t.Parallel()
	now := time.Now()
	old := fernetToken(t, fernetTestKeyA, now.Add(-2*time.Hour), "old news")
	future := fernetToken(t, fernetTestKeyA, now.Add(time.Hour), "from the future")
	const msg = "rampart: fernet: invalid token (wrong key, tampered, or older than --ttl)\n"
	tests := []struct {
		name  string
		token []byte
		ttl   []string
		want  string // plaintext; "" means refused
	}{
		{"two hours old, ttl 60s", old, []string{"--ttl", "60s"}, ""},
		{"two hours old, ttl 7190s", old, []string{"--ttl", "7190s"}, ""},
		{"two hours old, ttl 3h", old, []string{"--ttl", "3h"}, "old news"},
		{"two hours old, no ttl", old, nil, "old news"},
		{"two hours old, ttl 0", old, []string{"--ttl", "0"}, "old news"},
		{"an hour ahead, ttl 24h (clock skew)", future, []string{"--ttl", "24h"}, ""},
		{"an hour ahead, no ttl", future, nil, "from the future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := fernetRun(t, tc.token, append([]string{"fernet", "decrypt", "--key", fernetTestKeyA}, tc.ttl...)...)
			if tc.want != "" {
				if r.code != 0 || r.out != tc.want {
					t.Fatalf("exit %d, stdout %q, stderr %q; want %q", r.code, r.out, r.err, tc.want)
				}
				return
			}
			if r.code != 1 || r.out != "" || r.err != msg {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1, no output, %q", r.code, r.out, r.err, msg)
			}
		})
	}
}

func TestFernetCLIWrongKey(t *testing.T) {
	t.Parallel()
	tok := fernetToken(t, fernetTestKeyA, time.Now(), "secret")
	tampered := bytes.Clone(tok)
	tampered[len(tampered)/2] ^= 1
	for _, tc := range []struct {
		name  string
		token []byte
		key   string
	}{
		{"wrong key", tok, fernetTestKeyB},
		{"tampered", tampered, fernetTestKeyA},
		{"not a token", []byte("hello"), fernetTestKeyA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := fernetRun(t, tc.token, "fernet", "decrypt", "--key", tc.key)
			if r.code != 1 || r.out != "" {
				t.Fatalf("exit %d, stdout %q; want 1 and nothing on stdout", r.code, r.out)
			}
			if r.err != "rampart: fernet: invalid token (wrong key, tampered, or older than --ttl)\n" {
				t.Errorf("stderr %q", r.err)
			}
		})
	}
}

func TestFernetCLIKeyErrors(t *testing.T) {
	t.Setenv(fernetKeysEnv, "")
	dir := t.TempDir()
	badLine3 := filepath.Join(dir, "bad.keys")
	shortKey := fernetTestKeyB[:40] + "===="
	if err := os.WriteFile(badLine3, []byte(fernetTestKeyA+"\n# comment\n"+shortKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.keys")
	if err := os.WriteFile(garbage, []byte("\n\n  not-a-key!secretish\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.keys")
	if err := os.WriteFile(empty, []byte("# nothing here\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.keys")
	tests := []struct {
		name   string
		env    string
		args   []string
		code   int
		stderr string // exact, after "rampart: "
		secret string // must not appear in stderr
	}{
		{"no key anywhere", "", []string{"fernet", "encrypt"}, 2,
			"fernet: no key given: use --key-file FILE, set RAMPART_FERNET_KEYS, or pass --key KEY", ""},
		{"env of commas only", " , ,", []string{"fernet", "decrypt"}, 2,
			"fernet: no key given: use --key-file FILE, set RAMPART_FERNET_KEYS, or pass --key KEY", ""},
		{"bad key on line 3", "", []string{"fernet", "encrypt", "--key-file", badLine3}, 1,
			"fernet: --key-file " + badLine3 + " line 3: invalid key: decodes to 30 bytes, want 32", shortKey[:40]},
		{"garbage key file", "", []string{"fernet", "decrypt", "--key-file", garbage}, 1,
			"fernet: --key-file " + garbage + " line 3: invalid key: not URL-safe base64: unexpected character at offset 9", "secretish"},
		{"key file without keys", "", []string{"fernet", "encrypt", "--key-file", empty}, 1,
			"fernet: --key-file " + empty + ": no keys in the file", ""},
		{"missing key file", "", []string{"fernet", "encrypt", "--key-file", missing}, 1,
			"fernet: --key-file " + missing + ": open: no such file or directory", ""},
		{"bad --key", "", []string{"fernet", "encrypt", "--key", fernetTestKeyA, "--key", "c2hvcnQ="}, 2,
			"fernet: --key #2: invalid key: decodes to 5 bytes, want 32", "c2hvcnQ"},
		{"bad env entry", fernetTestKeyA + "," + fernetTestKeyB[:43], []string{"fernet", "encrypt"}, 1,
			"fernet: RAMPART_FERNET_KEYS entry 2: invalid key: not URL-safe base64: incorrect padding or truncated", fernetTestKeyB[:43]},
		{"flags win over a bad env", "garbage", []string{"fernet", "encrypt", "--key", fernetTestKeyA}, 0, "", ""},
		{"negative ttl", "", []string{"fernet", "decrypt", "--key", fernetTestKeyA, "--ttl", "-1s"}, 2,
			"fernet: --ttl must be a whole number of seconds, 0 or more (got -1s)", ""},
		{"fractional ttl", "", []string{"fernet", "decrypt", "--key", fernetTestKeyA, "--ttl", "1500ms"}, 2,
			"fernet: --ttl must be a whole number of seconds, 0 or more (got 1.5s)", ""},
		{"unparsable ttl", "", []string{"fernet", "decrypt", "--key", fernetTestKeyA, "--ttl", "soon"}, 2, "", ""},
		{"positional argument", "", []string{"fernet", "encrypt", "--key", fernetTestKeyA, "extra"}, 2,
			"rampart fernet encrypt: expected 0 argument(s), got 1 (see --help)", ""},
		{"unknown subcommand", "", []string{"fernet", "sign"}, 2, `unknown command "sign" for "rampart fernet" (see --help)`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(fernetKeysEnv, tc.env)
			r := fernetRun(t, []byte("x"), tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, tc.code, r.err)
			}
			if tc.code != 0 && r.out != "" {
				t.Errorf("stdout %q, want nothing", r.out)
			}
			if tc.stderr != "" && r.err != "rampart: "+tc.stderr+"\n" {
				t.Errorf("stderr %q\nwant   %q", r.err, "rampart: "+tc.stderr+"\n")
			}
			if tc.secret != "" && strings.Contains(r.err, tc.secret) {
				t.Errorf("stderr %q echoes the key", r.err)
			}
		})
	}
}

func TestFernetCLIKeyFileFormat(t *testing.T) {
	t.Parallel()
	file := fernetKeyFile(t, "# rampart fernet keys\r\n\r\n   "+fernetTestKeyB+"  \r\n\t# retired soon\n"+fernetTestKeyA)
	tok := fernetToken(t, fernetTestKeyA, time.Now(), "crlf ok")
	if got := fernetOK(t, tok, "fernet", "decrypt", "--key-file", file); got != "crlf ok" {
		t.Errorf("decrypt = %q", got)
	}
	tok = []byte(fernetOK(t, []byte("first"), "fernet", "encrypt", "--key-file", file))
	if got := fernetOK(t, tok, "fernet", "decrypt", "--key", fernetTestKeyB); got != "first" {
		t.Errorf("first key in the file did not encrypt: %q", got)
	}
}

func TestFernetCLIHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"fernet", "--help"}, {"fernet", "encrypt", "--help"}, {"fernet", "decrypt", "--help"}} {
		out := fernetOK(t, nil, args...)
		for _, want := range []string{"ps", "--key-file", "RAMPART_FERNET_KEYS"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v help lacks %q:\n%s", args, want, out)
			}
		}
	}
	if out := fernetOK(t, nil, "fernet", "--help"); !strings.Contains(out, "visible to other local users") {
		t.Errorf("fernet help does not warn about --key on argv:\n%s", out)
	}
}

func TestFernetCLIInjectedClock(t *testing.T) {
	t.Parallel()
	// The command honours its injected clock: a token stamped at t0 decrypts
	// with --ttl 60s at t0+60s and not at t0+61s, whatever the real time is.
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := fernetToken(t, fernetTestKeyA, t0, "tick")
	for _, tc := range []struct {
		at   time.Duration
		code int
	}{{60 * time.Second, 0}, {61 * time.Second, 1}} {
		var out, errb bytes.Buffer
		s := &streams{in: bytes.NewReader(tok), out: &out, err: &errb}
		cmd := newFernetCmdWith(s, fernetDeps{
			lookupEnv: func(string) (string, bool) { return "", false },
			now:       func() time.Time { return t0.Add(tc.at) },
		})
		cmd.SetArgs([]string{"decrypt", "--key", fernetTestKeyA, "--ttl", "60s"})
		cmd.SetOut(&out)
		cmd.SetErr(&errb)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if (err == nil) != (tc.code == 0) || (err == nil && out.String() != "tick") {
			t.Errorf("at t0+%v: err %v, stdout %q", tc.at, err, out.String())
		}
	}
}

// fernetPython runs a Python snippet with the real cryptography; argv and
// stdin are passed through. It skips (or, with RAMPART_REQUIRE_SERVICES=1,
// fails) when /usr/bin/python3 cannot import cryptography.
func fernetPython(t *testing.T, stdin []byte, script string, args ...string) []byte {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import cryptography.fernet").CombinedOutput(); err != nil {
		testenv.Unavailable(t, py+" cannot import cryptography (apt-get install python3-cryptography): "+
			strings.TrimSpace(err.Error()+" "+string(out)))
	}
	cmd := exec.Command(py, append([]string{"-c", script}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}

func TestFernetCLIPythonLive(t *testing.T) {
	t.Parallel()
	const pyEncrypt = `import sys
from cryptography.fernet import Fernet, MultiFernet
f = MultiFernet([Fernet(k) for k in sys.argv[1:]])
sys.stdout.buffer.write(f.encrypt(sys.stdin.buffer.read()))`
	const pyDecrypt = `import sys
from cryptography.fernet import Fernet, MultiFernet
f = MultiFernet([Fernet(k) for k in sys.argv[2:]])
sys.stdout.buffer.write(f.decrypt(sys.stdin.buffer.read(), ttl=int(sys.argv[1])))`
	const pyKey = `from cryptography.fernet import Fernet
print(Fernet.generate_key().decode())`
	plain := []byte("from one side to the other \x00\xff\n")

	// A key made by Python works here, from a key file.
	pyK := strings.TrimSpace(string(fernetPython(t, nil, pyKey)))
	file := fernetKeyFile(t, pyK+"\n"+fernetTestKeyA+"\n")

	t.Run("python encrypts, rampart decrypts", func(t *testing.T) {
		t.Parallel()
		tok := fernetPython(t, plain, pyEncrypt, fernetTestKeyA)
		if got := fernetOK(t, tok, "fernet", "decrypt", "--key-file", file, "--ttl", "60s"); got != string(plain) {
			t.Errorf("rampart decrypt of a Python token = %q", got)
		}
		tok = fernetPython(t, plain, pyEncrypt, pyK)
		if got := fernetOK(t, append(tok, '\n'), "fernet", "decrypt", "--key-file", file); got != string(plain) {
			t.Errorf("rampart decrypt of a Python token under Python's key = %q", got)
		}
	})
	t.Run("rampart encrypts, python decrypts", func(t *testing.T) {
		t.Parallel()
		tok := fernetOK(t, plain, "fernet", "encrypt", "--key-file", file)
		// rampart prints a trailing newline; Python ignores it, as it ignores
		// whitespace in tokens.
		if got := fernetPython(t, []byte(tok), pyDecrypt, "60", pyK); !bytes.Equal(got, plain) {
			t.Errorf("Python decrypt of a rampart token = %q", got)
		}
		tok = fernetOK(t, nil, "fernet", "encrypt", "--key", fernetTestKeyB)
		if got := fernetPython(t, []byte(tok), pyDecrypt, "60", fernetTestKeyA, fernetTestKeyB); len(got) != 0 {
			t.Errorf("Python decrypt of an empty rampart token = %q", got)
		}
	})
}
