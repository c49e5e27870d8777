package fernet

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// These tests run the real Python cryptography (testdata/interop.py) next to
// this package. They skip when /usr/bin/python3 cannot import cryptography,
// unless RAMPART_REQUIRE_SERVICES=1.

func TestFernetPythonLiveVersion(t *testing.T) {
	t.Parallel()
	requirePython(t)
	r := python(t, []pyReq{{Op: "version"}})
	t.Logf("live interop against Python %s, cryptography %s", r[0].Python, r[0].Cryptography)
}

func TestFernetPythonLiveGoEncryptsPythonDecrypts(t *testing.T) {
	t.Parallel()
	requirePython(t)
	k1, k2 := mustKey(t, testKey1), mustKey(t, testKey2)
	g, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	plains := [][]byte{nil, []byte("x"), bytes.Repeat([]byte("a"), 16), []byte("héllo\x00\xff"), bytes.Repeat([]byte{0xAB}, 1<<20)}
	type tc struct {
		name  string
		keys  []*Key
		dkeys []string // Python's MultiFernet keys
		plain []byte
	}
	var cases []tc
	for _, p := range plains {
		cases = append(cases,
			tc{"single key", []*Key{k1}, []string{testKey1}, p},
			tc{"generated key", []*Key{g}, []string{g.Encode()}, p},
			tc{"first of two encrypts; Python tries both", []*Key{k2, k1}, []string{testKey1, testKey2}, p},
		)
	}
	reqs := make([]pyReq, len(cases))
	for i, c := range cases {
		f, err := New(c.keys)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := f.Encrypt(c.plain)
		if err != nil {
			t.Fatal(err)
		}
		// With a ttl, Python also checks Go's timestamp against its own clock.
		reqs[i] = pyReq{Op: "decrypt", Keys: c.dkeys, Token: tok, TTL: ptr[int64](60)}
	}
	for i, r := range python(t, reqs) {
		if !r.OK || !bytes.Equal(r.Plaintext, cases[i].plain) {
			t.Errorf("%s, %d-byte plaintext: Python could not decrypt Go's token", cases[i].name, len(cases[i].plain))
		}
	}
	// And Python refuses a Go token under a key it does not have.
	tok, _ := mustNew(t, []string{testKey3}).Encrypt([]byte("secret"))
	if r := python(t, []pyReq{{Op: "decrypt", Keys: []string{testKey1, testKey2}, Token: tok}}); r[0].OK {
		t.Error("Python decrypted a token under a key it was not given")
	}
}

func TestFernetPythonLivePythonEncryptsGoDecrypts(t *testing.T) {
	t.Parallel()
	requirePython(t)
	plains := [][]byte{nil, []byte("x"), []byte("exactly sixteen!"), []byte("\x00\x01\xfe\xff"), bytes.Repeat([]byte("py"), 300_000)}
	var reqs []pyReq
	for _, p := range plains {
		reqs = append(reqs,
			pyReq{Op: "encrypt", Keys: []string{testKey1}, Plaintext: p},
			pyReq{Op: "encrypt", Keys: []string{testKey2, testKey1}, Plaintext: p, Now: ptr[int64](t0)},
		)
	}
	reqs = append(reqs, pyReq{Op: "generate_key"})
	resps := python(t, reqs)
	for i, p := range plains {
		now := resps[2*i]
		got, err := mustNew(t, []string{testKey1}).Decrypt(now.Token, time.Minute)
		if err != nil || !bytes.Equal(got, p) {
			t.Errorf("%d-byte plaintext: Go could not decrypt Python's token: %v", len(p), err)
		}
		at := resps[2*i+1]
		f := mustNew(t, []string{testKey3, testKey2}, WithClock(clockAt(t0+60)))
		got, err = f.Decrypt(at.Token, time.Minute)
		if err != nil || !bytes.Equal(got, p) {
			t.Errorf("%d-byte plaintext, second key: Go could not decrypt Python's token: %v", len(p), err)
		}
		if ts, err := f.Timestamp(at.Token); err != nil || ts.Unix() != t0 {
			t.Errorf("Timestamp of Python's encrypt_at_time token = %v, %v", ts, err)
		}
		f = mustNew(t, []string{testKey2}, WithClock(clockAt(t0+61)))
		if _, err := f.Decrypt(at.Token, time.Minute); err != ErrInvalidToken {
			t.Errorf("Python token 61s old with ttl 60s: %v, want ErrInvalidToken", err)
		}
	}
	k, err := DecodeKey(resps[len(resps)-1].Key)
	if err != nil {
		t.Fatalf("Fernet.generate_key() output: %v", err)
	}
	if k.Encode() != resps[len(resps)-1].Key {
		t.Error("Encode does not reproduce Python's key string")
	}
}

