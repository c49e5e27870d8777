package token

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Test constants: a fixed instant and the issuer and audience every test
// verifier expects.
const (
	testIssuer   = "https://id.rampart.test"
	testAudience = "https://api.rampart.test"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clockAt returns a clock stuck at t.
func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// loadKey reads testdata/keys/<name>.pem (a test-only PKCS#8 key) as alg,
// with its thumbprint as id.
func loadKey(t testing.TB, name string, alg Alg) *Key {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s.pem: no PEM block", name)
	}
	k, err := ParsePrivate("tmp", alg, blk.Bytes)
	if err != nil {
		t.Fatalf("%s.pem: %v", name, err)
	}
	if k.ID, err = Thumbprint(k.Public); err != nil {
		t.Fatal(err)
	}
	return k
}

// record turns a key into a KeyRecord with the given schedule.
func record(t testing.TB, k *Key, created, active, retire time.Time) KeyRecord {
	t.Helper()
	der, err := k.MarshalPrivate()
	if err != nil {
		t.Fatal(err)
	}
	return KeyRecord{ID: k.ID, Alg: k.Alg, PrivateDER: der, CreatedAt: created, ActiveAt: active, RetireAt: retire}
}

// mustKeySet builds a KeySet or fails the test.
func mustKeySet(t testing.TB, records []KeyRecord, now time.Time) *KeySet {
	t.Helper()
	s, err := NewKeySet(records, now)
	if err != nil {
		t.Fatalf("NewKeySet: %v", err)
	}
	return s
}

// singleKeySet is a KeySet at t0 in which k alone signs.
func singleKeySet(t testing.TB, k *Key) *KeySet {
	t.Helper()
	return mustKeySet(t, []KeyRecord{record(t, k, t0.Add(-24*time.Hour), t0.Add(-24*time.Hour), time.Time{})}, t0)
}

// testVerifier verifies against keys at t0 with the test issuer and audience.
func testVerifier(t testing.TB, keys func(string) (*Key, bool), edit ...func(*VerifyOptions)) *Verifier {
	t.Helper()
	opts := VerifyOptions{Issuer: testIssuer, Audiences: []string{testAudience}, Now: clockAt(t0)}
	for _, e := range edit {
		e(&opts)
	}
	v, err := NewVerifier(keys, opts)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// testMinter mints at t0 with the test issuer from a fixed KeySet.
func testMinter(ks *KeySet, opts ...MinterOption) *Minter {
	return NewMinter(func() *KeySet { return ks }, testIssuer, append([]MinterOption{WithClock(clockAt(t0))}, opts...)...)
}

// accessClaims returns the minimal claims Mint accepts.
func accessClaims() Claims {
	return Claims{Subject: "user-42", Audience: []string{testAudience}, ClientID: "cli-7", Scopes: []string{"read", "write"}}
}

// validPayload is a complete access token payload valid at t0.
func validPayload() map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "user-42", "aud": testAudience, "client_id": "cli-7",
		"exp": t0.Add(10 * time.Minute).Unix(), "iat": t0.Unix(), "nbf": t0.Unix(),
		"jti": "AAAAAAAAAAAAAAAAAAAAAA", "scope": "read",
	}
}

// validHeader is the header Mint writes for k.
func validHeader(k *Key) map[string]any {
	return map[string]any{"alg": string(k.Alg), "kid": k.ID, "typ": TypeAccessToken}
}

// with returns a copy of m with the given members set; a nil value deletes.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// b64 is base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// segment encodes a header or payload: a string or []byte is taken as raw
// JSON text, anything else is marshalled.
func segment(t testing.TB, v any) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return b64([]byte(v))
	case []byte:
		return b64(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

// signer produces a raw JWS signature over a signing input.
type signer func(t testing.TB, input string) []byte

// forge builds a compact JWS from any header and payload, signed by sign
// (nil: empty signature).
func forge(t testing.TB, hdr, payload any, sign signer) string {
	t.Helper()
	input := segment(t, hdr) + "." + segment(t, payload)
	var sig []byte
	if sign != nil {
		sig = sign(t, input)
	}
	return input + "." + b64(sig)
}

// signWith signs as alg with k's private key, whatever the header says.
func signWith(k *Key, alg Alg) signer {
	return func(t testing.TB, input string) []byte {
		t.Helper()
		sig, err := signingMethod(alg).Sign(input, k.Private)
		if err != nil {
			t.Fatalf("signing as %s: %v", alg, err)
		}
		return sig
	}
}

// byKey signs with k's own algorithm.
func byKey(k *Key) signer { return signWith(k, k.Alg) }

// hmacWith computes an HMAC signature with secret, as a key-confusion
// attacker would.
func hmacWith(h func() hash.Hash, secret []byte) signer {
	return func(_ testing.TB, input string) []byte {
		m := hmac.New(h, secret)
		m.Write([]byte(input))
		return m.Sum(nil)
	}
}

// wantReject fails unless err rejects the token for reason.
func wantReject(t testing.TB, claims *Claims, err, reason error) {
	t.Helper()
	if err == nil {
		t.Fatalf("token accepted with claims %+v; want rejection (%v)", claims, reason)
	}
	if claims != nil {
		t.Errorf("claims %+v returned with error %v", claims, err)
	}
	if !errors.Is(err, ErrInvalidToken) {
		t.Errorf("error %q does not wrap ErrInvalidToken", err)
	}
	if reason != nil && !errors.Is(err, reason) {
		t.Errorf("error %q: want reason %q", err, reason)
	}
}

// mustVerify fails unless raw verifies.
func mustVerify(t testing.TB, v *Verifier, raw string) *Claims {
	t.Helper()
	c, err := v.Verify(raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}

// claimsEqual compares claims, times by instant.
func claimsEqual(a, b Claims) bool {
	if !a.ExpiresAt.Equal(b.ExpiresAt) || !a.IssuedAt.Equal(b.IssuedAt) || !a.NotBefore.Equal(b.NotBefore) {
		return false
	}
	a.ExpiresAt, a.IssuedAt, a.NotBefore = time.Time{}, time.Time{}, time.Time{}
	b.ExpiresAt, b.IssuedAt, b.NotBefore = time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// parts splits a compact token.
func parts(t testing.TB, raw string) (hdr, payload, sig string) {
	t.Helper()
	p := strings.Split(raw, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d parts", len(p))
	}
	return p[0], p[1], p[2]
}

// decodeSeg decodes a base64url segment.
func decodeSeg(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
