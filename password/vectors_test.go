package password

import (
	"errors"
	"strings"
	"testing"
)

// TestVectors checks every hash that Werkzeug, Django, pyca/bcrypt and
// argon2-cffi made (testdata/vectors.json): Identify names its scheme and
// Verify reaches the originating library's verdict on every probe password,
// including bcrypt's 72-byte truncation, which Django's bcrypt_sha256 avoids.
func TestVectors(t *testing.T) {
	t.Parallel()
	f := loadVectors(t)
	h := newTestHasher(t, DefaultParams())
	seen := map[Scheme]int{}
	for _, v := range f.Vectors {
		seen[v.Scheme]++
		t.Run(string(v.Scheme)+"/"+v.Source, func(t *testing.T) {
			t.Parallel()
			s, err := Identify(v.Hash)
			if err != nil || s != v.Scheme {
				t.Fatalf("Identify = %q, %v; want %q", s, err, v.Scheme)
			}
			parsed, _, err := parse(v.Hash)
			if err != nil {
				t.Fatal(err)
			}
			// The race detector slows key derivation three- to fifteenfold.
			// Under it, the costliest vectors (bcrypt 12, PBKDF2 600000 and
			// more) are left to the plain run, and slow ones are checked
			// with their own password only; cheaper vectors of the same
			// scheme cover the misses. -short does the latter too.
			work := raceWorkOf(parsed)
			if raceEnabled && work > 1500 {
				t.Skipf("about %.0f ms under -race; checked by the plain go test run", work)
			}
			quick := work > 50 && (testing.Short() || raceEnabled)
			for i, p := range v.Probes {
				if i > 0 && quick {
					break
				}
				ok, rehash, err := h.Verify(v.Hash, p.Password)
				if err != nil {
					t.Fatalf("Verify(probe %d): %v", i, err)
				}
				if ok != p.OK {
					t.Errorf("Verify(probe %d, %d bytes) ok = %v; %s says %v", i, len(p.Password), ok, v.Source, p.OK)
				}
				if !ok {
					if rehash {
						t.Errorf("Verify(probe %d) needsRehash = true on a failed verification", i)
					}
					continue
				}
				want := true
				if v.NeedsRehash != nil {
					want = *v.NeedsRehash
				} else if v.Scheme == Argon2id {
					t.Fatal("argon2id vector without needs_rehash")
				}
				if rehash != want {
					t.Errorf("Verify(probe %d) needsRehash = %v; want %v", i, rehash, want)
				}
			}
		})
	}
	for _, s := range []Scheme{Argon2id, Bcrypt, WerkzeugPBKDF2, WerkzeugScrypt, DjangoPBKDF2, DjangoArgon2, DjangoBcryptSHA256, DjangoBcrypt} {
		if seen[s] == 0 {
			t.Errorf("vectors.json has no %s vector", s)
		}
	}
}

// TestVectorsLegacyAlwaysRehash checks that a successful login with any
// imported scheme asks for a rehash even when the Hasher is the weakest
// allowed, and that an argon2id hash as strong as the Hasher does not.
func TestVectorsLegacyAlwaysRehash(t *testing.T) {
	t.Parallel()
	f := loadVectors(t)
	h := newTestHasher(t, cheapParams())
	for _, v := range f.Vectors {
		if v.Scheme == Argon2id {
			continue
		}
		parsed, _, err := parse(v.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if workOf(parsed) > 10 {
			continue
		}
		t.Run(string(v.Scheme)+"/"+v.Source, func(t *testing.T) {
			wantVerify(t, h, v.Hash, v.Password, true, true)
		})
	}
}

// TestVectorsUnsupported checks real hashes of schemes this package does
// not verify: argon2i/argon2d (also in Django's wrapper), Django's salted
// sha1/md5, Werkzeug's salted HMAC and exotic pbkdf2 digests, bcrypt $2x$,
// glibc md5/sha256/sha512-crypt, plain text.
func TestVectorsUnsupported(t *testing.T) {
	t.Parallel()
	f := loadVectors(t)
	h := newTestHasher(t, cheapParams())
	for _, u := range f.Unsupported {
		t.Run(u.Source, func(t *testing.T) {
			t.Parallel()
			s, err := Identify(u.Hash)
			wantErrIs(t, err, ErrUnsupportedHash)
			if s != "" || errors.Is(err, ErrMalformedHash) {
				t.Errorf("Identify = %q, %v; want no scheme, unsupported only", s, err)
			}
			ok, rehash, err := h.Verify(u.Hash, u.Password)
			wantErrIs(t, err, ErrUnsupportedHash)
			if ok || rehash {
				t.Errorf("Verify = %v, %v; want false, false", ok, rehash)
			}
			if strings.Contains(err.Error(), u.Password) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

// TestVectorsTamperedNeverVerify flips one character of the hash part of
// every cheap vector and expects either a malformed hash or a refusal: a
// tampered hash must never accept the original password.
func TestVectorsTamperedNeverVerify(t *testing.T) {
	t.Parallel()
	f := loadVectors(t)
	h := newTestHasher(t, cheapParams())
	for _, v := range f.Vectors {
		parsed, _, err := parse(v.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if workOf(parsed) > 10 {
			continue
		}
		t.Run(string(v.Scheme)+"/"+v.Source, func(t *testing.T) {
			t.Parallel()
			b := []byte(v.Hash)
			i := len(b) - 3 // inside the hash part of every scheme
			switch b[i] {
			case 'a':
				b[i] = 'b'
			default:
				b[i] = 'a'
			}
			ok, _, err := h.Verify(string(b), v.Password)
			if ok {
				t.Fatalf("tampered hash %q verified", b)
			}
			if err != nil && !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("tampered hash: %v", err)
			}
		})
	}
}
