package password

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Bounds on argon2id hashes read from storage. The lower bounds are those of
// the argon2 reference implementation (which argon2-cffi and Django use), so
// that any hash it made verifies; the upper bounds are those of CheckParams.
const (
	importMinSaltLen = 8
	importMinKeyLen  = 4
)

// argon2idHash is a parsed argon2id hash, native or inside Django's wrapper.
type argon2idHash struct {
	from    Scheme
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

func (a *argon2idHash) scheme() Scheme { return a.from }

func (a *argon2idHash) verify(password string) (bool, error) {
	got := argon2.IDKey([]byte(password), a.salt, a.time, a.memory, a.threads, uint32(len(a.key)))
	return subtle.ConstantTimeCompare(got, a.key) == 1, nil
}

// weakerThan reports whether a costs less than p in any dimension that
// matters to an attacker: memory, passes, salt length or key length.
// Parallelism is not one of them.
func (a *argon2idHash) weakerThan(p Params) bool {
	return a.memory < p.MemoryKiB || a.time < p.Time ||
		uint32(len(a.salt)) < p.SaltLen || uint32(len(a.key)) < p.KeyLen
}

// formatArgon2id returns the PHC string of an argon2id hash.
func formatArgon2id(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// parseArgon2id parses the PHC string $argon2id$v=19$m=M,t=T,p=P$salt$hash
// exactly as the argon2 reference implementation does: parameters in that
// order, canonical decimals, salt and hash in unpadded canonical base64.
func parseArgon2id(encoded string, from Scheme) (*argon2idHash, error) {
	f := strings.Split(encoded, "$")
	if len(f) < 2 || f[0] != "" {
		return nil, malformed(from, "not a PHC string")
	}
	switch f[1] {
	case "argon2id":
	case "argon2i", "argon2d":
		return nil, unsupportedDetail("%s", f[1])
	default:
		return nil, malformed(from, "unknown argon2 variant")
	}
	if len(f) == 5 && strings.HasPrefix(f[2], "m=") {
		return nil, unsupportedDetail("argon2id version 16 (no v= field)")
	}
	if len(f) != 6 {
		return nil, malformed(from, "want 6 $-separated fields, got %d", len(f))
	}
	v, ok := strings.CutPrefix(f[2], "v=")
	if !ok {
		return nil, malformed(from, "missing version")
	}
	switch v {
	case "19":
	case "16":
		return nil, unsupportedDetail("argon2id version 16")
	default:
		return nil, malformed(from, "unknown version")
	}
	a := &argon2idHash{from: from}
	params := strings.Split(f[3], ",")
	if len(params) != 3 {
		return nil, malformed(from, "want parameters m=,t=,p=")
	}
	m, err := argon2Param(from, params[0], "m", 1, MaxMemoryKiB)
	if err != nil {
		return nil, err
	}
	t, err := argon2Param(from, params[1], "t", MinTime, MaxTime)
	if err != nil {
		return nil, err
	}
	p, err := argon2Param(from, params[2], "p", 1, 255)
	if err != nil {
		return nil, err
	}
	if m < 8*p {
		return nil, malformed(from, "memory m=%d is below 8*p = %d", m, 8*p)
	}
	a.memory, a.time, a.threads = uint32(m), uint32(t), uint8(p)
	if a.salt, err = decodeB64(base64.RawStdEncoding, f[4]); err != nil {
		return nil, malformed(from, "salt: %v", err)
	}
	if n := len(a.salt); n < importMinSaltLen || n > MaxSaltLen {
		return nil, malformed(from, "salt length %d out of range %d..%d", n, importMinSaltLen, MaxSaltLen)
	}
	if a.key, err = decodeB64(base64.RawStdEncoding, f[5]); err != nil {
		return nil, malformed(from, "hash: %v", err)
	}
	if n := len(a.key); n < importMinKeyLen || n > MaxKeyLen {
		return nil, malformed(from, "hash length %d out of range %d..%d", n, importMinKeyLen, MaxKeyLen)
	}
	return a, nil
}

// argon2Param parses one "name=value" parameter within [lo, hi].
func argon2Param(from Scheme, kv, name string, lo, hi uint64) (uint64, error) {
	v, ok := strings.CutPrefix(kv, name+"=")
	if !ok {
		return 0, malformed(from, "want parameter %s=", name)
	}
	n, ok := parseDecimal(v, hi)
	if !ok {
		if _, ok := parseDecimal(v, ^uint64(0)); ok {
			return 0, malformed(from, "parameter %s=%s is above the maximum %d", name, v, hi)
		}
		return 0, malformed(from, "parameter %s is not a canonical decimal", name)
	}
	if n < lo {
		return 0, malformed(from, "parameter %s=%d is below the minimum %d", name, n, lo)
	}
	return n, nil
}

// parseDjangoArgon2 parses Django's argon2$argon2id$v=19$... form.
func parseDjangoArgon2(encoded string) (*argon2idHash, error) {
	return parseArgon2id(strings.TrimPrefix(encoded, "argon2"), DjangoArgon2)
}

// decodeB64 decodes s strictly: canonical trailing bits and no line breaks,
// which encoding/base64 would otherwise skip. The error shows no input.
func decodeB64(enc *base64.Encoding, s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in base64")
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	return b, nil
}