func TestFernetPythonLiveRotation(t *testing.T) {
	t.Parallel()
	requirePython(t)
	old := sealAt(t, []string{testKey2}, t0, []byte("rotate me"))

	// Python MultiFernet.rotate output decrypts in Go with the new key only.
	pyRot := python(t, []pyReq{{Op: "rotate", Keys: []string{testKey1, testKey2}, Token: old}})[0]
	if !pyRot.OK {
		t.Fatal("Python could not rotate Go's token")
	}
	onlyNew := mustNew(t, []string{testKey1})
	if got, err := onlyNew.Decrypt(pyRot.Token, 0); err != nil || string(got) != "rotate me" {
		t.Errorf("Go Decrypt(Python-rotated) = %q, %v", got, err)
	}
	if ts, err := onlyNew.Timestamp(pyRot.Token); err != nil || ts.Unix() != t0 {
		t.Errorf("Python rotation lost the timestamp: %v, %v", ts, err)
	}

	// Go Rotate output decrypts in Python with the new key only, keeping the
	// timestamp; Python refuses it under the old key alone.
	goRot, err := mustNew(t, []string{testKey3, testKey2}).Rotate(old)
	if err != nil {
		t.Fatal(err)
	}
	rs := python(t, []pyReq{
		{Op: "decrypt", Keys: []string{testKey3}, Token: goRot},
		{Op: "timestamp", Keys: []string{testKey3}, Token: goRot},
		{Op: "decrypt", Keys: []string{testKey2}, Token: goRot},
		{Op: "decrypt", Keys: []string{testKey3}, Token: goRot, TTL: ptr[int64](60), Now: ptr[int64](t0 + 60)},
		{Op: "decrypt", Keys: []string{testKey3}, Token: goRot, TTL: ptr[int64](60), Now: ptr[int64](t0 + 61)},
	})
	if !rs[0].OK || string(rs[0].Plaintext) != "rotate me" {
		t.Error("Python could not decrypt Go's rotated token")
	}
	if !rs[1].OK || rs[1].Timestamp == nil || *rs[1].Timestamp != t0 {
		t.Errorf("Python sees rotated timestamp %v, want %d", rs[1].Timestamp, t0)
	}
	if rs[2].OK {
		t.Error("Python decrypted the rotated token with the old key")
	}
	if !rs[3].OK || rs[4].OK {
		t.Errorf("Python TTL on the rotated token: at +60s ok=%v (want true), at +61s ok=%v (want false)", rs[3].OK, rs[4].OK)
	}
}

