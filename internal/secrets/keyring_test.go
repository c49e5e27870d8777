package secrets_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/secrets"
	"github.com/rampart-sec/rampart/internal/store"
	"github.com/rampart-sec/rampart/internal/store/storetest"
	"github.com/rampart-sec/rampart/internal/testenv"
)

var ctx = context.Background()

func key(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func backends(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	testenv.Databases(t, func(t *testing.T, url string) { fn(t, storetest.Open(t, url)) })
}

func TestSealLoad(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ring, err := secrets.Open(ctx, st, st, key(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ring.Seal(ctx, "signing/es256", []byte("private key bytes")); err != nil {
			t.Fatal(err)
		}
		_, ct, _ := st.Secret(ctx, "signing/es256")
		if bytes.Contains(ct, []byte("private key bytes")) {
			t.Fatal("secret stored in the clear")
		}
		got, err := ring.Load(ctx, "signing/es256")
		if err != nil || string(got) != "private key bytes" {
			t.Fatalf("Load = %q, %v", got, err)
		}
		if _, err := ring.Load(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Load(missing) = %v", err)
		}
		a, err := ring.LoadOrCreate(ctx, "hmac", func(r io.Reader) ([]byte, error) { return []byte("first"), nil })
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ring.LoadOrCreate(ctx, "hmac", func(r io.Reader) ([]byte, error) { return []byte("second"), nil })
		if string(a) != "first" || string(b) != "first" {
			t.Fatalf("LoadOrCreate gave %q then %q", a, b)
		}
	})
}

// Rows swapped between names (an attacker with write access to the table)
// must not decrypt: each ciphertext is bound to its name.
func TestSwappedCiphertextRejected(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ring, _ := secrets.Open(ctx, st, st, key(t), nil)
		ring.Seal(ctx, "a", []byte("alpha"))
		ring.Seal(ctx, "b", []byte("bravo"))
		id, ctB, _ := st.Secret(ctx, "b")
		if err := st.PutSecret(ctx, "a", id, ctB); err != nil {
			t.Fatal(err)
		}
		if v, err := ring.Load(ctx, "a"); err == nil {
			t.Fatalf("swapped ciphertext decrypted to %q", v)
		}
		ctB[len(ctB)-1] ^= 1
		st.PutSecret(ctx, "b", id, ctB)
		if v, err := ring.Load(ctx, "b"); err == nil {
			t.Fatalf("tampered ciphertext decrypted to %q", v)
		}
	})
}

func TestWrongMasterKeyRefusedAndNothingChanged(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		right := key(t)
		ring, _ := secrets.Open(ctx, st, st, right, nil)
		ring.Seal(ctx, "s", []byte("v"))
		_, before, _ := st.Secret(ctx, "s")
		_, err := secrets.Open(ctx, st, st, key(t), nil)
		if !errors.Is(err, secrets.ErrWrongMasterKey) || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("Open with wrong key = %v", err)
		}
		fps, _ := st.MasterKeys(ctx)
		_, after, _ := st.Secret(ctx, "s")
		if len(fps) != 1 || fps[0] != secrets.Fingerprint(right) || !bytes.Equal(before, after) {
			t.Fatal("a wrong master key changed the keyring")
		}
		if _, err := secrets.Open(ctx, st, st, right[:16], nil); err == nil {
			t.Fatal("16-byte master key accepted")
		}
	})
}

