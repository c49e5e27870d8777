package password

import (
	"errors"
	"fmt"
	"strings"
)

// Scheme names the format of a stored password hash.
type Scheme string

// The schemes that [Identify] recognises and [Hasher.Verify] verifies.
const (
	// Argon2id is the PHC string $argon2id$v=19$m=..,t=..,p=..$salt$hash
	// that [Hasher.Hash] produces.
	Argon2id Scheme = "argon2id"
	// Bcrypt is a $2a$, $2b$ or $2y$ hash (PHP password_hash, Python bcrypt).
	Bcrypt Scheme = "bcrypt"
	// WerkzeugPBKDF2 is Werkzeug's pbkdf2:DIGEST:ITERATIONS$salt$hexhash.
	WerkzeugPBKDF2 Scheme = "werkzeug-pbkdf2"
	// WerkzeugScrypt is Werkzeug's scrypt:N:r:p$salt$hexhash.
	WerkzeugScrypt Scheme = "werkzeug-scrypt"
	// DjangoPBKDF2 is Django's pbkdf2_sha256$ITERATIONS$salt$base64hash or
	// pbkdf2_sha1$....
	DjangoPBKDF2 Scheme = "django-pbkdf2"
	// DjangoArgon2 is Django's argon2$argon2id$v=19$....
	DjangoArgon2 Scheme = "django-argon2"
	// DjangoBcryptSHA256 is Django's bcrypt_sha256$$2b$..., bcrypt over the
	// hex SHA-256 of the password.
	DjangoBcryptSHA256 Scheme = "django-bcrypt-sha256"
	// DjangoBcrypt is Django's bcrypt$$2b$....
	DjangoBcrypt Scheme = "django-bcrypt"
)

var (
	// ErrMalformedHash means a stored hash names a supported scheme but is
	// not a valid hash of it: truncated, badly encoded, or with parameters
	// out of bounds. No password can match it.
	ErrMalformedHash = errors.New("malformed password hash")
	// ErrUnsupportedHash means a stored hash is of a scheme this package
	// does not verify (md5-crypt, sha512-crypt, argon2i, plain text, ...).
	ErrUnsupportedHash = errors.New("unsupported password hash scheme")
)

// verifier is a stored hash that has been parsed and validated.
type verifier interface {
	// scheme returns the format the hash was stored in.
	scheme() Scheme
	// verify reports whether password matches, comparing in constant time.
	// An error means the hash could not be computed (never a wrong password).
	verify(password string) (bool, error)
}

// Identify parses and validates encoded without a password and returns its
// scheme, so that imported rows can be checked before anything is stored.
// The error wraps [ErrUnsupportedHash] for a scheme this package does not
// verify (the scheme is then empty), or [ErrMalformedHash] for a hash of a
// known scheme that no password can match; in that case the scheme its prefix
// names is returned alongside the error, for reports. Errors never contain the
// salt or hash of encoded.
func Identify(encoded string) (Scheme, error) {
	v, s, err := parse(encoded)
	if err != nil {
		return s, err
	}
	return v.scheme(), nil
}

// parse dispatches on the prefix of encoded. On error it also returns the
// scheme the prefix names, if any.
func parse(encoded string) (verifier, Scheme, error) {
	var (
		v   verifier
		s   Scheme
		err error
	)
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		s = Argon2id
		v, err = parseArgon2id(encoded, Argon2id)
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		s = Bcrypt
		v, err = parseBcrypt(encoded, Bcrypt)
	case strings.HasPrefix(encoded, "pbkdf2:"):
		s = WerkzeugPBKDF2
		v, err = parseWerkzeugPBKDF2(encoded)
	case strings.HasPrefix(encoded, "scrypt:"):
		s = WerkzeugScrypt
		v, err = parseWerkzeugScrypt(encoded)
	case strings.HasPrefix(encoded, "pbkdf2_sha256$"), strings.HasPrefix(encoded, "pbkdf2_sha1$"):
		s = DjangoPBKDF2
		v, err = parseDjangoPBKDF2(encoded)
	case strings.HasPrefix(encoded, "argon2$"):
		s = DjangoArgon2
		v, err = parseDjangoArgon2(encoded)
	case strings.HasPrefix(encoded, "bcrypt_sha256$"):
		s = DjangoBcryptSHA256
		v, err = parseDjangoBcrypt(encoded, DjangoBcryptSHA256)
	case strings.HasPrefix(encoded, "bcrypt$"):
		s = DjangoBcrypt
		v, err = parseDjangoBcrypt(encoded, DjangoBcrypt)
	default:
		return nil, "", unsupported(encoded)
	}
	if err != nil {
		if errors.Is(err, ErrUnsupportedHash) {
			s = ""
		}
		return nil, s, err
	}
	return v, s, nil
}

// unsupported returns an error wrapping ErrUnsupportedHash. It names the
// format when it is a well-known one and otherwise shows nothing of encoded,
// which could be a plain-text password.
func unsupported(encoded string) error {
	known := [...]struct{ prefix, name string }{
		{"$argon2i$", "argon2i"},
		{"$argon2d$", "argon2d"},
		{"$2x$", "bcrypt $2x$ (crypt_blowfish sign-extension bug)"},
		{"$2$", "bcrypt $2$ (original OpenBSD)"},
		{"$1$", "md5-crypt"},
		{"$5$", "sha256-crypt"},
		{"$6$", "sha512-crypt"},
		{"$y$", "yescrypt"},
		{"$7$", "scrypt-crypt"},
		{"$apr1$", "apache md5"},
		{"$scrypt$", "passlib scrypt"},
		{"$pbkdf2", "passlib pbkdf2"},
		{"{SSHA}", "ldap ssha"},
		{"{SHA}", "ldap sha"},
		{"sha1$", "salted sha1"},
		{"sha256$", "salted sha256"},
		{"sha512$", "salted sha512"},
		{"md5$", "salted md5"},
		{"unsalted_sha1$", "django unsalted sha1"},
		{"unsalted_md5$", "django unsalted md5"},
		{"crypt$", "django crypt"},
		{"scrypt$", "django scrypt"},
		{"plain$", "werkzeug plain text"},
	}
	for _, k := range known {
		if strings.HasPrefix(encoded, k.prefix) {
			return fmt.Errorf("%w: %s", ErrUnsupportedHash, k.name)
		}
	}
	if encoded == "" {
		return fmt.Errorf("%w: empty", ErrUnsupportedHash)
	}
	return fmt.Errorf("%w: unrecognised format", ErrUnsupportedHash)
}

// malformed returns an error wrapping ErrMalformedHash with the scheme and a
// detail that must not contain the salt, hash or password.
func malformed(s Scheme, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformedHash, s, fmt.Sprintf(format, args...))
}

// unsupportedDetail returns an error wrapping ErrUnsupportedHash with a
// detail that must not contain the salt, hash or password.
func unsupportedDetail(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupportedHash, fmt.Sprintf(format, args...))
}

// parseDecimal parses a canonical unsigned decimal (no sign, no leading
// zero, no spaces, no underscores) that is at most max.
func parseDecimal(s string, max uint64) (uint64, bool) {
	if s == "" || len(s) > 20 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > max/10 {
			return 0, false
		}
		n *= 10
		if d > max-n {
			return 0, false
		}
		n += d
	}
	return n, true
}
