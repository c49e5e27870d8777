package password

import (
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Hasher hashes passwords with argon2id and verifies stored hashes of every
// supported [Scheme]. It is safe for concurrent use. The zero Hasher uses
// [DefaultParams] and crypto/rand.Reader.
type Hasher struct {
	params Params
	dummy  string // a well-formed hash no password matches, for DummyVerify

	mu   sync.Mutex // serialises reads from rand, which need not be safe for concurrent use
	rand io.Reader
}

// NewHasher returns a Hasher that makes argon2id hashes with p, which must
// pass [CheckParams]. Salts are read from random; nil means
// crypto/rand.Reader.
func NewHasher(p Params, random io.Reader) (*Hasher, error) {
	if err := CheckParams(p); err != nil {
		return nil, err
	}
	if random == nil {
		random = rand.Reader
	}
	return &Hasher{
		params: p,
		dummy:  formatArgon2id(p, make([]byte, p.SaltLen), make([]byte, p.KeyLen)),
		rand:   random,
	}, nil
}

// Params returns the parameters of the hashes h makes.
func (h *Hasher) Params() Params {
	if h.params == (Params{}) {
		return DefaultParams()
	}
	return h.params
}

// dummyHash returns the hash DummyVerify checks against.
func (h *Hasher) dummyHash() string {
	if h.dummy == "" {
		p := h.Params()
		return formatArgon2id(p, make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	}
	return h.dummy
}

// Hash returns the argon2id PHC string of password with a fresh random
// salt, such as $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>. It fails only
// when the random source does.
func (h *Hasher) Hash(password string) (string, error) {
	p := h.Params()
	salt := make([]byte, p.SaltLen)
	random := h.rand
	if random == nil {
		random = rand.Reader
	}
	h.mu.Lock()
	_, err := io.ReadFull(random, salt)
	h.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return formatArgon2id(p, salt, key), nil
}

// Verify reports whether password matches the stored hash encoded, of any
// supported [Scheme]. A wrong password is ok == false with a nil error. The
// error is non-nil only when encoded is unusable: it then wraps
// [ErrMalformedHash] or [ErrUnsupportedHash], and contains neither the
// password nor the salt or hash of encoded.
//
// needsRehash is true when ok and encoded is not an argon2id hash at least as
// strong as h's parameters (memory, passes, salt and hash length; not
// parallelism). Every imported scheme, Django's argon2 wrapper included,
// needs rehash. The caller then stores h.Hash(password) in place of encoded.
//
// The comparison runs in constant time. For a user that does not exist,
// call [Hasher.DummyVerify] instead, so that the response takes as long.
func (h *Hasher) Verify(encoded, password string) (ok, needsRehash bool, err error) {
	v, _, err := parse(encoded)
	if err != nil {
		return false, false, err
	}
	ok, err = v.verify(password)
	if err != nil || !ok {
		return false, false, err
	}
	return true, h.needsRehash(v), nil
}

// needsRehash reports whether a verified hash should be replaced.
func (h *Hasher) needsRehash(v verifier) bool {
	a, isArgon := v.(*argon2idHash)
	if !isArgon || a.from != Argon2id {
		return true
	}
	return a.weakerThan(h.Params())
}

// DummyVerify does the work of verifying password against an argon2id hash
// made with h's parameters, and discards the result. Call it when the user
// asked for does not exist, so that the time to answer does not reveal it.
func (h *Hasher) DummyVerify(password string) {
	_, _, _ = h.Verify(h.dummyHash(), password)
}
