// Package e2e drives the real rampart binary: built once, run as a user would.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/testenv"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rampart-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "rampart")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/rampart")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building rampart:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command returns the binary ready to run in a fresh data dir with a clean
// RAMPART_* environment plus extra.
func command(t *testing.T, dataDir string, extra []string, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RAMPART_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// Every test's admin listener on a free port; a later entry in extra wins.
	cmd.Env = append(cmd.Env, "RAMPART_DATA_DIR="+dataDir, "RAMPART_ADMIN_LISTEN=127.0.0.1:0")
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

// syncBuffer is a buffer the log reader goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) WriteString(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(v)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `rampart serve` and waits for its "listening" log line.
func startServe(t *testing.T, dataDir string, extra []string, args ...string) *server {
	t.Helper()
	if !slices.Contains(args, "--listen") {
		args = append(args, "--listen", "127.0.0.1:0")
	}
	cmd := command(t, dataDir, extra, append([]string{"serve"}, args...)...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.WriteString(line + "\n")
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "rampart listening" {
				urlc <- rec["url"].(string)
			}
		}
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case s.url = <-urlc:
		return s
	case err := <-s.done:
		t.Fatalf("rampart serve exited early: %v\n%s", err, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("rampart serve did not start\n%s", s.stderr)
	}
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("did not stop after SIGTERM\n%s", s.stderr)
	}
}

// adminURL is the admin listener's URL from the "admin listening" log line.
func (s *server) adminURL(t *testing.T) string {
	t.Helper()
	for line := range strings.Lines(s.stderr.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "admin listening" {
			return rec["url"].(string)
		}
	}
	t.Fatalf("no admin listener in the log:\n%s", s.stderr)
	return ""
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthAndGracefulShutdown(t *testing.T) {
	s := startServe(t, t.TempDir(), nil)
	if code, body := get(t, s.url+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	if code, body := get(t, s.url+"/readyz"); code != 200 || !strings.Contains(body, `"ready"`) {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	if code, _ := get(t, s.url+"/api/other"); code != 404 {
		t.Fatalf("unknown path = %d, want 404 (nothing open by accident)", code)
	}
	if code, _ := get(t, s.url+"/api/data"); code != 401 {
		t.Fatalf("demo route without credentials = %d, want 401", code)
	}
	admin := s.adminURL(t)
	if code, body := get(t, admin+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("admin /healthz = %d %s", code, body)
	}
	if code, body := get(t, admin+"/readyz"); code != 200 || !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("admin /readyz = %d %s", code, body)
	}
	// The admin listener carries no API traffic and no token endpoints.
	for _, path := range []string{"/api/data", "/oauth2/token", "/.well-known/openid-configuration", "/"} {
		if code, _ := get(t, admin+path); code != 404 {
			t.Fatalf("admin %s = %d, want 404", path, code)
		}
	}
	s.stop(t)
	if !strings.Contains(s.stderr.String(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", s.stderr)
	}
}

func TestServeRefusesPublicPlainHTTP(t *testing.T) {
	cmd := command(t, t.TempDir(), nil, "serve", "--listen", "0.0.0.0:0")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("serve on 0.0.0.0 without TLS: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "insecure_http") {
		t.Fatalf("message does not say how to allow it:\n%s", out)
	}
}

func TestServeOnPostgres(t *testing.T) {
	url := testenv.PostgresURL(t)
	dir := t.TempDir()
	env := []string{"RAMPART_DATABASE_URL=" + url, "RAMPART_MASTER_KEY=" + strings.Repeat("ab", 32)}
	add := command(t, dir, env, "user", "add", "alice", "--role", "admin", "--password-stdin")
	add.Stdin = strings.NewReader("correct horse battery staple\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	list := command(t, dir, env, "user", "list", "--json")
	out, err := list.Output()
	if err != nil || !strings.Contains(string(out), `"username": "alice"`) {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "rampart.db")); err == nil {
		t.Fatal("a SQLite file was created although PostgreSQL is configured")
	}
	s := startServe(t, dir, env)
	if code, body := get(t, s.url+"/readyz"); code != 200 {
		t.Fatalf("/readyz on PostgreSQL = %d %s", code, body)
	}
	// A wrong master key against the same database: refuse to start.
	bad := command(t, dir, []string{"RAMPART_DATABASE_URL=" + url, "RAMPART_MASTER_KEY=" + strings.Repeat("cd", 32)}, "serve", "--listen", "127.0.0.1:0")
	out, err = bad.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "wrong master key") {
		t.Fatalf("serve with a wrong master key: %v\n%s", err, out)
	}
}
