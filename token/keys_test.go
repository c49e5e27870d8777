package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	for _, alg := range []Alg{ES256, RS256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := GenerateKey(alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if k.Alg != alg || k.Private == nil || k.Public == nil {
				t.Fatalf("key %v", k)
			}
			if err := checkKeyType(alg, k.Public); err != nil {
				t.Fatal(err)
			}
			if rk, ok := k.Public.(*rsa.PublicKey); ok && rk.N.BitLen() != RSABits {
				t.Errorf("RSA key has %d bits, want %d", rk.N.BitLen(), RSABits)
			}
			tp, err := Thumbprint(k.Public)
			if err != nil {
				t.Fatal(err)
			}
			if k.ID != tp || len(k.ID) != 43 {
				t.Errorf("kid %q, want the 43-character thumbprint %q", k.ID, tp)
			}
			der, err := k.MarshalPrivate()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParsePrivate(k.ID, alg, der)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Public.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public) || back.ID != k.ID || back.Alg != alg {
				t.Errorf("ParsePrivate(MarshalPrivate) = %v, want %v", back, k)
			}
			// The round-tripped key signs tokens the original's public key verifies.
			raw, _, err := testMinter(singleKeySet(t, back)).Mint(accessClaims(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			mustVerify(t, testVerifier(t, singleKeySet(t, k).Lookup), raw)
		})
	}
}

func TestGenerateKeyEd25519UsesTheReader(t *testing.T) {
	t.Parallel()
	a, err := GenerateKey(EdDSA, bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey(EdDSA, bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("same seed, different keys %s and %s", a.ID, b.ID)
	}
	if _, err := GenerateKey(EdDSA, strings.NewReader("short")); err == nil {
		t.Error("GenerateKey succeeded with a short reader")
	}
}

func TestGenerateKeyRefusesOtherAlgorithms(t *testing.T) {
	t.Parallel()
	for _, alg := range []Alg{"", "none", "HS256", "ES384", "PS256", "RS512", "es256", "EDDSA"} {
		if k, err := GenerateKey(alg, nil); !errors.Is(err, ErrUnsupportedAlg) {
			t.Errorf("GenerateKey(%q) = %v, %v; want ErrUnsupportedAlg", alg, k, err)
		}
	}
}

// TestThumbprintRFC7638 checks the worked example of RFC 7638 §3.1.
func TestThumbprintRFC7638(t *testing.T) {
	t.Parallel()
	n, err := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Thumbprint(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("Thumbprint = %s, want %s", got, want)
	}
}

func TestParsePrivateRefusesMismatchedKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	der := func(k any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	esDER, rsDER, edDER := der(f.es.Private), der(f.rs.Private), der(f.ed.Private)
	for _, tc := range []struct {
		name string
		id   string
		alg  Alg
		der  []byte
		want error
	}{
		{"RSA key as ES256", "k", ES256, rsDER, ErrKeyMismatch},
		{"RSA key as EdDSA", "k", EdDSA, rsDER, ErrKeyMismatch},
		{"EC key as RS256", "k", RS256, esDER, ErrKeyMismatch},
		{"EC key as EdDSA", "k", EdDSA, esDER, ErrKeyMismatch},
		{"Ed25519 key as ES256", "k", ES256, edDER, ErrKeyMismatch},
		{"Ed25519 key as RS256", "k", RS256, edDER, ErrKeyMismatch},
		{"P-384 key as ES256", "k", ES256, der(p384), ErrKeyMismatch},
		{"1024-bit RSA key", "k", RS256, der(rsa1024), ErrKeyMismatch},
		{"HS256", "k", "HS256", esDER, ErrUnsupportedAlg},
		{"no id", "", ES256, esDER, ErrKeyMismatch},
		{"id with a newline", "a\nb", ES256, esDER, ErrKeyMismatch},
		{"id too long", strings.Repeat("k", maxKeyIDLen+1), ES256, esDER, ErrKeyMismatch},
		{"id not UTF-8", "\xff", ES256, esDER, ErrKeyMismatch},
		{"garbage", "k", ES256, []byte("not DER"), nil},
		{"empty", "k", ES256, nil, nil},
		{"truncated", "k", ES256, esDER[:len(esDER)-3], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := ParsePrivate(tc.id, tc.alg, tc.der)
			if err == nil {
				t.Fatalf("ParsePrivate = %v, want an error", k)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}
	if _, err := (&Key{ID: "k", Alg: ES256, Public: f.es.Public}).MarshalPrivate(); !errors.Is(err, ErrNoPrivateKey) {
		t.Errorf("MarshalPrivate of a public key: %v", err)
	}
}

// secretsOf returns encodings of a key's private material that must never
// appear in any output.
func secretsOf(t *testing.T, k *Key) []string {
	t.Helper()
	der, err := k.MarshalPrivate()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{
		base64.StdEncoding.EncodeToString(der),
		base64.RawURLEncoding.EncodeToString(der),
		hex.EncodeToString(der),
		fmt.Sprint(der),
	}
	switch p := k.Private.(type) {
	case *ecdsa.PrivateKey:
		b, err := p.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hex.EncodeToString(b), new(big.Int).SetBytes(b).String(), fmt.Sprintf("%x", b), fmt.Sprint(b)[1:40])
	case *rsa.PrivateKey:
		out = append(out, p.D.String()[:40], p.D.Text(16)[:40], p.Primes[0].String()[:40])
	case ed25519.PrivateKey:
		out = append(out, hex.EncodeToString(p.Seed()), fmt.Sprint([]byte(p.Seed()))[1:40])
	}
	return out
}

func TestKeysNeverPrintPrivateMaterial(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		rec := record(t, k, t0, t0, time.Time{})
		var outputs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			outputs = append(outputs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, *k), fmt.Sprintf(verb, rec), fmt.Sprintf(verb, &rec))
		}
		outputs = append(outputs, k.String(), k.GoString(), rec.String())
		for _, v := range []any{k, *k, rec, []KeyRecord{rec}, map[string]*Key{"k": k}} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			outputs = append(outputs, string(b))
		}
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		log.Info("key", "key", k, "value", *k, "record", rec)
		log.Info("text", slog.Any("k", k))
		slog.New(slog.NewTextHandler(&logs, nil)).Info("key", "key", k, "record", rec)
		outputs = append(outputs, logs.String())

		for _, out := range outputs {
			for _, secret := range secretsOf(t, k) {
				if strings.Contains(out, secret) {
					t.Fatalf("%s: output leaks private material: %s", k.Alg, out)
				}
			}
		}
		if !strings.Contains(logs.String(), k.ID) || !strings.Contains(k.String(), "REDACTED") {
			t.Errorf("redacted output lost the id or the marker: %s / %s", logs.String(), k.String())
		}
	}
}