func TestRotateMasterWithoutDowntime(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		oldKey, newKey := key(t), key(t)
		oldRing, _ := secrets.Open(ctx, st, st, oldKey, nil)
		oldRing.Seal(ctx, "s", []byte("value"))
		fp, err := oldRing.RotateMaster(ctx, newKey)
		if err != nil || fp != secrets.Fingerprint(newKey) {
			t.Fatalf("RotateMaster = %q, %v", fp, err)
		}
		if _, err := oldRing.RotateMaster(ctx, oldKey); err == nil {
			t.Fatal("rotating to the key in use succeeded")
		}
		// A node still on the old key keeps working, before and after a restart.
		if v, err := oldRing.Load(ctx, "s"); err != nil || string(v) != "value" {
			t.Fatalf("old node: %q, %v", v, err)
		}
		if _, err := secrets.Open(ctx, st, st, oldKey, nil); err != nil {
			t.Fatalf("restart on old key mid-rotation: %v", err)
		}
		newRing, err := secrets.Open(ctx, st, st, newKey, nil)
		if err != nil {
			t.Fatalf("new key: %v", err)
		}
		if v, err := newRing.Load(ctx, "s"); err != nil || string(v) != "value" {
			t.Fatalf("new node: %q, %v", v, err)
		}
		n, err := st.RetireMasterKeys(ctx, newRing.MasterFingerprint())
		if err != nil || n != 1 {
			t.Fatalf("retire = %d, %v", n, err)
		}
		if _, err := secrets.Open(ctx, st, st, oldKey, nil); !errors.Is(err, secrets.ErrWrongMasterKey) {
			t.Fatalf("old key after retirement: %v", err)
		}
		if v, err := newRing.Load(ctx, "s"); err != nil || string(v) != "value" {
			t.Fatalf("after retirement: %q, %v", v, err)
		}
	})
}

func TestResolveMasterKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "master.key")
	k, src, err := secrets.ResolveMasterKey("", file, true, rand.Reader)
	if err != nil || src != secrets.FromCreatedFile || len(k) != 32 {
		t.Fatalf("create: %v %v %d", src, err, len(k))
	}
	st, _ := os.Stat(file)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o, want 600", st.Mode().Perm())
	}
	k2, src, err := secrets.ResolveMasterKey("", file, true, rand.Reader)
	if err != nil || src != secrets.FromFile || !bytes.Equal(k, k2) {
		t.Fatalf("re-read: %v %v", src, err)
	}
	os.Chmod(file, 0o644)
	if _, _, err := secrets.ResolveMasterKey("", file, false, rand.Reader); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
	missing := filepath.Join(dir, "gone.key")
	if _, _, err := secrets.ResolveMasterKey("", missing, false, rand.Reader); err == nil || !strings.Contains(err.Error(), "refusing to create") {
		t.Fatalf("missing file on an initialised database: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("a key file was created for an initialised database")
	}
	raw := key(t)
	for name, v := range map[string]string{
		"base64":    base64.StdEncoding.EncodeToString(raw),
		"base64url": base64.RawURLEncoding.EncodeToString(raw),
		"hex":       hex.EncodeToString(raw),
	} {
		got, src, err := secrets.ResolveMasterKey(v, missing, false, rand.Reader)
		if err != nil || src != secrets.FromValue || !bytes.Equal(got, raw) {
			t.Errorf("%s: %v %v", name, src, err)
		}
	}
	secret := base64.StdEncoding.EncodeToString(raw[:20])
	_, _, err = secrets.ResolveMasterKey(secret, missing, false, rand.Reader)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("short key: %v (must fail without echoing the key)", err)
	}
}

// countingSource counts LoadOrCreate calls.
type countingSource struct {
	secrets.KeySource
	calls int
}

func (c *countingSource) LoadOrCreate(ctx context.Context, name string, gen func(io.Reader) ([]byte, error)) ([]byte, error) {
	c.calls++
	return c.KeySource.LoadOrCreate(ctx, name, gen)
}

func TestLazyKey(t *testing.T) {
	backends(t, func(t *testing.T, st *store.Store) {
		ring, _ := secrets.Open(ctx, st, st, key(t), nil)
		src := &countingSource{KeySource: ring}
		a := &secrets.LazyKey{Source: src, Name: "hmac/test"}
		k1, err := a.Get(ctx)
		if err != nil || len(k1) != secrets.KeySize {
			t.Fatalf("Get = %d bytes, %v", len(k1), err)
		}
		k2, _ := a.Get(ctx)
		if src.calls != 1 || !bytes.Equal(k1, k2) {
			t.Fatalf("%d loads for two Gets, want 1 (kept in memory)", src.calls)
		}
		// Another node (another LazyKey over the same database) gets the same key.
		other, _ := (&secrets.LazyKey{Source: ring, Name: "hmac/test"}).Get(ctx)
		if !bytes.Equal(k1, other) {
			t.Fatal("two users of one key name got different keys")
		}
	})
}
