package password

import (
	"errors"
	"strings"
	"testing"
)

// Real hashes (from testdata/vectors.json) that the malformed cases below
// are derived from, one change at a time.
const (
	pwASCII = "correct horse battery staple"
	pwLatin = "pässwörd ☃"

	argon2Base   = "$argon2id$v=19$m=1024,t=1,p=1$E0cmfh2rdBs$hlr0TAVUcEDWDM6TIMVRUQ"           // argon2-cffi, pwASCII
	bcryptBase   = "$2a$04$.sqBaIGIlUvaHI4GBHEY7O5qi48yAJthjjAjfOF2omC11SEeUv2aG"               // pyca/bcrypt, pwASCII
	wzPBKDF2Base = "pbkdf2:sha1:1000$trEVvNJrjEFFHnZH$d1d84aa7618df6e5acaa45f2350fa716a38636d1" // Werkzeug, pwASCII
	wzScryptBase = "scrypt:1024:8:1$luGNE3Wl4kpF39Ml$3f77722676e86c9daaea1419701ad2cf66e330db684fca41352dd05d1184e5b583d4dc12e4ce206287af67404ca251d9cc51f07de946cb186cb799f28efbeadc"
	djPBKDF2Base = "pbkdf2_sha1$1500$YhR73tSuC2RxljqMBJTRbi$iWvxDFuZk96SFehrMybJ3FoCaNQ="                      // Django, pwASCII
	djArgon2Base = "argon2$argon2id$v=19$m=8192,t=1,p=2$M0oxRGdmaTEwMUhjZEI4blJYbWF0aQ$jsHQWuYhgDV+yUXrroKXQA" // Django, pwLatin
	djBcSHABase  = "bcrypt_sha256$$2b$04$tDidgxzhYVI89nHpBwe5...Ba5QvWYGkTOUg15DU3lB4VTyFmYTpS"                // Django, pwASCII
	djBcryptBase = "bcrypt$" + bcryptBase
)

// TestBasesVerify makes sure every base hash verifies, so that each
// malformed case fails because of its one change.
func TestBasesVerify(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	for _, c := range []struct {
		enc, pw string
		s       Scheme
	}{
		{argon2Base, pwASCII, Argon2id},
		{bcryptBase, pwASCII, Bcrypt},
		{wzPBKDF2Base, pwASCII, WerkzeugPBKDF2},
		{wzScryptBase, pwASCII, WerkzeugScrypt},
		{djPBKDF2Base, pwASCII, DjangoPBKDF2},
		{djArgon2Base, pwLatin, DjangoArgon2},
		{djBcSHABase, pwASCII, DjangoBcryptSHA256},
		{djBcryptBase, pwASCII, DjangoBcrypt},
	} {
		if s, err := Identify(c.enc); s != c.s || err != nil {
			t.Errorf("Identify(%.30q) = %q, %v; want %q", c.enc, s, err, c.s)
		}
		wantVerify(t, h, c.enc, c.pw, true, true)
	}
}

