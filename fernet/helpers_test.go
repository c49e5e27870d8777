package fernet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonPath is the system Python that Debian's python3-cryptography serves.
const pythonPath = "/usr/bin/python3"

// mustKey decodes a key or fails the test.
func mustKey(t testing.TB, s string) *Key {
	t.Helper()
	k, err := DecodeKey(s)
	if err != nil {
		t.Fatalf("DecodeKey: %v", err)
	}
	return k
}

// mustNew builds a Fernet from encoded keys or fails the test.
func mustNew(t testing.TB, keys []string, opts ...Option) *Fernet {
	t.Helper()
	ks := make([]*Key, len(keys))
	for i, s := range keys {
		ks[i] = mustKey(t, s)
	}
	f, err := New(ks, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

// clockAt returns a clock stuck at the given Unix second.
func clockAt(sec int64) func() time.Time {
	return func() time.Time { return time.Unix(sec, 0) }
}

// readJSON decodes a testdata file into v.
func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// b64 decodes standard base64 from a vector file or fails the test.
func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 in vector: %v", err)
	}
	return b
}

// requirePython skips the test when the system Python cannot import
// cryptography, unless RAMPART_REQUIRE_SERVICES=1 makes that a failure.
func requirePython(t *testing.T) {
	t.Helper()
	out, err := exec.Command(pythonPath, "-c", "import cryptography.fernet").CombinedOutput()
	if err == nil {
		return
	}
	reason := "live Python interop needs " + pythonPath + " with the cryptography package " +
		"(apt-get install python3-cryptography): " + strings.TrimSpace(err.Error()+" "+string(out))
	if os.Getenv("RAMPART_REQUIRE_SERVICES") == "1" {
		t.Fatal(reason + " (RAMPART_REQUIRE_SERVICES=1)")
	}
	t.Skip(reason)
}

// pyReq is one request to testdata/interop.py; see that file.
type pyReq struct {
	Op        string   `json:"op"`
	Keys      []string `json:"keys,omitempty"`
	Plaintext []byte   `json:"plaintext,omitempty"`
	Token     []byte   `json:"token,omitempty"`
	TTL       *int64   `json:"ttl,omitempty"`
	Now       *int64   `json:"now,omitempty"`
}

// pyResp is one answer from testdata/interop.py.
type pyResp struct {
	OK           bool   `json:"ok"`
	Plaintext    []byte `json:"plaintext"`
	Token        []byte `json:"token"`
	Timestamp    *int64 `json:"timestamp"`
	Key          string `json:"key"`
	Cryptography string `json:"cryptography"`
	Python       string `json:"python"`
}

// python runs the requests through the real cryptography in one process.
func python(t *testing.T, reqs []pyReq) []pyResp {
	t.Helper()
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pythonPath, filepath.Join("testdata", "interop.py"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("interop.py: %v\n%s", err, stderr.String())
	}
	var resps []pyResp
	if err := json.Unmarshal(out, &resps); err != nil {
		t.Fatalf("interop.py output: %v", err)
	}
	if len(resps) != len(reqs) {
		t.Fatalf("interop.py answered %d of %d requests", len(resps), len(reqs))
	}
	return resps
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
