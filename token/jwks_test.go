package token

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestJWKSHasOnlyPublicMembers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(f.set.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{f.es.ID, f.ed.ID, f.rs.ID} // newest first
	if len(doc.Keys) != len(wantIDs) {
		t.Fatalf("JWKS has %d keys, want %d (retired and future keys left out)", len(doc.Keys), len(wantIDs))
	}
	allowed := map[string][]string{
		"EC":  {"alg", "crv", "kid", "kty", "use", "x", "y"},
		"RSA": {"alg", "e", "kid", "kty", "n", "use"},
		"OKP": {"alg", "crv", "kid", "kty", "use", "x"},
	}
	for i, k := range doc.Keys {
		if k["kid"] != wantIDs[i] {
			t.Errorf("key %d kid %v, want %s", i, k["kid"], wantIDs[i])
		}
		if k["use"] != "sig" {
			t.Errorf("key %v: use %v", k["kid"], k["use"])
		}
		var names []string
		for name := range k {
			names = append(names, name)
		}
		slices.Sort(names)
		if want := allowed[k["kty"].(string)]; !slices.Equal(names, want) {
			t.Errorf("key %v has members %v, want exactly %v", k["kid"], names, want)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %v has private member %q", k["kid"], private)
			}
		}
	}
	for i, want := range []map[string]any{{"kty": "EC", "crv": "P-256", "alg": "ES256"}, {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA"}, {"kty": "RSA", "alg": "RS256", "e": "AQAB"}} {
		for name, v := range want {
			if doc.Keys[i][name] != v {
				t.Errorf("key %d: %s = %v, want %v", i, name, doc.Keys[i][name], v)
			}
		}
	}
}

// TestJWKSKeysVerifyTokens parses the JWKS with go-jose, as a relying party
// would, and verifies tokens with the keys it finds.
func TestJWKSKeysVerifyTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(f.set.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	lookup := func(kid string) (*Key, bool) {
		for _, k := range set.Key(kid) {
			if !k.Valid() || !k.IsPublic() || k.Use != "sig" {
				return nil, false
			}
			return &Key{ID: k.KeyID, Alg: Alg(k.Algorithm), Public: k.Key}, true
		}
		return nil, false
	}
	v := testVerifier(t, lookup)
	for _, k := range []*Key{f.es, f.rs, f.ed} {
		got := mustVerify(t, v, f.valid(t, k))
		if got.Subject != "user-42" {
			t.Errorf("claims %+v", got)
		}
		tp, err := set.Key(k.ID)[0].Thumbprint(cryptoSHA256)
		if err != nil {
			t.Fatal(err)
		}
		if b64(tp) != k.ID {
			t.Errorf("kid %s is not the thumbprint of the published key", k.ID)
		}
	}
	c, err := v.Verify(forge(t, validHeader(f.retired), validPayload(), byKey(f.retired)))
	wantReject(t, c, err, ErrUnknownKey)
}

func TestJWKSCacheControl(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		maxAge time.Duration
		want   string
	}{
		{DefaultJWKSMaxAge, "public, max-age=300, must-revalidate"},
		{90*time.Second + 999*time.Millisecond, "public, max-age=90, must-revalidate"},
		{0, "public, max-age=0, must-revalidate"},
		{-time.Hour, "public, max-age=0, must-revalidate"},
	} {
		if got := JWKSCacheControl(tc.maxAge); got != tc.want {
			t.Errorf("JWKSCacheControl(%s) = %q, want %q", tc.maxAge, got, tc.want)
		}
	}
}
