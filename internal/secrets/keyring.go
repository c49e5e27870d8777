// Package secrets encrypts the secrets rampart must be able to recover
// (signing private keys, HMAC keys, TOTP seeds) with AES-256-GCM under data
// keys, which are themselves wrapped by the master key (envelope encryption).
// Rotating the master key re-wraps the data keys only; the secrets stay as they are.
package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/rampart-sec/rampart/internal/store"
)

// KeySize is the size of master and data keys in bytes (AES-256).
const KeySize = 32

// ErrWrongMasterKey means the master key is not one this database was set up with.
var ErrWrongMasterKey = errors.New("wrong master key")

// Store is what the keyring needs from storage.
type Store interface {
	MasterKeys(ctx context.Context) ([]string, error)
	InitMasterKey(ctx context.Context, fingerprint string, first store.DataKeyWrap) error
	DataKeyWraps(ctx context.Context, fingerprint string) ([]store.DataKeyWrap, error)
	AddMasterKey(ctx context.Context, fingerprint string, wraps []store.DataKeyWrap) error
	DataKeyIDs(ctx context.Context) ([]string, error)
}

// BlobStore keeps the encrypted secrets.
type BlobStore interface {
	InsertSecret(ctx context.Context, name, dataKeyID string, ciphertext []byte) (bool, error)
	PutSecret(ctx context.Context, name, dataKeyID string, ciphertext []byte) error
	Secret(ctx context.Context, name string) (string, []byte, error)
}

// Fingerprint identifies a master key without revealing it: the first 8
// bytes of HMAC-SHA-256(key, "rampart master key fingerprint v1"), in hex.
func Fingerprint(master []byte) string {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("rampart master key fingerprint v1"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// Keyring holds the unwrapped data keys in memory. It is safe for concurrent use.
type Keyring struct {
	keys   Store
	blobs  BlobStore
	master []byte
	fp     string
	rand   io.Reader

	mu      sync.RWMutex
	deks    map[string][]byte
	current string // data key id used for new secrets
}

// Open unlocks the keyring with master. On a database without a master key it
// registers this one and creates the first data key. It fails with
// ErrWrongMasterKey, changing nothing, when the database was set up with another key.
func Open(ctx context.Context, keys Store, blobs BlobStore, master []byte, random io.Reader) (*Keyring, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("master key must be %d bytes, got %d", KeySize, len(master))
	}
	if random == nil {
		random = rand.Reader
	}
	k := &Keyring{keys: keys, blobs: blobs, master: append([]byte(nil), master...), fp: Fingerprint(master), rand: random}
	known, err := keys.MasterKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading master keys: %w", err)
	}
	if len(known) == 0 {
		if err := k.initialise(ctx); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		// On ErrConflict another node initialised first; fall through and check its key.
		if known, err = keys.MasterKeys(ctx); err != nil {
			return nil, fmt.Errorf("reading master keys: %w", err)
		}
	}
	if !contains(known, k.fp) {
		return nil, fmt.Errorf("%w: this key's fingerprint is %s but the database was set up with %v; set RAMPART_MASTER_KEY (or the master key file) to the key it was created with — nothing was changed",
			ErrWrongMasterKey, k.fp, known)
	}
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Keyring) initialise(ctx context.Context) error {
	id, dek, err := k.newDataKey()
	if err != nil {
		return err
	}
	wrapped, err := k.wrap(k.master, k.fp, id, dek)
	if err != nil {
		return err
	}
	return k.keys.InitMasterKey(ctx, k.fp, store.DataKeyWrap{DataKeyID: id, MasterFingerprint: k.fp, Wrapped: wrapped})
}

// reload unwraps every data key wrapped under this master key.
func (k *Keyring) reload(ctx context.Context) error {
	wraps, err := k.keys.DataKeyWraps(ctx, k.fp)
	if err != nil {
		return fmt.Errorf("reading data keys: %w", err)
	}
	ids, err := k.keys.DataKeyIDs(ctx)
	if err != nil {
		return fmt.Errorf("reading data keys: %w", err)
	}
	deks := make(map[string][]byte, len(wraps))
	for _, w := range wraps {
		dek, err := k.unwrap(k.master, k.fp, w.DataKeyID, w.Wrapped)
		if err != nil {
			return fmt.Errorf("%w: data key %s does not decrypt under master key %s (corrupted or tampered wrap)", ErrWrongMasterKey, w.DataKeyID, k.fp)
		}
		deks[w.DataKeyID] = dek
	}
	for _, id := range ids {
		if _, ok := deks[id]; !ok {
			return fmt.Errorf("data key %s is not wrapped under master key %s; finish the master key rotation with the key that wrapped it", id, k.fp)
		}
	}
	if len(ids) == 0 {
		return errors.New("no data keys: the keyring tables are damaged")
	}
	k.mu.Lock()
	k.deks, k.current = deks, ids[len(ids)-1]
	k.mu.Unlock()
	return nil
}

// MasterFingerprint is the fingerprint of the master key in use.
func (k *Keyring) MasterFingerprint() string { return k.fp }

// Seal encrypts plaintext and stores it under name, replacing any previous value.
func (k *Keyring) Seal(ctx context.Context, name string, plaintext []byte) error {
	id, ct, err := k.encrypt(name, plaintext)
	if err != nil {
		return err
	}
	if err := k.blobs.PutSecret(ctx, name, id, ct); err != nil {
		return fmt.Errorf("storing secret %q: %w", name, err)
	}
	return nil
}

