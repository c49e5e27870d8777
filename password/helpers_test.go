package password

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// cheapParams passes CheckParams at the lowest OWASP cost (7168 KiB, 5
// passes), so tests that hash many times stay quick.
func cheapParams() Params {
	return Params{MemoryKiB: MinMemoryKiB, Time: 5, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// newTestHasher returns a Hasher with p and crypto/rand, failing the test on error.
func newTestHasher(t testing.TB, p Params) *Hasher {
	t.Helper()
	h, err := NewHasher(p, nil)
	if err != nil {
		t.Fatalf("NewHasher(%+v): %v", p, err)
	}
	return h
}

// mustHash hashes pw with h, failing the test on error.
func mustHash(t testing.TB, h *Hasher, pw string) string {
	t.Helper()
	enc, err := h.Hash(pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return enc
}

// wantVerify checks the three results of h.Verify(enc, pw).
func wantVerify(t testing.TB, h *Hasher, enc, pw string, wantOK, wantRehash bool) {
	t.Helper()
	ok, rehash, err := h.Verify(enc, pw)
	if err != nil {
		t.Fatalf("Verify(%.40q, %q): unexpected error %v", enc, pw, err)
	}
	if ok != wantOK || rehash != wantRehash {
		t.Fatalf("Verify(%.40q, %q) = ok %v, needsRehash %v; want %v, %v", enc, pw, ok, rehash, wantOK, wantRehash)
	}
}

// wantErrIs fails the test unless err wraps target.
func wantErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v; want one wrapping %v", err, target)
	}
}

// vectorFile is testdata/vectors.json, written by testdata/gen_vectors.py.
type vectorFile struct {
	Libraries   map[string]string `json:"libraries"`
	Vectors     []vector          `json:"vectors"`
	Unsupported []struct {
		Source   string `json:"source"`
		Password string `json:"password"`
		Hash     string `json:"hash"`
	} `json:"unsupported"`
}

// vector is a hash made by a real library, with that library's verdict on
// several candidate passwords.
type vector struct {
	Scheme      Scheme `json:"scheme"`
	Source      string `json:"source"`
	Password    string `json:"password"`
	Hash        string `json:"hash"`
	NeedsRehash *bool  `json:"needs_rehash"` // argon2id only: against DefaultParams
	Probes      []struct {
		Password string `json:"password"`
		OK       bool   `json:"ok"`
	} `json:"probes"`
}

// loadVectors reads testdata/vectors.json.
func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("parsing vectors.json: %v", err)
	}
	if len(f.Vectors) == 0 || len(f.Unsupported) == 0 {
		t.Fatal("vectors.json holds no vectors")
	}
	return f
}

// workOf estimates what verifying v costs, in rough milliseconds without
// the race detector, so that tests and fuzzers can skip what is slow.
func workOf(v verifier) float64 {
	switch v := v.(type) {
	case *argon2idHash:
		return float64(v.memory) * float64(v.time) / 560 // 19456 KiB * 2 passes ≈ 70 ms
	case *bcryptHash:
		return float64(uint64(1)<<bcryptCost(v)) / 14 // cost 12 ≈ 290 ms
	case *pbkdf2Hash:
		return float64(v.iterations) / 3500 // 1M sha256 ≈ 290 ms
	case *scryptHash:
		return float64(v.n) * float64(v.r) * float64(v.p) / 1700 // 32768*8 ≈ 155 ms
	}
	panic("unknown verifier")
}

// raceWorkOf estimates the cost of verifying v under the race detector,
// which slows the pure-Go bcrypt and PBKDF2 loops far more than argon2id.
func raceWorkOf(v verifier) float64 {
	factor := 1.0
	if raceEnabled {
		switch v.(type) {
		case *argon2idHash:
			factor = 3
		case *scryptHash:
			factor = 7
		case *pbkdf2Hash:
			factor = 11
		case *bcryptHash:
			factor = 15
		}
	}
	return workOf(v) * factor
}

// bcryptCost reads the cost digits of a parsed bcrypt hash.
func bcryptCost(b *bcryptHash) int {
	return int(b.hash[4]-'0')*10 + int(b.hash[5]-'0')
}
