package password

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)

func TestHashFormatDefaultParams(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, DefaultParams())
	enc := mustHash(t, h, "correct horse battery staple")
	m := phcRE.FindStringSubmatch(enc)
	if m == nil {
		t.Fatalf("Hash = %q; not a PHC argon2id string", enc)
	}
	if m[1] != "19456" || m[2] != "2" || m[3] != "1" {
		t.Errorf("Hash params m=%s,t=%s,p=%s; want the OWASP defaults 19456, 2, 1", m[1], m[2], m[3])
	}
	if len(m[4]) != 22 || len(m[5]) != 43 {
		t.Errorf("salt/hash are %d/%d base64 characters; want 22/43 (16 and 32 bytes, unpadded)", len(m[4]), len(m[5]))
	}
	if s, err := Identify(enc); s != Argon2id || err != nil {
		t.Errorf("Identify(own hash) = %q, %v", s, err)
	}
	wantVerify(t, h, enc, "correct horse battery staple", true, false)
	wantVerify(t, h, enc, "correct horse battery stapl", false, false)
	wantVerify(t, h, enc, "Correct horse battery staple", false, false)
}

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	for _, pw := range []string{"", " ", "a", "pässwörd ☃", "密码🔑", "nul\x00byte", strings.Repeat("long", 100), "\xff\xfe invalid utf-8"} {
		t.Run(pw, func(t *testing.T) {
			t.Parallel()
			enc := mustHash(t, h, pw)
			wantVerify(t, h, enc, pw, true, false)
			wantVerify(t, h, enc, pw+"x", false, false)
			if pw != "" {
				wantVerify(t, h, enc, pw[:len(pw)-1], false, false)
			}
		})
	}
}

func TestHashSaltsDiffer(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	seen := map[string]bool{}
	for range 4 {
		m := phcRE.FindStringSubmatch(mustHash(t, h, "same password"))
		if seen[m[4]] {
			t.Fatalf("salt %s repeated", m[4])
		}
		seen[m[4]] = true
	}
}

func TestHashUsesInjectedRand(t *testing.T) {
	t.Parallel()
	salt := bytes.Repeat([]byte{0x5a}, 16)
	a, err := NewHasher(cheapParams(), bytes.NewReader(append(salt, salt...)))
	if err != nil {
		t.Fatal(err)
	}
	first := mustHash(t, a, "pw")
	if !strings.Contains(first, "$"+base64.RawStdEncoding.EncodeToString(salt)+"$") {
		t.Fatalf("Hash = %q; want the injected salt", first)
	}
	if second := mustHash(t, a, "pw"); second != first {
		t.Fatalf("same salt and password gave %q and %q", first, second)
	}
	// The reader is now empty: Hash must fail rather than use a short salt.
	if enc, err := a.Hash("pw"); err == nil || !errors.Is(err, io.EOF) {
		t.Fatalf("Hash with exhausted rand = %q, %v; want an error wrapping io.EOF", enc, err)
	}
	boom := errors.New("entropy source failed")
	b, err := NewHasher(cheapParams(), iotest.ErrReader(boom))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Hash("pw"); !errors.Is(err, boom) {
		t.Fatalf("Hash with failing rand = %v; want it wrapped", err)
	}
	short, err := NewHasher(cheapParams(), iotest.OneByteReader(bytes.NewReader(salt)))
	if err != nil {
		t.Fatal(err)
	}
	if enc := mustHash(t, short, "pw"); enc != first {
		t.Fatalf("a reader returning one byte at a time gave %q; want %q", enc, first)
	}
}

// TestNeedsRehash checks the rehash flag as the Hasher's parameters are
// raised above, kept at or lowered below those of a stored argon2id hash.
func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	base := Params{MemoryKiB: 12288, Time: 4, Threads: 1, SaltLen: 16, KeyLen: 32}
	enc := mustHash(t, newTestHasher(t, base), "pw")
	with := func(f func(*Params)) Params {
		p := base
		f(&p)
		return p
	}
	for _, c := range []struct {
		name   string
		p      Params
		rehash bool
	}{
		{"same", base, false},
		{"memory raised", with(func(p *Params) { p.MemoryKiB = 16384 }), true},
		{"time raised", with(func(p *Params) { p.Time = 5 }), true},
		{"salt length raised", with(func(p *Params) { p.SaltLen = 24 }), true},
		{"key length raised", with(func(p *Params) { p.KeyLen = 64 }), true},
		{"threads raised", with(func(p *Params) { p.Threads = 4 }), false},
		{"memory lowered", with(func(p *Params) { p.MemoryKiB = 9216 }), false},
		{"time lowered", with(func(p *Params) { p.Time = 3 }), false},
		{"lengths lowered", with(func(p *Params) { p.SaltLen, p.KeyLen = 16, 16 }), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newTestHasher(t, c.p)
			wantVerify(t, h, enc, "pw", true, c.rehash)
			wantVerify(t, h, enc, "wrong", false, false)
		})
	}
}

