package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
)

// Bounds on PBKDF2 hashes read from storage.
const (
	maxPBKDF2Iterations = 10_000_000
)

// pbkdf2Hash is a parsed PBKDF2-HMAC hash from Werkzeug or Django. Both use
// the salt as its literal UTF-8 bytes and a key as long as the digest.
type pbkdf2Hash struct {
	from       Scheme
	digestName string // hashlib's name: sha1, sha256, ...
	digest     func() hash.Hash
	iterations int
	salt       []byte
	key        []byte
}

func (p *pbkdf2Hash) scheme() Scheme { return p.from }

func (p *pbkdf2Hash) verify(password string) (bool, error) {
	got, err := pbkdf2.Key(p.digest, password, p.salt, p.iterations, len(p.key))
	if err != nil {
		// Only FIPS 140 mode refuses valid parameters (a short salt).
		return false, unsupportedDetail("pbkdf2 refused: %v", err)
	}
	return subtle.ConstantTimeCompare(got, p.key) == 1, nil
}

// pbkdf2Digest returns, for a Werkzeug (hashlib) digest name, its
// constructor and output size.
func pbkdf2Digest(name string) (func() hash.Hash, int, bool) {
	switch name {
	case "sha1":
		return sha1.New, sha1.Size, true
	case "sha224":
		return sha256.New224, sha256.Size224, true
	case "sha256":
		return sha256.New, sha256.Size, true
	case "sha384":
		return sha512.New384, sha512.Size384, true
	case "sha512":
		return sha512.New, sha512.Size, true
	}
	return nil, 0, false
}
