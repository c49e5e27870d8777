package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
)

// reencode writes a parsed hash back in the one spelling its library
// produces. FuzzIdentify requires it to equal the input: a parser that
// accepted two spellings of one hash would be malleable.
func reencode(v verifier) string {
	switch v := v.(type) {
	case *argon2idHash:
		s := formatArgon2id(Params{MemoryKiB: v.memory, Time: v.time, Threads: v.threads}, v.salt, v.key)
		if v.from == DjangoArgon2 {
			s = "argon2" + s
		}
		return s
	case *bcryptHash:
		switch v.from {
		case DjangoBcrypt:
			return "bcrypt$" + string(v.hash)
		case DjangoBcryptSHA256:
			return "bcrypt_sha256$" + string(v.hash)
		}
		return string(v.hash)
	case *pbkdf2Hash:
		if v.from == WerkzeugPBKDF2 {
			return fmt.Sprintf("pbkdf2:%s:%d$%s$%x", v.digestName, v.iterations, v.salt, v.key)
		}
		return fmt.Sprintf("pbkdf2_%s$%d$%s$%s", v.digestName, v.iterations, v.salt, base64.StdEncoding.EncodeToString(v.key))
	case *scryptHash:
		return fmt.Sprintf("scrypt:%d:%d:%d$%s$%x", v.n, v.r, v.p, v.salt, v.key)
	}
	panic(fmt.Sprintf("unknown verifier %T", v))
}

// FuzzIdentify feeds arbitrary stored hashes to Identify: it must not panic,
// must classify every input as exactly one of valid, malformed or
// unsupported, and must accept only the canonical spelling of a hash.
// The seed corpus is testdata/fuzz/FuzzIdentify.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{argon2Base, bcryptBase, wzPBKDF2Base, wzScryptBase, djPBKDF2Base, djArgon2Base, djBcSHABase, djBcryptBase} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		s, err := Identify(encoded)
		malformed, unsupported := errors.Is(err, ErrMalformedHash), errors.Is(err, ErrUnsupportedHash)
		switch {
		case err == nil:
			if s == "" {
				t.Fatal("no scheme for a valid hash")
			}
			v, _, err := parse(encoded)
			if err != nil {
				t.Fatalf("parse disagrees with Identify: %v", err)
			}
			if got := reencode(v); got != encoded {
				t.Fatalf("accepted non-canonical %q; canonical is %q", encoded, got)
			}
		case malformed && !unsupported:
			if s == "" {
				t.Fatalf("malformed hash without a scheme: %v", err)
			}
		case unsupported && !malformed:
			if s != "" {
				t.Fatalf("unsupported hash with scheme %q: %v", s, err)
			}
		default:
			t.Fatalf("error %v is neither or both of malformed and unsupported", err)
		}
	})
}

// FuzzVerify feeds arbitrary stored hashes and passwords to Verify: it must
// not panic, must agree with Identify (a hash Identify accepts never gives
// an error), and must not ask to rehash after a failure. Hashes that would
// take long to compute are only identified. The seed corpus is
// testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	f.Add(argon2Base, pwASCII)
	f.Add(djArgon2Base, pwLatin)
	f.Add(bcryptBase, pwASCII)
	f.Add(djBcSHABase, "")
	f.Add(wzPBKDF2Base, pwASCII)
	f.Add(djPBKDF2Base, "x")
	h := newTestHasher(f, cheapParams())
	f.Fuzz(func(t *testing.T, encoded, password string) {
		s, idErr := Identify(encoded)
		if idErr == nil {
			v, _, _ := parse(encoded)
			if workOf(v) > 5 {
				return
			}
		}
		ok, rehash, err := h.Verify(encoded, password)
		switch {
		case idErr == nil && err != nil:
			t.Fatalf("Identify accepted %q as %s but Verify failed: %v", encoded, s, err)
		case idErr != nil && (err == nil || err.Error() != idErr.Error()):
			t.Fatalf("Identify: %v; Verify: %v", idErr, err)
		case !ok && rehash:
			t.Fatal("needsRehash after a failed verification")
		case ok && s != Argon2id && !rehash:
			t.Fatalf("legacy %s hash verified without needsRehash", s)
		}
	})
}
