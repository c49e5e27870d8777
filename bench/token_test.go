package bench

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/token"
)

// tokenBench is one signing key with a token minted by it and the pieces a
// raw-crypto baseline needs: the exact JWS signing input and signature.
type tokenBench struct {
	key      *token.Key
	minter   *token.Minter
	verifier *token.Verifier
	raw      string // the minted token
	input    []byte // header.payload, the JWS signing input
	sig      []byte // the JWS signature (r||s for ES256)
	claims   token.Claims
}

// newTokenBench generates a key for alg, mints a typical access token and
// builds a verifier for it. It prints nothing.
func newTokenBench(tb testing.TB, alg token.Alg) *tokenBench {
	tb.Helper()
	key, err := token.GenerateKey(alg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := key.MarshalPrivate()
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	ks, err := token.NewKeySet([]token.KeyRecord{{
		ID: key.ID, Alg: alg, PrivateDER: der, CreatedAt: now.Add(-time.Hour), ActiveAt: now.Add(-time.Hour),
	}}, now)
	if err != nil {
		tb.Fatal(err)
	}
	const issuer, audience = "https://id.rampart.example", "https://api.rampart.example"
	m := token.NewMinter(func() *token.KeySet { return ks }, issuer)
	v, err := token.NewVerifier(ks.Lookup, token.VerifyOptions{Issuer: issuer, Audiences: []string{audience}})
	if err != nil {
		tb.Fatal(err)
	}
	claims := token.Claims{
		Subject:  "user-1234",
		Audience: []string{audience},
		ClientID: "dashboard",
		Scopes:   []string{"orders:read", "orders:write"},
		Roles:    []string{"analyst"},
	}
	raw, _, err := m.Mint(claims, 15*time.Minute)
	if err != nil {
		tb.Fatal(err)
	}
	dot := strings.LastIndexByte(raw, '.')
	sig, err := base64.RawURLEncoding.DecodeString(raw[dot+1:])
	if err != nil {
		tb.Fatal(err)
	}
	return &tokenBench{key: key, minter: m, verifier: v, raw: raw, input: []byte(raw[:dot]), sig: sig, claims: claims}
}

// derSig re-encodes an ES256 r||s signature as ASN.1 for crypto/ecdsa.
func (t *tokenBench) derSig(tb testing.TB) []byte {
	tb.Helper()
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(t.sig[:32]), new(big.Int).SetBytes(t.sig[32:])})
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func BenchmarkMintES256(b *testing.B) {
	t := newTokenBench(b, token.ES256)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := t.minter.Mint(t.claims, 15*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawECDSASign is the floor under BenchmarkMintES256: SHA-256 and
// an ECDSA P-256 signature over the same signing input.
func BenchmarkRawECDSASign(b *testing.B) {
	t := newTokenBench(b, token.ES256)
	priv := t.key.Private.(*ecdsa.PrivateKey)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(t.input)
		if _, err := ecdsa.SignASN1(rand.Reader, priv, h[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, token.ES256) }
func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, token.RS256) }
func BenchmarkVerifyEdDSA(b *testing.B) { benchVerify(b, token.EdDSA) }

// benchVerify measures token.Verifier.Verify of a valid token.
func benchVerify(b *testing.B, alg token.Alg) {
	t := newTokenBench(b, alg)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := t.verifier.Verify(t.raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawECDSAVerify is the floor under BenchmarkVerifyES256: SHA-256
// of the same signing input and crypto/ecdsa.VerifyASN1 of the same
// signature, already in DER.
func BenchmarkRawECDSAVerify(b *testing.B) {
	t := newTokenBench(b, token.ES256)
	pub, der := t.key.Public.(*ecdsa.PublicKey), t.derSig(b)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(t.input)
		if !ecdsa.VerifyASN1(pub, h[:], der) {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkRawRSAVerify is the floor under BenchmarkVerifyRS256.
func BenchmarkRawRSAVerify(b *testing.B) {
	t := newTokenBench(b, token.RS256)
	pub := t.key.Public.(*rsa.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(t.input)
		if err := rsa.VerifyPKCS1v15(pub, 5 /* crypto.SHA256 */, h[:], t.sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawEd25519Verify is the floor under BenchmarkVerifyEdDSA.
func BenchmarkRawEd25519Verify(b *testing.B) {
	t := newTokenBench(b, token.EdDSA)
	pub := t.key.Public.(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, t.input, t.sig) {
			b.Fatal("signature does not verify")
		}
	}
}

// BenchmarkVerifyES256VsRaw alternates Verify and the raw baseline in one
// loop and reports the ratio of their total times as "verify/raw". On a
// shared or noisy machine this ratio is steadier than dividing the results
// of two separate benchmarks, because both halves see the same load.
func BenchmarkVerifyES256VsRaw(b *testing.B) {
	t := newTokenBench(b, token.ES256)
	pub, der := t.key.Public.(*ecdsa.PublicKey), t.derSig(b)
	var verify, raw time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := t.verifier.Verify(t.raw); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		h := sha256.Sum256(t.input)
		if !ecdsa.VerifyASN1(pub, h[:], der) {
			b.Fatal("signature does not verify")
		}
		end := time.Now()
		verify += mid.Sub(start)
		raw += end.Sub(mid)
	}
	b.ReportMetric(float64(verify)/float64(raw), "verify/raw")
	b.ReportMetric(float64(verify.Nanoseconds())/float64(b.N), "verify-ns/op")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
}

// BenchmarkMintES256VsRaw alternates Mint and the raw signing floor of
// BenchmarkRawECDSASign in one loop and reports the ratio of their total
// times as "mint/raw", for the same reason as BenchmarkVerifyES256VsRaw.
func BenchmarkMintES256VsRaw(b *testing.B) {
	t := newTokenBench(b, token.ES256)
	priv := t.key.Private.(*ecdsa.PrivateKey)
	var mint, raw time.Duration
	for b.Loop() {
		start := time.Now()
		if _, _, err := t.minter.Mint(t.claims, 15*time.Minute); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		h := sha256.Sum256(t.input)
		if _, err := ecdsa.SignASN1(rand.Reader, priv, h[:]); err != nil {
			b.Fatal(err)
		}
		end := time.Now()
		mint += mid.Sub(start)
		raw += end.Sub(mid)
	}
	b.ReportMetric(float64(mint)/float64(raw), "mint/raw")
	b.ReportMetric(float64(mint.Nanoseconds())/float64(b.N), "mint-ns/op")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
}
