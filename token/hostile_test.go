package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"hash"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// hostileCase is one token that Verify must refuse, and why.
type hostileCase struct {
	name   string
	raw    string
	reason error
}

// hostileTokens builds the attacks. Every one of them must be refused; the
// tokens also seed FuzzVerify.
func hostileTokens(t testing.TB, f *fixture) []hostileCase {
	t.Helper()
	es, rs, ed := f.es, f.rs, f.ed
	hdr, pay := validHeader(es), validPayload()
	valid := f.valid(t, es)
	vh, vp, vs := parts(t, valid)
	sig := decodeSeg(t, vs)
	now := t0.Unix()

	var cases []hostileCase
	add := func(name, raw string, reason error) {
		cases = append(cases, hostileCase{name, raw, reason})
	}
	signed := func(h, p any) string { return forge(t, h, p, byKey(es)) }

	// alg none and friends.
	add("alg none without signature", forge(t, with(hdr, "alg", "none"), pay, nil), ErrWrongAlgorithm)
	add("alg none with a valid ES256 signature", signed(with(hdr, "alg", "none"), pay), ErrWrongAlgorithm)
	add("alg None", forge(t, with(hdr, "alg", "None"), pay, nil), ErrWrongAlgorithm)
	add("alg NONE", forge(t, with(hdr, "alg", "NONE"), pay, nil), ErrWrongAlgorithm)
	add("alg none without kid", forge(t, with(hdr, "alg", "none", "kid", nil), pay, nil), ErrWrongAlgorithm)
	add("alg missing", signed(with(hdr, "alg", nil), pay), ErrWrongAlgorithm)
	add("alg empty", signed(with(hdr, "alg", ""), pay), ErrWrongAlgorithm)
	add("alg lower-case es256", signed(with(hdr, "alg", "es256"), pay), ErrWrongAlgorithm)
	add("alg is an array", signed(with(hdr, "alg", []string{"ES256"}), pay), ErrMalformed)

	// Key confusion: HMAC keyed with public material the attacker can read.
	for _, kc := range confusionSecrets(t, f) {
		for _, h := range []struct {
			alg  string
			hash func() hash.Hash
		}{{"HS256", sha256.New}, {"HS384", sha512.New384}, {"HS512", sha512.New}} {
			add(h.alg+" keyed with "+kc.name, forge(t, with(validHeader(kc.key), "alg", h.alg), pay, hmacWith(h.hash, kc.secret)), ErrWrongAlgorithm)
		}
	}

	// Algorithm swaps: the header names another algorithm than the key's.
	add("RS256 header on the EC key", forge(t, with(validHeader(es), "alg", "RS256"), pay, signWith(f.atkRS, RS256)), ErrWrongAlgorithm)
	add("ES256 header on the RSA key", forge(t, with(validHeader(rs), "alg", "ES256"), pay, signWith(f.atkES, ES256)), ErrWrongAlgorithm)
	add("EdDSA header on the EC key", forge(t, with(validHeader(es), "alg", "EdDSA"), pay, signWith(f.atkED, EdDSA)), ErrWrongAlgorithm)
	add("ES256 header on the EdDSA key", forge(t, with(validHeader(ed), "alg", "ES256"), pay, signWith(f.atkES, ES256)), ErrWrongAlgorithm)
	add("RS256 header on the EdDSA key", forge(t, with(validHeader(ed), "alg", "RS256"), pay, signWith(f.atkRS, RS256)), ErrWrongAlgorithm)
	add("EdDSA header on the RSA key", forge(t, with(validHeader(rs), "alg", "EdDSA"), pay, signWith(f.atkED, EdDSA)), ErrWrongAlgorithm)
	add("PS256 header on the RSA key", forge(t, with(validHeader(rs), "alg", "PS256"), pay, methodSign("PS256", rs.Private)), ErrWrongAlgorithm)
	add("RS512 header on the RSA key", forge(t, with(validHeader(rs), "alg", "RS512"), pay, methodSign("RS512", rs.Private)), ErrWrongAlgorithm)
	add("ES384 header on the EC key", forge(t, with(hdr, "alg", "ES384"), pay, methodSign("ES384", p384Key(t))), ErrWrongAlgorithm)

	// Keys the verifier must not find.
	add("unknown kid", signed(with(hdr, "kid", "no-such-key"), pay), ErrUnknownKey)
	add("missing kid", signed(with(hdr, "kid", nil), pay), ErrUnknownKey)
	add("empty kid", signed(with(hdr, "kid", ""), pay), ErrUnknownKey)
	add("kid in other case", signed(with(hdr, "kid", strings.ToUpper(es.ID)), pay), ErrUnknownKey)
	add("Kid instead of kid", signed(with(hdr, "kid", nil, "Kid", es.ID), pay), ErrUnknownKey)
	add("kid is a number", signed(with(hdr, "kid", 7), pay), ErrMalformed)
	add("signed by a retired key", forge(t, validHeader(f.retired), pay, byKey(f.retired)), ErrUnknownKey)
	add("signed by a key not yet published", forge(t, validHeader(f.future), pay, byKey(f.future)), ErrUnknownKey)
	add("other issuer's key with our kid", forge(t, hdr, pay, byKey(f.atkES)), ErrBadSignature)
	add("other issuer's key and issuer with our kid", forge(t, hdr, with(pay, "iss", "https://evil.test"), byKey(f.atkES)), ErrBadSignature)

	// Headers that bring their own key, or extensions.
	ourJWK := jwkJSON(t, es.Public, es.ID)
	atkJWK := jwkJSON(t, f.atkES.Public, es.ID)
	add("jku header", signed(with(hdr, "jku", "https://evil.test/jwks.json"), pay), ErrForbiddenHeader)
	add("x5u header", signed(with(hdr, "x5u", "https://evil.test/cert.pem"), pay), ErrForbiddenHeader)
	add("x5c header", signed(with(hdr, "x5c", []string{"MIIB"}), pay), ErrForbiddenHeader)
	add("jwk header with our own key", signed(with(hdr, "jwk", ourJWK), pay), ErrForbiddenHeader)
	add("jwk header with the attacker key that signed", forge(t, with(hdr, "jwk", atkJWK), pay, byKey(f.atkES)), ErrForbiddenHeader)
	add("jwk header with the attacker key and no kid", forge(t, with(hdr, "jwk", atkJWK, "kid", nil), pay, byKey(f.atkES)), ErrForbiddenHeader)
	add("crit header", signed(with(hdr, "crit", []string{"exp"}), pay), ErrForbiddenHeader)
	add("empty crit header", signed(with(hdr, "crit", []string{}), pay), ErrForbiddenHeader)
	add("b64 false", signed(with(hdr, "b64", false, "crit", []string{"b64"}), pay), ErrForbiddenHeader)
	add("jku spelled with an escape", signed(`{"alg":"ES256","kid":"`+es.ID+`","typ":"at+jwt","\u006aku":"https://evil.test"}`, pay), ErrForbiddenHeader)

	// Explicit typing.
	add("typ JWT", signed(with(hdr, "typ", "JWT"), pay), ErrWrongType)
	add("typ application/jwt", signed(with(hdr, "typ", "application/jwt"), pay), ErrWrongType)
	add("typ missing", signed(with(hdr, "typ", nil), pay), ErrWrongType)
	add("typ empty", signed(with(hdr, "typ", ""), pay), ErrWrongType)
	add("typ with a suffix", signed(with(hdr, "typ", "at+jwt; x=y"), pay), ErrWrongType)
	add("typ is a number", signed(with(hdr, "typ", 1), pay), ErrMalformed)
	idToken, err := NewMinter(func() *KeySet { return f.set }, testIssuer, WithClock(clockAt(t0))).MintJWT(TypeJWT, pay)
	if err != nil {
		t.Fatal(err)
	}
	add("ID token (typ JWT) as access token", idToken, ErrWrongType)

	// Issuer and audience.
	add("wrong iss", signed(hdr, with(pay, "iss", "https://evil.test")), ErrWrongIssuer)
	add("iss with trailing slash", signed(hdr, with(pay, "iss", testIssuer+"/")), ErrWrongIssuer)
	add("iss in upper case", signed(hdr, with(pay, "iss", strings.ToUpper(testIssuer))), ErrWrongIssuer)
	add("iss missing", signed(hdr, with(pay, "iss", nil)), ErrWrongIssuer)
	add("ISS instead of iss", signed(hdr, with(pay, "iss", nil, "ISS", testIssuer)), ErrWrongIssuer)
	add("iss is a number", signed(hdr, with(pay, "iss", 1)), ErrMalformed)
	add("wrong aud", signed(hdr, with(pay, "aud", "https://other.test")), ErrWrongAudience)
	add("aud array without ours", signed(hdr, with(pay, "aud", []string{"https://a.test", "https://b.test"})), ErrWrongAudience)
	add("aud missing", signed(hdr, with(pay, "aud", nil)), ErrWrongAudience)
	add("aud empty string", signed(hdr, with(pay, "aud", "")), ErrWrongAudience)
	add("aud empty array", signed(hdr, with(pay, "aud", []string{})), ErrWrongAudience)
	add("aud in other case", signed(hdr, with(pay, "aud", strings.ToUpper(testAudience))), ErrWrongAudience)
	add("aud array of numbers", signed(hdr, with(pay, "aud", []int{1})), ErrMalformed)

	// Time.
	add("expired an hour ago", signed(hdr, with(pay, "exp", now-3600, "iat", now-7200, "nbf", now-7200)), ErrExpired)
	add("expired just beyond the leeway", signed(hdr, with(pay, "exp", now-31)), ErrExpired)
	add("expired exactly at the leeway", signed(hdr, with(pay, "exp", now-30)), ErrExpired)
	add("exp missing", signed(hdr, with(pay, "exp", nil)), ErrMissingClaim)
	add("exp is a string", signed(hdr, with(pay, "exp", "9999999999")), ErrMalformed)
	add("exp is null", signed(hdr, `{"iss":"`+testIssuer+`","sub":"u","aud":"`+testAudience+`","client_id":"c","jti":"j","iat":`+itoa(now)+`,"exp":null}`), ErrMalformed)
	add("exp is negative", signed(hdr, with(pay, "exp", -1)), ErrMalformed)
	add("exp overflows", signed(hdr, `{"iss":"`+testIssuer+`","sub":"u","aud":"`+testAudience+`","client_id":"c","jti":"j","iat":`+itoa(now)+`,"exp":1e400}`), ErrMalformed)
	add("exp after year 9999", signed(hdr, with(pay, "exp", int64(253402300800))), ErrMalformed)
	add("nbf in an hour", signed(hdr, with(pay, "nbf", now+3600)), ErrNotYetValid)
	add("nbf just beyond the leeway", signed(hdr, with(pay, "nbf", now+31)), ErrNotYetValid)
	add("iat in an hour", signed(hdr, with(pay, "iat", now+3600, "nbf", nil)), ErrNotYetValid)

	// RFC 9068 required claims.
	add("sub missing", signed(hdr, with(pay, "sub", nil)), ErrMissingClaim)
	add("client_id missing", signed(hdr, with(pay, "client_id", nil)), ErrMissingClaim)
	add("jti missing", signed(hdr, with(pay, "jti", nil)), ErrMissingClaim)
	add("iat missing", signed(hdr, with(pay, "iat", nil)), ErrMissingClaim)

	// Signature tampering.
	for _, bit := range []int{0, 7, 255, 256, 511} {
		s := append([]byte(nil), sig...)
		s[bit/8] ^= 1 << (bit % 8)
		add("signature bit "+itoa(int64(bit))+" flipped", vh+"."+vp+"."+b64(s), ErrBadSignature)
	}
	add("payload edited", vh+"."+b64([]byte(strings.Replace(string(decodeSeg(t, vp)), "user-42", "user-43", 1)))+"."+vs, ErrBadSignature)
	add("payload from another token", vh+"."+segment(t, with(pay, "sub", "admin"))+"."+vs, ErrBadSignature)
	add("header edited", segment(t, with(hdr, "x", 1))+"."+vp+"."+vs, ErrBadSignature)
	add("signature empty", vh+"."+vp+".", ErrBadSignature)
	add("signature doubled", vh+"."+vp+"."+b64(append(append([]byte(nil), sig...), sig...)), ErrBadSignature)
	add("signature in ASN.1 DER form", vh+"."+vp+"."+b64(derSignature(t, sig)), ErrBadSignature)
	add("signature of the wrong algorithm's size", vh+"."+vp+"."+b64(byKey(f.rs)(t, vh+"."+vp)), ErrBadSignature)

	// Shape and encoding.
	add("empty string", "", ErrMalformed)
	add("one dot", ".", ErrMalformed)
	add("two dots", "..", ErrMalformed)
	add("three dots", "...", ErrMalformed)
	add("two segments", vh+"."+vp, ErrMalformed)
	add("header only", vh, ErrMalformed)
	add("four segments", valid+".x", ErrMalformed)
	add("trailing dot", valid+".", ErrMalformed)
	add("leading dot", "."+valid, ErrMalformed)
	add("empty payload", vh+".."+vs, ErrMalformed)
	add("signature truncated by one character", valid[:len(valid)-1], ErrMalformed)
	add("signature truncated by two characters", valid[:len(valid)-2], ErrBadSignature)
	add("padding on the signature", valid+"==", ErrMalformed)
	add("padding on the header", vh+"=."+vp+"."+vs, ErrMalformed)
	add("standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid)+"+/", ErrMalformed)
	add("space inside", vh+"."+vp[:5]+" "+vp[5:]+"."+vs, ErrMalformed)
	add("newline inside the signature", vh+"."+vp+"."+vs[:10]+"\n"+vs[10:], ErrMalformed)
	add("trailing newline", valid+"\n", ErrMalformed)
	add("Bearer prefix", "Bearer "+valid, ErrMalformed)
	add("NUL byte", valid[:20]+"\x00"+valid[20:], ErrMalformed)
	add("non-ASCII", valid[:20]+"é"+valid[20:], ErrMalformed)
	add("non-canonical last character", vh+"."+vp+"."+vs[:len(vs)-1]+nonCanonical(vs[len(vs)-1]), ErrMalformed)
	add("header is not JSON", b64([]byte("not json"))+"."+vp+"."+vs, ErrMalformed)
	add("header is a JSON array", b64([]byte(`["ES256"]`))+"."+vp+"."+vs, ErrMalformed)
	add("header is null", b64([]byte(`null`))+"."+vp+"."+vs, ErrMalformed)
	add("header with two kids", signed(`{"alg":"ES256","kid":"`+es.ID+`","kid":"`+rs.ID+`","typ":"at+jwt"}`, pay), ErrMalformed)
	add("header with two algs", signed(`{"alg":"HS256","alg":"ES256","kid":"`+es.ID+`","typ":"at+jwt"}`, pay), ErrMalformed)
	add("header with two unknown members", signed(`{"alg":"ES256","kid":"`+es.ID+`","typ":"at+jwt","x":1,"x":2}`, pay), ErrMalformed)
	add("header with invalid UTF-8", signed("{\"alg\":\"ES256\",\"kid\":\""+es.ID+"\",\"typ\":\"at+jwt\",\"x\":\"\xff\"}", pay), ErrMalformed)
	add("header with many parameters", signed(`{"alg":"ES256","kid":"`+es.ID+`","typ":"at+jwt","a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}`, pay), ErrMalformed)
	add("header with trailing data", signed(`{"alg":"ES256","kid":"`+es.ID+`","typ":"at+jwt"} {}`, pay), ErrMalformed)
	add("payload is a JSON array", signed(hdr, `[]`), ErrMalformed)
	add("payload is null", signed(hdr, `null`), ErrMalformed)
	add("payload is a string", signed(hdr, `"claims"`), ErrMalformed)
	add("payload is not JSON", signed(hdr, `{"iss":`), ErrMalformed)
	add("payload with two iss", signed(hdr, `{"iss":"https://evil.test","iss":"`+testIssuer+`","sub":"u","aud":"`+testAudience+`","client_id":"c","jti":"j","iat":`+itoa(now)+`,"exp":`+itoa(now+60)+`}`), ErrMalformed)
	add("payload with two extra claims of one name", signed(hdr, `{"iss":"`+testIssuer+`","sub":"u","aud":"`+testAudience+`","client_id":"c","jti":"j","iat":`+itoa(now)+`,"exp":`+itoa(now+60)+`,"acr":"1","acr":"2"}`), ErrMalformed)
	add("payload with invalid UTF-8", signed(hdr, "{\"iss\":\""+testIssuer+"\",\"sub\":\"\xff\",\"aud\":\""+testAudience+"\",\"client_id\":\"c\",\"jti\":\"j\",\"iat\":"+itoa(now)+",\"exp\":"+itoa(now+60)+"}"), ErrMalformed)
	add("roles is a string", signed(hdr, with(pay, "roles", "admin")), ErrMalformed)
	add("scope is an array", signed(hdr, with(pay, "scope", []string{"read"})), ErrMalformed)
	add("oversized garbage", strings.Repeat("A", MaxTokenSize-2)+".A.", ErrMalformed)
	add("oversized but validly signed", signed(hdr, with(pay, "pad", strings.Repeat("x", MaxTokenSize))), ErrMalformed)
	return cases
}

// confusionSecret is public material an attacker may try as an HMAC key.
type confusionSecret struct {
	name   string
	key    *Key // the key whose kid the token names
	secret []byte
}

// confusionSecrets lists every public encoding of the fixture's keys.
func confusionSecrets(t testing.TB, f *fixture) []confusionSecret {
	t.Helper()
	var out []confusionSecret
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		spki, err := x509.MarshalPKIXPublicKey(k.Public)
		if err != nil {
			t.Fatal(err)
		}
		name := string(k.Alg) + " key's "
		out = append(out,
			confusionSecret{name + "PEM", k, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})},
			confusionSecret{name + "DER", k, spki},
			confusionSecret{name + "JWK", k, []byte(jwkJSON(t, k.Public, k.ID))},
		)
		switch pub := k.Public.(type) {
		case *ecdsa.PublicKey:
			raw, err := pub.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, confusionSecret{name + "uncompressed point", k, raw})
		case *rsa.PublicKey:
			out = append(out, confusionSecret{name + "PKCS#1 PEM", k,
				pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)})})
		case ed25519.PublicKey:
			out = append(out, confusionSecret{name + "raw bytes", k, pub})
		}
	}
	out = append(out, confusionSecret{"the whole JWKS", f.es, f.set.JWKS()})
	return out
}

