package password

import (
	"crypto/subtle"
	"errors"
	"math"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Bounds on Werkzeug scrypt hashes read from storage.
const (
	maxScryptN           = 1 << 20
	maxScryptRP          = 64
	maxScryptMemory      = 1 << 30 // 128*N*r bytes
	werkzeugScryptKeyLen = 64      // hashlib.scrypt's default dklen
)

// scryptHash is a parsed Werkzeug scrypt hash.
type scryptHash struct {
	n, r, p int
	salt    []byte
	key     []byte
}

func (s *scryptHash) scheme() Scheme { return WerkzeugScrypt }

func (s *scryptHash) verify(password string) (bool, error) {
	got, err := scrypt.Key([]byte(password), s.salt, s.n, s.r, s.p, len(s.key))
	if err != nil {
		return false, malformed(WerkzeugScrypt, "scrypt: %v", err)
	}
	return subtle.ConstantTimeCompare(got, s.key) == 1, nil
}

// splitWerkzeug splits Werkzeug's method$salt$hexhash form as
// check_password_hash does, and checks that the salt is not empty (Werkzeug
// never makes such a hash) and the hash is lower-case hex (Werkzeug compares
// the hex strings, so no other spelling ever matches).
func splitWerkzeug(encoded string, from Scheme) (method string, salt, key []byte, err error) {
	method, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		return "", nil, nil, malformed(from, "want method$salt$hash")
	}
	s, h, ok := strings.Cut(rest, "$")
	if !ok {
		return "", nil, nil, malformed(from, "want method$salt$hash")
	}
	if s == "" {
		return "", nil, nil, malformed(from, "empty salt")
	}
	if key, err = decodeLowerHex(h); err != nil {
		return "", nil, nil, malformed(from, "hash: %v", err)
	}
	return method, []byte(s), key, nil
}

// parseWerkzeugPBKDF2 parses pbkdf2:DIGEST:ITERATIONS$salt$hexhash. Werkzeug
// has always written the iteration count into the hash; a hash without one
// would silently depend on the Werkzeug version's default, so it is refused.
func parseWerkzeugPBKDF2(encoded string) (*pbkdf2Hash, error) {
	method, salt, key, err := splitWerkzeug(encoded, WerkzeugPBKDF2)
	if err != nil {
		return nil, err
	}
	args := strings.Split(strings.TrimPrefix(method, "pbkdf2:"), ":")
	digest, size, ok := pbkdf2Digest(args[0])
	if !ok {
		if args[0] == "" {
			return nil, malformed(WerkzeugPBKDF2, "empty digest name")
		}
		return nil, unsupportedDetail("werkzeug pbkdf2 digest")
	}
	if len(args) != 2 {
		return nil, malformed(WerkzeugPBKDF2, "want pbkdf2:DIGEST:ITERATIONS")
	}
	iter, err := iterations(WerkzeugPBKDF2, args[1])
	if err != nil {
		return nil, err
	}
	if len(key) != size {
		return nil, malformed(WerkzeugPBKDF2, "hash length %d, want %d for %s", len(key), size, args[0])
	}
	return &pbkdf2Hash{from: WerkzeugPBKDF2, digestName: args[0], digest: digest, iterations: iter, salt: salt, key: key}, nil
}

// parseWerkzeugScrypt parses scrypt:N:r:p$salt$hexhash.
func parseWerkzeugScrypt(encoded string) (*scryptHash, error) {
	method, salt, key, err := splitWerkzeug(encoded, WerkzeugScrypt)
	if err != nil {
		return nil, err
	}
	args := strings.Split(strings.TrimPrefix(method, "scrypt:"), ":")
	if len(args) != 3 {
		return nil, malformed(WerkzeugScrypt, "want scrypt:N:r:p")
	}
	var v [3]uint64
	for i, name := range [...]string{"N", "r", "p"} {
		n, ok := parseDecimal(args[i], maxScryptN)
		if !ok {
			return nil, malformed(WerkzeugScrypt, "%s is not a decimal in 1..%d", name, maxScryptN)
		}
		if n < 1 {
			return nil, malformed(WerkzeugScrypt, "%s=0", name)
		}
		v[i] = n
	}
	n, r, p := v[0], v[1], v[2]
	if n < 2 || n&(n-1) != 0 {
		return nil, malformed(WerkzeugScrypt, "N=%d is not a power of two of at least 2", n)
	}
	if r*p > maxScryptRP {
		return nil, malformed(WerkzeugScrypt, "r*p = %d is above the maximum %d", r*p, maxScryptRP)
	}
	if 128*n*r > maxScryptMemory {
		return nil, malformed(WerkzeugScrypt, "128*N*r = %d bytes is above the maximum %d", 128*n*r, maxScryptMemory)
	}
	// Werkzeug calls hashlib.scrypt with maxmem = 132*N*r*p, which must be
	// below 2^31 (Python) and cover OpenSSL's 128*r*p + 128*r*(N+2) bytes:
	// Werkzeug cannot verify, nor have made, a hash outside these limits
	// (for example any with p=1 and N below 128).
	if maxmem := 132 * n * r * p; maxmem > math.MaxInt32 || 128*r*p+128*r*(n+2) > maxmem {
		return nil, malformed(WerkzeugScrypt, "N=%d, r=%d, p=%d exceed the memory Werkzeug allows hashlib.scrypt", n, r, p)
	}
	if len(key) != werkzeugScryptKeyLen {
		return nil, malformed(WerkzeugScrypt, "hash length %d, want %d", len(key), werkzeugScryptKeyLen)
	}
	return &scryptHash{n: int(n), r: int(r), p: int(p), salt: salt, key: key}, nil
}

// iterations parses a PBKDF2 iteration count as a canonical decimal within
// 1..maxPBKDF2Iterations.
func iterations(from Scheme, s string) (int, error) {
	n, ok := parseDecimal(s, maxPBKDF2Iterations)
	if !ok {
		if _, ok := parseDecimal(s, ^uint64(0)); ok {
			return 0, malformed(from, "iterations %s above the maximum %d", s, maxPBKDF2Iterations)
		}
		return 0, malformed(from, "iterations is not a canonical decimal")
	}
	if n < 1 {
		return 0, malformed(from, "iterations 0")
	}
	return int(n), nil
}

// decodeLowerHex decodes lower-case hex. The error shows no input.
func decodeLowerHex(s string) ([]byte, error) {
	if len(s)%2 != 0 {
		return nil, errors.New("odd-length hex")
	}
	b := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := lowerHexDigit(s[i])
		lo, ok2 := lowerHexDigit(s[i+1])
		if !ok1 || !ok2 {
			return nil, errors.New("not lower-case hex")
		}
		b[i/2] = hi<<4 | lo
	}
	return b, nil
}

func lowerHexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