// TestImportedWeakArgon2id checks that an argon2id hash weaker than
// CheckParams allows (as older argon2-cffi defaults or tiny test settings
// made) still verifies, and asks for a rehash.
func TestImportedWeakArgon2id(t *testing.T) {
	t.Parallel()
	weak := Params{MemoryKiB: 64, Time: 1, Threads: 8, SaltLen: 8, KeyLen: 4}
	if CheckParams(weak) == nil {
		t.Fatal("test params unexpectedly valid")
	}
	h := &Hasher{params: weak, rand: bytes.NewReader(make([]byte, 8))}
	enc, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	d := newTestHasher(t, cheapParams())
	wantVerify(t, d, enc, "pw", true, true)
	wantVerify(t, d, enc, "pW", false, false)
}

func TestDummyVerify(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{DefaultParams(), {MemoryKiB: 9216, Time: 4, Threads: 2, SaltLen: 24, KeyLen: 48}} {
		h := newTestHasher(t, p)
		// The dummy must be a real, well-formed hash of h's parameters, so
		// that DummyVerify does exactly the work of a real verification.
		v, s, err := parse(h.dummy)
		if err != nil || s != Argon2id {
			t.Fatalf("dummy hash %q: %q, %v", h.dummy, s, err)
		}
		a := v.(*argon2idHash)
		if a.memory != p.MemoryKiB || a.time != p.Time || a.threads != p.Threads ||
			uint32(len(a.salt)) != p.SaltLen || uint32(len(a.key)) != p.KeyLen {
			t.Fatalf("dummy hash %q does not have params %+v", h.dummy, p)
		}
		for _, pw := range []string{"", "pw"} {
			if ok, _, err := h.Verify(h.dummy, pw); ok || err != nil {
				t.Fatalf("Verify(dummy, %q) = %v, %v; want false, nil", pw, ok, err)
			}
		}
		h.DummyVerify("anything")
	}
}

// TestZeroHasher checks that the zero Hasher is usable and safe: default
// parameters, crypto/rand salts and a real dummy hash.
func TestZeroHasher(t *testing.T) {
	t.Parallel()
	var h Hasher
	if h.Params() != DefaultParams() {
		t.Fatalf("zero Hasher Params() = %+v", h.Params())
	}
	enc := mustHash(t, &h, "pw")
	if m := phcRE.FindStringSubmatch(enc); m == nil || m[1] != "19456" || m[2] != "2" || m[3] != "1" {
		t.Fatalf("zero Hasher made %q", enc)
	}
	wantVerify(t, &h, enc, "pw", true, false)
	if _, s, err := parse(h.dummyHash()); err != nil || s != Argon2id {
		t.Fatalf("zero Hasher dummy hash: %v", err)
	}
	if h.dummyHash() != newTestHasher(t, DefaultParams()).dummy {
		t.Fatal("zero Hasher dummy differs from a default Hasher's")
	}
}

// TestConcurrentUse shares one Hasher, with a reader that is not safe for
// concurrent use, between goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(cheapParams(), iotest.OneByteReader(bytes.NewReader(bytes.Repeat([]byte{1, 2, 3}, 1000))))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 4 {
		wg.Go(func() {
			pw := strings.Repeat("x", i)
			enc, err := h.Hash(pw)
			if err != nil {
				errs <- err
				return
			}
			if ok, _, err := h.Verify(enc, pw); !ok || err != nil {
				errs <- errors.New("own hash did not verify")
			}
			h.DummyVerify(pw)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestErrorsDoNotLeak checks that no error shows the password, or the salt
// or hash of the stored string.
func TestErrorsDoNotLeak(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, cheapParams())
	const pw = "Tr0ub4dor&3-secret"
	salt, key := "c2FsdHNhbHRzYWx0c2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for _, enc := range []string{
		pw, // a plain-text password stored as the hash
		"$argon2id$v=19$m=63,t=1,p=8$" + salt + "$" + key,
		"$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key + "=",
		"$argon2id$v=19$m=1024,t=1,p=1$" + salt + "!$" + key,
		"$argon2i$v=19$m=1024,t=1,p=1$" + salt + "$" + key,
		"argon2$argon2id$v=19$m=1024,t=99,p=1$" + salt + "$" + key,
		"pbkdf2:sha256:0$" + salt + "$" + key,
		"pbkdf2:sha256:1000$" + salt + "$" + key,
		"pbkdf2:" + pw + ":1000$" + salt + "$abcd",
		"scrypt:3:8:1$" + salt + "$abcd",
		"pbkdf2_sha256$1000$" + salt + "$" + key,
		"pbkdf2_sha256$x$" + salt + "$" + key,
		"$2b$04$" + salt + key[:31],
		"$2b$04$" + salt[:21] + "!" + key[:31],
		"$6$" + salt + "$" + key,
	} {
		_, _, err := h.Verify(enc, pw)
		if err == nil {
			t.Fatalf("Verify(%q) succeeded; want an error", enc)
		}
		for _, secret := range []string{pw, salt, key, key[:31], salt[:21]} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows %q", err, secret)
			}
		}
	}
}