// jwkJSON is a public key as a JWK object.
func jwkJSON(t testing.TB, pub crypto.PublicKey, kid string) json.RawMessage {
	t.Helper()
	b, err := jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// methodSign signs with any golang-jwt method, to forge algorithms rampart
// does not support.
func methodSign(alg string, key crypto.Signer) signer {
	return func(t testing.TB, input string) []byte {
		t.Helper()
		sig, err := jwt.GetSigningMethod(alg).Sign(input, key)
		if err != nil {
			t.Fatalf("signing as %s: %v", alg, err)
		}
		return sig
	}
}

// p384Key loads the P-384 test key.
func p384Key(t testing.TB) crypto.Signer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", "es384.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(crypto.Signer)
}

// derSignature re-encodes a raw r||s ES256 signature as ASN.1 DER.
func derSignature(t testing.TB, raw []byte) []byte {
	t.Helper()
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// nonCanonical returns another base64url character that decodes to the same
// bits as c in the last position of an 86-character segment (4 unused bits).
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(alphabet[base64Value(c)|1])
}

// itoa formats an int64.
func itoa(n int64) string { return big.NewInt(n).String() }

func TestVerifyRejectsHostileTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := hostileTokens(t, f)
	if len(cases) < 100 {
		t.Fatalf("only %d hostile cases", len(cases))
	}
	seen := make(map[string]bool)
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := f.v.Verify(tc.raw)
			wantReject(t, c, err, tc.reason)
		})
	}
}