// swap replaces the one occurrence of old in s by new.
func swap(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q occurs %d times in %q", old, strings.Count(s, old), s)
	}
	return strings.Replace(s, old, new, 1)
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	hex128 := wzScryptBase[strings.LastIndexByte(wzScryptBase, '$')+1:]
	cases := []struct {
		name string
		enc  string
		s    Scheme
	}{
		// argon2id
		{"argon2id/prefix only", "$argon2id$", Argon2id},
		{"argon2id/truncated in params", argon2Base[:len("$argon2id$v=19$m=10")], Argon2id},
		{"argon2id/no hash", argon2Base[:strings.LastIndexByte(argon2Base, '$')], Argon2id},
		{"argon2id/extra field", argon2Base + "$", Argon2id},
		{"argon2id/empty salt", swap(t, argon2Base, "$E0cmfh2rdBs$", "$$"), Argon2id},
		{"argon2id/empty hash", argon2Base[:strings.LastIndexByte(argon2Base, '$')+1], Argon2id},
		{"argon2id/bad base64 salt", swap(t, argon2Base, "E0cmfh2rdBs", "E0cmfh2rd!s"), Argon2id},
		{"argon2id/padded hash", argon2Base + "==", Argon2id},
		{"argon2id/url-safe base64", swap(t, argon2Base, "hlr0TAVUcEDWDM6TIMVRUQ", "hlr0TAVUcEDWDM6TIMVR_Q"), Argon2id},
		{"argon2id/non-canonical salt bits", swap(t, argon2Base, "E0cmfh2rdBs", "E0cmfh2rdBt"), Argon2id},
		{"argon2id/non-canonical hash bits", swap(t, argon2Base, "TIMVRUQ", "TIMVRUR"), Argon2id},
		{"argon2id/line break in hash", swap(t, argon2Base, "TIMVRUQ", "TIMV\nRUQ"), Argon2id},
		{"argon2id/hash length 1 mod 4", swap(t, argon2Base, "TIMVRUQ", "TIMVRUQAAA"), Argon2id},
		{"argon2id/salt of 4 bytes", swap(t, argon2Base, "E0cmfh2rdBs", "E0cmfg"), Argon2id},
		{"argon2id/hash of 3 bytes", swap(t, argon2Base, "hlr0TAVUcEDWDM6TIMVRUQ", "hlr0"), Argon2id},
		{"argon2id/unknown version", swap(t, argon2Base, "v=19", "v=20"), Argon2id},
		{"argon2id/no version key", swap(t, argon2Base, "v=19", "19"), Argon2id},
		{"argon2id/params reordered", swap(t, argon2Base, "m=1024,t=1,p=1", "t=1,m=1024,p=1"), Argon2id},
		{"argon2id/params with spaces", swap(t, argon2Base, "m=1024,t=1,p=1", "m=1024, t=1, p=1"), Argon2id},
		{"argon2id/keyid param", swap(t, argon2Base, "m=1024,t=1,p=1", "m=1024,t=1,p=1,keyid=AA"), Argon2id},
		{"argon2id/leading zero", swap(t, argon2Base, "m=1024", "m=01024"), Argon2id},
		{"argon2id/sign", swap(t, argon2Base, "t=1", "t=+1"), Argon2id},
		{"argon2id/m=0", swap(t, argon2Base, "m=1024", "m=0"), Argon2id},
		{"argon2id/t=0", swap(t, argon2Base, "t=1", "t=0"), Argon2id},
		{"argon2id/p=0", swap(t, argon2Base, "p=1", "p=0"), Argon2id},
		{"argon2id/m below 8p", swap(t, argon2Base, "m=1024,t=1,p=1", "m=63,t=1,p=8"), Argon2id},
		{"argon2id/m above 4 GiB", swap(t, argon2Base, "m=1024", "m=4194305"), Argon2id},
		{"argon2id/m overflows uint32", swap(t, argon2Base, "m=1024", "m=4294967297"), Argon2id},
		{"argon2id/m overflows uint64", swap(t, argon2Base, "m=1024", "m=99999999999999999999999"), Argon2id},
		{"argon2id/t above 64", swap(t, argon2Base, "t=1", "t=65"), Argon2id},
		{"argon2id/p above 255", swap(t, argon2Base, "m=1024,t=1,p=1", "m=4096,t=1,p=256"), Argon2id},
		{"django-argon2/prefix only", "argon2$", DjangoArgon2},
		{"django-argon2/missing inner $", "argon2argon2id$v=19", ""},
		{"django-argon2/double $", swap(t, djArgon2Base, "argon2$argon2id", "argon2$$argon2id"), DjangoArgon2},
		{"django-argon2/t above 64", swap(t, djArgon2Base, "t=1", "t=100"), DjangoArgon2},
		{"django-argon2/truncated hash", djArgon2Base[:len(djArgon2Base)-1], DjangoArgon2},

		// bcrypt
		{"bcrypt/prefix only", "$2b$", Bcrypt},
		{"bcrypt/truncated", bcryptBase[:59], Bcrypt},
		{"bcrypt/salt only", bcryptBase[:29], Bcrypt},
		{"bcrypt/too long", bcryptBase + "a", Bcrypt},
		{"bcrypt/one-digit cost", "$2b$4$" + bcryptBase[7:] + "a", Bcrypt},
		{"bcrypt/cost not digits", swap(t, bcryptBase, "$04$", "$0x$"), Bcrypt},
		{"bcrypt/cost 03", swap(t, bcryptBase, "$04$", "$03$"), Bcrypt},
		{"bcrypt/cost 19", swap(t, bcryptBase, "$04$", "$19$"), Bcrypt},
		{"bcrypt/cost 31", swap(t, bcryptBase, "$04$", "$31$"), Bcrypt},
		{"bcrypt/cost 99", swap(t, bcryptBase, "$04$", "$99$"), Bcrypt},
		{"bcrypt/no $ after cost", swap(t, bcryptBase, "$04$", "$04."), Bcrypt},
		{"bcrypt/standard base64 char", swap(t, bcryptBase, "omC11", "om+11"), Bcrypt},
		{"bcrypt/padding", bcryptBase[:59] + "=", Bcrypt},
		{"bcrypt/non-canonical salt", bcryptBase[:28] + "P" + bcryptBase[29:], Bcrypt},
		{"bcrypt/non-canonical hash", bcryptBase[:59] + "H", Bcrypt},
		{"django-bcrypt/prefix only", "bcrypt$", DjangoBcrypt},
		{"django-bcrypt/missing $", "bcrypt" + bcryptBase, DjangoBcrypt},
		{"django-bcrypt/no inner $", "bcrypt$" + bcryptBase[1:], DjangoBcrypt},
		{"django-bcrypt/truncated", djBcryptBase[:len(djBcryptBase)-1], DjangoBcrypt},
		{"django-bcrypt/unknown version", swap(t, djBcryptBase, "$2a$", "$2c$"), DjangoBcrypt},
		{"django-bcrypt-sha256/cost 32", swap(t, djBcSHABase, "$04$", "$32$"), DjangoBcryptSHA256},
		{"django-bcrypt-sha256/non-canonical hash", djBcSHABase[:len(djBcSHABase)-1] + "T", DjangoBcryptSHA256},

		// Werkzeug pbkdf2
		{"werkzeug-pbkdf2/prefix only", "pbkdf2:", WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/no hash", wzPBKDF2Base[:strings.LastIndexByte(wzPBKDF2Base, '$')], WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/no iterations", swap(t, wzPBKDF2Base, "sha1:1000$", "sha1$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/empty iterations", swap(t, wzPBKDF2Base, "sha1:1000$", "sha1:$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/extra argument", swap(t, wzPBKDF2Base, ":1000$", ":1000:1$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/empty digest", swap(t, wzPBKDF2Base, "sha1:", ":"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/iterations 0", swap(t, wzPBKDF2Base, ":1000$", ":0$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/iterations above 10M", swap(t, wzPBKDF2Base, ":1000$", ":10000001$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/iterations leading zero", swap(t, wzPBKDF2Base, ":1000$", ":01000$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/iterations underscore", swap(t, wzPBKDF2Base, ":1000$", ":1_000$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/iterations negative", swap(t, wzPBKDF2Base, ":1000$", ":-1000$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/empty salt", swap(t, wzPBKDF2Base, "$trEVvNJrjEFFHnZH$", "$$"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/upper-case hex", swap(t, wzPBKDF2Base, "d1d84aa7618df6e5", "D1D84AA7618DF6E5"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/odd hex", wzPBKDF2Base[:len(wzPBKDF2Base)-1], WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/non-hex", swap(t, wzPBKDF2Base, "a38636d1", "a38636g1"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/$ in hash", swap(t, wzPBKDF2Base, "a38636d1", "a3863$d1"), WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/short hash", wzPBKDF2Base[:len(wzPBKDF2Base)-2], WerkzeugPBKDF2},
		{"werkzeug-pbkdf2/sha256 with sha1 length", swap(t, wzPBKDF2Base, "sha1", "sha256"), WerkzeugPBKDF2},

		// Werkzeug scrypt
		{"werkzeug-scrypt/prefix only", "scrypt:", WerkzeugScrypt},
		{"werkzeug-scrypt/default method without parameters", swap(t, wzScryptBase, "scrypt:1024:8:1$", "scrypt$"), ""},
		{"werkzeug-scrypt/two parameters", swap(t, wzScryptBase, ":1024:8:1$", ":1024:8$"), WerkzeugScrypt},
		{"werkzeug-scrypt/N not a power of two", swap(t, wzScryptBase, ":1024:", ":1000:"), WerkzeugScrypt},
		{"werkzeug-scrypt/N=1", swap(t, wzScryptBase, ":1024:", ":1:"), WerkzeugScrypt},
		{"werkzeug-scrypt/N=0", swap(t, wzScryptBase, ":1024:", ":0:"), WerkzeugScrypt},
		{"werkzeug-scrypt/N=2^21", swap(t, wzScryptBase, ":1024:", ":2097152:"), WerkzeugScrypt},
		{"werkzeug-scrypt/N leading zero", swap(t, wzScryptBase, ":1024:", ":01024:"), WerkzeugScrypt},
		{"werkzeug-scrypt/r=0", swap(t, wzScryptBase, ":8:1$", ":0:1$"), WerkzeugScrypt},
		{"werkzeug-scrypt/p=0", swap(t, wzScryptBase, ":8:1$", ":8:0$"), WerkzeugScrypt},
		{"werkzeug-scrypt/r*p above 64", swap(t, wzScryptBase, ":8:1$", ":5:13$"), WerkzeugScrypt},
		{"werkzeug-scrypt/memory above 1 GiB", swap(t, wzScryptBase, ":1024:8:1$", ":1048576:9:1$"), WerkzeugScrypt},
		{"werkzeug-scrypt/maxmem above 2^31", swap(t, wzScryptBase, ":1024:8:1$", ":1048576:8:2$"), WerkzeugScrypt},
		{"werkzeug-scrypt/p=1 and N=64 (openssl refuses)", swap(t, wzScryptBase, ":1024:8:1$", ":64:1:1$"), WerkzeugScrypt},
		{"werkzeug-scrypt/32-byte hash", swap(t, wzScryptBase, hex128, hex128[:64]), WerkzeugScrypt},
		{"werkzeug-scrypt/upper-case hex", swap(t, wzScryptBase, hex128, strings.ToUpper(hex128)), WerkzeugScrypt},
		{"werkzeug-scrypt/empty salt", swap(t, wzScryptBase, "$luGNE3Wl4kpF39Ml$", "$$"), WerkzeugScrypt},

		// Django pbkdf2
		{"django-pbkdf2/prefix only", "pbkdf2_sha256$", DjangoPBKDF2},
		{"django-pbkdf2/no hash", djPBKDF2Base[:strings.LastIndexByte(djPBKDF2Base, '$')], DjangoPBKDF2},
		{"django-pbkdf2/iterations 0", swap(t, djPBKDF2Base, "$1500$", "$0$"), DjangoPBKDF2},
		{"django-pbkdf2/iterations text", swap(t, djPBKDF2Base, "$1500$", "$abc$"), DjangoPBKDF2},
		{"django-pbkdf2/iterations above 10M", swap(t, djPBKDF2Base, "$1500$", "$99999999$"), DjangoPBKDF2},
		{"django-pbkdf2/iterations leading zero", swap(t, djPBKDF2Base, "$1500$", "$01500$"), DjangoPBKDF2},
		{"django-pbkdf2/empty salt", swap(t, djPBKDF2Base, "$YhR73tSuC2RxljqMBJTRbi$", "$$"), DjangoPBKDF2},
		{"django-pbkdf2/unpadded base64", strings.TrimSuffix(djPBKDF2Base, "="), DjangoPBKDF2},
		{"django-pbkdf2/bad base64", swap(t, djPBKDF2Base, "uZk96", "uZk!6"), DjangoPBKDF2},
		{"django-pbkdf2/non-canonical base64", swap(t, djPBKDF2Base, "CaNQ=", "CaNR="), DjangoPBKDF2},
		{"django-pbkdf2/line break", swap(t, djPBKDF2Base, "uZk96", "uZk\r\n96"), DjangoPBKDF2},
		{"django-pbkdf2/sha256 with sha1 length", swap(t, djPBKDF2Base, "pbkdf2_sha1", "pbkdf2_sha256"), DjangoPBKDF2},
		{"django-pbkdf2/$ in hash", swap(t, djPBKDF2Base, "uZk96", "uZk$6"), DjangoPBKDF2},
	}
	h := newTestHasher(t, cheapParams())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := Identify(c.enc)
			if c.s == "" {
				// The change moved the string out of any recognised prefix.
				wantErrIs(t, err, ErrUnsupportedHash)
			} else {
				wantErrIs(t, err, ErrMalformedHash)
				if errors.Is(err, ErrUnsupportedHash) {
					t.Errorf("error %v is both malformed and unsupported", err)
				}
			}
			if s != c.s {
				t.Errorf("Identify scheme = %q; want %q", s, c.s)
			}
			ok, rehash, verr := h.Verify(c.enc, pwASCII)
			if ok || rehash || verr == nil || verr.Error() != err.Error() {
				t.Errorf("Verify = %v, %v, %v; want false, false, %v", ok, rehash, verr, err)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	for _, c := range []struct{ name, enc, detail string }{
		{"empty", "", "empty"},
		{"plain text", "hunter2", "unrecognised"},
		{"md5-crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "md5-crypt"},
		{"sha256-crypt", "$5$saltsalt$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "sha256-crypt"},
		{"sha512-crypt", "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/", "sha512-crypt"},
		{"yescrypt", "$y$j9T$salt$hash", "yescrypt"},
		{"argon2i", swap(t, argon2Base, "argon2id", "argon2i"), "argon2i"},
		{"argon2d", swap(t, argon2Base, "argon2id", "argon2d"), "argon2d"},
		{"argon2id version 16", swap(t, argon2Base, "v=19", "v=16"), "version 16"},
		{"argon2id without version", swap(t, argon2Base, "v=19$", ""), "version 16"},
		{"django argon2i", swap(t, djArgon2Base, "argon2id", "argon2i"), "argon2i"},
		{"bcrypt $2x$", swap(t, bcryptBase, "$2a$", "$2x$"), "2x"},
		{"bcrypt $2$", "$2$04$" + bcryptBase[7:], "$2$"},
		{"django bcrypt $2x$", swap(t, djBcryptBase, "$2a$", "$2x$"), "2x"},
		{"werkzeug pbkdf2 md5", swap(t, wzPBKDF2Base, "sha1", "md5"), "digest"},
		{"werkzeug pbkdf2 upper-case digest", swap(t, wzPBKDF2Base, "sha1", "SHA1"), "digest"},
		{"werkzeug plain", "plain$$hunter2", "plain"},
		{"werkzeug salted sha256", "sha256$salt$0123", "sha256"},
		{"django pbkdf2_sha512", swap(t, djPBKDF2Base, "pbkdf2_sha1", "pbkdf2_sha512"), "unrecognised"},
		{"django scrypt", "scrypt$salt$16384$8$1$aGFzaA==", "django scrypt"},
		{"passlib pbkdf2", "$pbkdf2-sha256$29000$N2bMOaf0fg$yB3f1JX6FQ", "passlib"},
		{"ldap ssha", "{SSHA}aGFzaGhhc2hzYWx0", "ssha"},
		{"django unsalted md5", "unsalted_md5$$5f4dcc3b5aa765d61d8327deb882cf99", "unsalted md5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := Identify(c.enc)
			wantErrIs(t, err, ErrUnsupportedHash)
			if s != "" || errors.Is(err, ErrMalformedHash) {
				t.Errorf("Identify = %q, %v; want no scheme, unsupported only", s, err)
			}
			if !strings.Contains(err.Error(), c.detail) {
				t.Errorf("error %q does not say %q", err, c.detail)
			}
			ok, rehash, verr := h.Verify(c.enc, "hunter2")
			if ok || rehash || !errors.Is(verr, ErrUnsupportedHash) {
				t.Errorf("Verify = %v, %v, %v", ok, rehash, verr)
			}
			if strings.Contains(verr.Error(), "hunter2") {
				t.Errorf("error %q shows the password", verr)
			}
		})
	}
}