// Load returns the decrypted secret stored under name (store.ErrNotFound if none).
func (k *Keyring) Load(ctx context.Context, name string) ([]byte, error) {
	id, ct, err := k.blobs.Secret(ctx, name)
	if err != nil {
		return nil, err
	}
	return k.decrypt(ctx, name, id, ct)
}

// LoadOrCreate returns the secret stored under name, creating it with gen
// first if there is none. Concurrent callers on any node agree on one value.
func (k *Keyring) LoadOrCreate(ctx context.Context, name string, gen func(io.Reader) ([]byte, error)) ([]byte, error) {
	v, err := k.Load(ctx, name)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return v, err
	}
	fresh, err := gen(k.rand)
	if err != nil {
		return nil, fmt.Errorf("generating secret %q: %w", name, err)
	}
	id, ct, err := k.encrypt(name, fresh)
	if err != nil {
		return nil, err
	}
	if _, err := k.blobs.InsertSecret(ctx, name, id, ct); err != nil {
		return nil, fmt.Errorf("storing secret %q: %w", name, err)
	}
	return k.Load(ctx, name)
}

// RotateMaster wraps every data key under newMaster as well, in one
// transaction, and returns the new key's fingerprint. Nodes still running
// with the old master key keep working; once all use the new one, RetireMasterKeys
// (run with the new key) removes the old wraps.
func (k *Keyring) RotateMaster(ctx context.Context, newMaster []byte) (string, error) {
	if len(newMaster) != KeySize {
		return "", fmt.Errorf("new master key must be %d bytes, got %d", KeySize, len(newMaster))
	}
	newFP := Fingerprint(newMaster)
	if newFP == k.fp {
		return "", errors.New("the new master key is the one already in use")
	}
	if err := k.reload(ctx); err != nil {
		return "", err
	}
	k.mu.RLock()
	wraps := make([]store.DataKeyWrap, 0, len(k.deks))
	for id, dek := range k.deks {
		w, err := k.wrap(newMaster, newFP, id, dek)
		if err != nil {
			k.mu.RUnlock()
			return "", err
		}
		wraps = append(wraps, store.DataKeyWrap{DataKeyID: id, MasterFingerprint: newFP, Wrapped: w})
	}
	k.mu.RUnlock()
	if err := k.keys.AddMasterKey(ctx, newFP, wraps); err != nil {
		return "", fmt.Errorf("re-wrapping data keys under the new master key: %w", err)
	}
	return newFP, nil
}

func (k *Keyring) encrypt(name string, plaintext []byte) (string, []byte, error) {
	k.mu.RLock()
	id, dek := k.current, k.deks[k.current]
	k.mu.RUnlock()
	ct, err := seal(dek, k.rand, plaintext, secretAAD(name, id))
	if err != nil {
		return "", nil, fmt.Errorf("encrypting secret %q: %w", name, err)
	}
	return id, ct, nil
}

func (k *Keyring) decrypt(ctx context.Context, name, id string, ct []byte) ([]byte, error) {
	k.mu.RLock()
	dek, ok := k.deks[id]
	k.mu.RUnlock()
	if !ok {
		// A data key added by another node since we started.
		if err := k.reload(ctx); err != nil {
			return nil, err
		}
		k.mu.RLock()
		dek, ok = k.deks[id]
		k.mu.RUnlock()
		if !ok {
			return nil, fmt.Errorf("secret %q: data key %s is unknown", name, id)
		}
	}
	pt, err := open(dek, ct, secretAAD(name, id))
	if err != nil {
		return nil, fmt.Errorf("secret %q does not decrypt: corrupted or tampered", name)
	}
	return pt, nil
}

func (k *Keyring) newDataKey() (string, []byte, error) {
	dek := make([]byte, KeySize)
	idb := make([]byte, 8)
	if _, err := io.ReadFull(k.rand, dek); err != nil {
		return "", nil, fmt.Errorf("generating data key: %w", err)
	}
	if _, err := io.ReadFull(k.rand, idb); err != nil {
		return "", nil, fmt.Errorf("generating data key: %w", err)
	}
	return "dk_" + hex.EncodeToString(idb), dek, nil
}

func (k *Keyring) wrap(master []byte, fp, id string, dek []byte) ([]byte, error) {
	w, err := seal(master, k.rand, dek, wrapAAD(id, fp))
	if err != nil {
		return nil, fmt.Errorf("wrapping data key: %w", err)
	}
	return w, nil
}

func (k *Keyring) unwrap(master []byte, fp, id string, wrapped []byte) ([]byte, error) {
	return open(master, wrapped, wrapAAD(id, fp))
}

// The associated data binds each ciphertext to where it is stored, so rows
// cannot be swapped between names or keys.
func wrapAAD(id, fp string) []byte { return []byte("rampart/data-key/v1\x00" + id + "\x00" + fp) }

func secretAAD(name, id string) []byte { return []byte("rampart/secret/v1\x00" + name + "\x00" + id) }

// seal encrypts with AES-256-GCM and returns nonce || ciphertext.
func seal(key []byte, random io.Reader, plaintext, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plaintext)+gcm.Overhead())
	if _, err := io.ReadFull(random, out); err != nil {
		return nil, err
	}
	return gcm.Seal(out, out, plaintext, aad), nil
}

func open(key, box, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(box) < gcm.NonceSize()+gcm.Overhead() {
		return nil, errors.New("ciphertext too short")
	}
	return gcm.Open(nil, box[:gcm.NonceSize()], box[gcm.NonceSize():], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