// TestHostileTokensAreOtherwiseValid proves the attacks above fail for the
// reason tested and not by accident: the same verifier accepts the genuine
// token they are built from, and the payload they use.
func TestHostileTokensAreOtherwiseValid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		mustVerify(t, f.v, f.valid(t, k))
		mustVerify(t, f.v, forge(t, validHeader(k), validPayload(), byKey(k)))
	}
}

// TestVerifyECDSASignatureTwin documents ECDSA malleability: (r, n-s)
// verifies as well as (r, s). Verify accepts both, so the raw token string
// is not a unique identifier; jti is. If this test starts failing, the
// library began to refuse high-S signatures: update the Verify doc.
func TestVerifyECDSASignatureTwin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	valid := f.valid(t, f.es)
	h, p, s := parts(t, valid)
	sig := decodeSeg(t, s)
	n := f.es.Public.(*ecdsa.PublicKey).Curve.Params().N
	twinS := new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:]))
	twin := append(append([]byte(nil), sig[:32]...), twinS.FillBytes(make([]byte, 32))...)
	raw := h + "." + p + "." + b64(twin)
	if raw == valid {
		t.Fatal("twin equals the original")
	}
	a, b := mustVerify(t, f.v, valid), mustVerify(t, f.v, raw)
	if !claimsEqual(*a, *b) {
		t.Errorf("twin claims differ: %+v vs %+v", a, b)
	}
}

