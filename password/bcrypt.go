package password

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// MaxBcryptCost is the largest bcrypt cost that [Hasher.Verify] will
// compute. The format allows up to 31, but each step doubles the work and
// cost 31 takes days, so a hostile row could stall logins; real deployments
// use 10 to 14. A higher cost makes a hash malformed.
const MaxBcryptCost = 18

// bcryptMaxPassword is the number of password bytes bcrypt uses.
const bcryptMaxPassword = 72

// bcryptAlphabet is bcrypt's own base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// bcryptHash is a parsed bcrypt hash, bare or inside one of Django's wrappers.
type bcryptHash struct {
	from    Scheme
	hash    []byte // the 60-byte $2?$NN$... form
	prehash bool   // Django bcrypt_sha256: bcrypt(hex(sha256(password)))
}

func (b *bcryptHash) scheme() Scheme { return b.from }

// verify checks password the way Python's bcrypt (before 5.0) and PHP do:
// only the first 72 bytes count, so a longer password verifies against the
// hash of its 72-byte prefix. Django's bcrypt_sha256 first replaces the
// password with the lower-case hex SHA-256 of it (64 bytes, never truncated).
//
// A password with a NUL byte never matches a bare bcrypt hash: stacks
// disagree on it (PHP's crypt stops at the NUL, Python's bcrypt before 4.0
// raises an error, later ones hash every byte) and bcrypt's key schedule
// makes all-NUL passwords of any length equal to the empty one.
func (b *bcryptHash) verify(password string) (bool, error) {
	if !b.prehash && strings.IndexByte(password, 0) >= 0 {
		return false, nil
	}
	pw := []byte(password)
	if b.prehash {
		sum := sha256.Sum256(pw)
		pw = []byte(hex.EncodeToString(sum[:]))
	}
	if len(pw) > bcryptMaxPassword {
		pw = pw[:bcryptMaxPassword]
	}
	// CompareHashAndPassword compares in constant time.
	switch err := bcrypt.CompareHashAndPassword(b.hash, pw); {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, malformed(b.from, "bcrypt: %v", err)
	}
}

// parseBcrypt validates a 60-character $2a$/$2b$/$2y$ hash the way the
// OpenBSD and crypt_blowfish implementations read it: a two-digit cost, a
// 22-character salt and a 31-character hash in bcrypt's base64, with the
// unused low bits of their last characters zero (otherwise Python's and PHP's
// bcrypt, which re-encode and compare the whole string, never match it).
func parseBcrypt(encoded string, from Scheme) (*bcryptHash, error) {
	if len(encoded) < 4 || encoded[0] != '$' || encoded[1] != '2' || encoded[3] != '$' {
		return nil, malformed(from, "not a bcrypt hash")
	}
	switch encoded[2] {
	case 'a', 'b', 'y':
	case 'x':
		return nil, unsupportedDetail("bcrypt $2x$ (crypt_blowfish sign-extension bug)")
	default:
		return nil, malformed(from, "unknown bcrypt version")
	}
	if len(encoded) != 60 {
		return nil, malformed(from, "length %d, want 60", len(encoded))
	}
	if encoded[6] != '$' {
		return nil, malformed(from, "want a two-digit cost")
	}
	costStr := encoded[4:6]
	if costStr[0] < '0' || costStr[0] > '9' || costStr[1] < '0' || costStr[1] > '9' {
		return nil, malformed(from, "cost is not two digits")
	}
	cost := int(costStr[0]-'0')*10 + int(costStr[1]-'0')
	if cost < bcrypt.MinCost || cost > MaxBcryptCost {
		return nil, malformed(from, "cost %d out of range %d..%d", cost, bcrypt.MinCost, MaxBcryptCost)
	}
	body := encoded[7:]
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(bcryptAlphabet, body[i]) < 0 {
			return nil, malformed(from, "invalid character in salt or hash")
		}
	}
	// The 22nd salt character carries 2 bits (16 bytes = 128 bits in 132),
	// the 31st hash character 4 bits (23 bytes = 184 bits in 186).
	if strings.IndexByte(bcryptAlphabet, body[21])&0x0f != 0 {
		return nil, malformed(from, "non-canonical salt encoding")
	}
	if strings.IndexByte(bcryptAlphabet, body[52])&0x03 != 0 {
		return nil, malformed(from, "non-canonical hash encoding")
	}
	return &bcryptHash{from: from, hash: []byte(encoded)}, nil
}

// parseDjangoBcrypt parses Django's bcrypt_sha256$$2b$... and bcrypt$$2b$...
// forms: the algorithm name, a "$", then bcrypt's own $2b$ string.
func parseDjangoBcrypt(encoded string, from Scheme) (*bcryptHash, error) {
	prefix := "bcrypt$"
	if from == DjangoBcryptSHA256 {
		prefix = "bcrypt_sha256$"
	}
	rest := strings.TrimPrefix(encoded, prefix)
	b, err := parseBcrypt(rest, from)
	if err != nil {
		return nil, err
	}
	b.prehash = from == DjangoBcryptSHA256
	return b, nil
}