// TestFernetPythonLiveDifferential feeds the same mutated tokens to Python and
// Go. Go must never accept what Python refuses, must return the same
// plaintext, and may refuse what Python accepts only for the two reasons the
// spec requires (a byte outside base64, data after the final padding); once
// those are removed, as Python silently does, Go must accept too.
func TestFernetPythonLiveDifferential(t *testing.T) {
	t.Parallel()
	requirePython(t)
	const seed = 20240607
	rng := rand.New(rand.NewPCG(seed, seed))
	f := mustNew(t, []string{testKey1, testKey2}, WithClock(clockAt(t0+30)))
	bases := [][]byte{
		sealAt(t, []string{testKey1}, t0, []byte("x")),                       // "==" padding
		sealAt(t, []string{testKey2}, t0, bytes.Repeat([]byte("y"), 17)),     // "=" padding
		sealAt(t, []string{testKey1}, t0+100, bytes.Repeat([]byte("z"), 32)), // no padding, future
		sealAt(t, []string{testKey1}, t0-1000, []byte("old")),                // expired under ttl
		sealAt(t, []string{testKey3}, t0, []byte("wrong key")),               // never valid
	}
	inserts := []string{" ", "\n", "\t", "\r\n", "\v", "\f", "=", "==", "===", "*", "%", "\x00", "\xff", "é", "+", "/", "-", "_", "A", "AAAA", "trailing"}
	mutate := func(tok []byte) []byte {
		m := bytes.Clone(tok)
		for range 1 + rng.IntN(3) {
			switch op := rng.IntN(7); {
			case op <= 2: // insert something somewhere, often at the end
				pos := len(m)
				if rng.IntN(2) == 0 {
					pos = rng.IntN(len(m) + 1)
				}
				ins := inserts[rng.IntN(len(inserts))]
				m = append(m[:pos:pos], append([]byte(ins), m[pos:]...)...)
			case op == 3 && len(m) > 0: // delete one byte
				pos := rng.IntN(len(m))
				m = append(m[:pos:pos], m[pos+1:]...)
			case op == 4 && len(m) > 0: // replace one byte with an alphabet character
				m[rng.IntN(len(m))] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/"[rng.IntN(66)]
			case op == 5: // swap to the standard alphabet
				m = bytes.ReplaceAll(bytes.ReplaceAll(m, []byte("-"), []byte("+")), []byte("_"), []byte("/"))
			default: // strip or add padding
				if rng.IntN(2) == 0 {
					m = bytes.TrimRight(m, "=")
				} else {
					m = append(m, '=')
				}
			}
		}
		return m
	}
	type sample struct {
		tok []byte
		ttl int64
	}
	var samples []sample
	for i := range 2000 {
		base := bases[i%len(bases)]
		tok := base
		if i >= len(bases) {
			tok = mutate(base)
		}
		samples = append(samples, sample{tok, []int64{0, 60}[rng.IntN(2)]})
	}
	reqs := make([]pyReq, len(samples))
	for i, s := range samples {
		reqs[i] = pyReq{Op: "decrypt", Keys: []string{testKey1, testKey2}, Token: s.tok}
		if s.ttl != 0 {
			reqs[i].TTL, reqs[i].Now = ptr(s.ttl), ptr[int64](t0+30)
		}
	}
	resps := python(t, reqs)
	var bothAccept, bothRefuse, refusedBySpec int
	for i, s := range samples {
		got, err := f.Decrypt(s.tok, time.Duration(s.ttl)*time.Second)
		py := resps[i]
		switch {
		case err == nil && !py.OK:
			t.Errorf("Go accepts what Python refuses: %q (ttl %d)", s.tok, s.ttl)
		case err == nil && !bytes.Equal(got, py.Plaintext):
			t.Errorf("Go and Python decrypt %q differently: %q vs %q", s.tok, got, py.Plaintext)
		case err != nil && err != ErrInvalidToken:
			t.Errorf("Decrypt(%q) error %v is not ErrInvalidToken", s.tok, err)
		case err != nil && py.OK:
			refusedBySpec++
			clean := pythonClean(s.tok)
			if bytes.Equal(clean, s.tok) {
				t.Errorf("Go refuses %q, which Python accepts, for no spec reason", s.tok)
				continue
			}
			if got, err := f.Decrypt(clean, time.Duration(s.ttl)*time.Second); err != nil || !bytes.Equal(got, py.Plaintext) {
				t.Errorf("after removing what the spec forbids, Go still disagrees with Python on %q: %v", s.tok, err)
			}
		case err == nil:
			bothAccept++
		default:
			bothRefuse++
		}
	}
	t.Logf("seed %d: %d samples: both accept %d, both refuse %d, only Go refuses (spec rules) %d",
		seed, len(samples), bothAccept, bothRefuse, refusedBySpec)
	if refusedBySpec == 0 || bothAccept == 0 || bothRefuse == 0 {
		t.Errorf("mutations did not exercise both kinds of outcome")
	}
}

// pythonClean removes what Python's decoder silently ignores but the spec
// forbids: bytes outside base64, '=' and whitespace, and whatever follows the
// padding that ends the data.
func pythonClean(tok []byte) []byte {
	var kept []byte
	for _, c := range tok {
		if b64Sextet[c] != invalidSextet || c == '=' || isPySpace(c) {
			kept = append(kept, c)
		}
	}
	if _, kind, off := decodeBase64(kept); kind == decodeTrailing {
		kept = kept[:off]
	}
	return kept
}