// TestVerifyRejectsAtEveryBoundary walks the clock across exp and nbf.
func TestVerifyRejectsAtEveryBoundary(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	exp := t0.Add(10 * time.Minute)
	raw := forge(t, validHeader(f.es), with(validPayload(), "exp", exp.Unix(), "nbf", t0.Add(time.Minute).Unix()), byKey(f.es))
	for _, tc := range []struct {
		now    time.Time
		reason error
	}{
		{t0.Add(30 * time.Second), nil},                  // nbf - 30s: within leeway
		{t0.Add(29 * time.Second), ErrNotYetValid},       // nbf - 31s
		{exp.Add(29 * time.Second), nil},                 // exp + 29s
		{exp.Add(30 * time.Second), ErrExpired},          // exp + leeway
		{exp.Add(30*time.Second - time.Nanosecond), nil}, // just inside
		{exp.Add(time.Hour), ErrExpired},                 // long gone
		{t0.Add(-time.Hour), ErrNotYetValid},             // clock far behind
		{exp.Add(-time.Second), nil},                     // ordinary
		{t0.Add(time.Minute - 30*time.Second), nil},      // nbf - leeway exactly
		{t0.Add(time.Minute - 31*time.Second), ErrNotYetValid},
	} {
		t.Run(tc.now.Format(time.TimeOnly+".000000000"), func(t *testing.T) {
			v := testVerifier(t, f.set.Lookup, func(o *VerifyOptions) { o.Now = clockAt(tc.now) })
			c, err := v.Verify(raw)
			if tc.reason == nil {
				if err != nil {
					t.Fatalf("Verify at %s: %v", tc.now, err)
				}
				return
			}
			wantReject(t, c, err, tc.reason)
		})
	}
}
