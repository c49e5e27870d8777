package password

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// goBcrypt hashes pw with x/crypto/bcrypt at the minimum cost.
func goBcrypt(t *testing.T, pw string) string {
	t.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBcrypt72Bytes checks bcrypt's truncation: only the first 72 bytes of
// the password count, as in PHP and Python's bcrypt before 5.0 (which hash
// longer passwords by truncating them), while Django's bcrypt_sha256 does
// not truncate. testdata/vectors.json has the same cases from the real
// libraries; these use x/crypto so that they also run without it.
func TestBcrypt72Bytes(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	p72 := strings.Repeat("0123456789", 7) + "ab" // 72 bytes
	enc := goBcrypt(t, p72)
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{p72, true},
		{p72 + "c", true},
		{p72 + strings.Repeat("long tail ", 50), true},
		{p72[:71], false},
		{p72[:71] + "x", false},
	} {
		wantVerify(t, h, enc, c.pw, c.ok, c.ok)
		wantVerify(t, h, "bcrypt$"+enc, c.pw, c.ok, c.ok)
	}

	// bcrypt_sha256 hashes the hex SHA-256 of the whole password.
	long := p72 + "tail"
	sum := sha256.Sum256([]byte(long))
	sha := "bcrypt_sha256$" + goBcrypt(t, hex.EncodeToString(sum[:]))
	wantVerify(t, h, sha, long, true, true)
	wantVerify(t, h, sha, p72, false, false)
	wantVerify(t, h, sha, p72+"tai", false, false)
}

// TestBcryptNUL checks that a password with a NUL byte never matches a bare
// bcrypt hash, although x/crypto/bcrypt alone would accept some.
func TestBcryptNUL(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	empty := goBcrypt(t, "")
	if bcrypt.CompareHashAndPassword([]byte(empty), []byte("\x00\x00\x00")) != nil {
		t.Fatal("x/crypto/bcrypt no longer equates all-NUL passwords with the empty one; revisit this test")
	}
	wantVerify(t, h, empty, "", true, true)
	wantVerify(t, h, empty, "\x00\x00\x00", false, false)
	wantVerify(t, h, "bcrypt$"+empty, "\x00", false, false)

	ab := goBcrypt(t, "ab")
	wantVerify(t, h, ab, "ab\x00cd", false, false) // PHP's crypt would say true

	withNUL := goBcrypt(t, "ab\x00cd")
	wantVerify(t, h, withNUL, "ab\x00cd", false, false)

	// bcrypt_sha256 sees only the hex digest, which has no NUL.
	sum := sha256.Sum256([]byte("a\x00b"))
	sha := "bcrypt_sha256$" + goBcrypt(t, hex.EncodeToString(sum[:]))
	wantVerify(t, h, sha, "a\x00b", true, true)
	wantVerify(t, h, sha, "a", false, false)
}
