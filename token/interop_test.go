package token

import (
	"bytes"
	"crypto"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// cryptoSHA256 is the hash RFC 7638 thumbprints use.
const cryptoSHA256 = crypto.SHA256

// TestInteropGoJoseVerifiesOurTokens proves Mint emits standard JWS: go-jose,
// an independent implementation, verifies it against our JWKS.
func TestInteropGoJoseVerifiesOurTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(f.set.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		t.Run(string(k.Alg), func(t *testing.T) {
			t.Parallel()
			raw := f.valid(t, k)
			jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.Alg)})
			if err != nil {
				t.Fatal(err)
			}
			payload, err := jws.Verify(set)
			if err != nil {
				t.Fatalf("go-jose: %v", err)
			}
			_, p, _ := parts(t, raw)
			if !bytes.Equal(payload, decodeSeg(t, p)) {
				t.Errorf("go-jose payload %s", payload)
			}
			h := jws.Signatures[0].Header
			if h.KeyID != k.ID || h.Algorithm != string(k.Alg) || h.ExtraHeaders["typ"] != "at+jwt" {
				t.Errorf("go-jose header %+v", h)
			}
			// The same token with one payload byte changed fails in go-jose too.
			tampered := raw[:len(raw)/2] + string(raw[len(raw)/2]^1) + raw[len(raw)/2+1:]
			if jws, err := jose.ParseSignedCompact(tampered, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.Alg)}); err == nil {
				if _, err := jws.Verify(set); err == nil {
					t.Error("go-jose accepted a tampered token")
				}
			}
		})
	}
}

// TestInteropWeVerifyGoJoseTokens proves Verify accepts standard JWS that it
// did not produce itself.
func TestInteropWeVerifyGoJoseTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	payload, err := json.Marshal(validPayload())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		t.Run(string(k.Alg), func(t *testing.T) {
			t.Parallel()
			signer, err := jose.NewSigner(jose.SigningKey{
				Algorithm: jose.SignatureAlgorithm(k.Alg),
				Key:       jose.JSONWebKey{Key: k.Private, KeyID: k.ID},
			}, (&jose.SignerOptions{}).WithType("at+jwt"))
			if err != nil {
				t.Fatal(err)
			}
			jws, err := signer.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := jws.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			c := mustVerify(t, f.v, raw)
			if c.Subject != "user-42" || c.ClientID != "cli-7" || c.Issuer != testIssuer {
				t.Errorf("claims %+v", c)
			}
		})
	}
}
